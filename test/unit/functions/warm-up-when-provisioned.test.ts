import { describe, expect, it } from "vitest";
import {
  INITIALIZATION_TYPE_VARIABLE,
  type WarmUpOutcome,
  warmUpWhenProvisioned,
} from "../../../functions/commons/warm-up-when-provisioned.ts";

const PROVISIONED = { [INITIALIZATION_TYPE_VARIABLE]: "provisioned-concurrency" };

function recorder() {
  const logged: WarmUpOutcome[] = [];
  return { logged, log: (outcome: WarmUpOutcome) => logged.push(outcome) };
}

describe("warmUpWhenProvisioned", () => {
  it("does nothing in an on-demand environment, where init is part of a cold request", async () => {
    const { logged, log } = recorder();
    let ran = 0;
    for (const env of [{ [INITIALIZATION_TYPE_VARIABLE]: "on-demand" }, {}]) {
      const outcomes = await warmUpWhenProvisioned({ model: async () => ran++ }, { env, log });
      expect(outcomes).toEqual([]);
    }
    expect(ran).toBe(0);
    expect(logged).toEqual([]);
  });

  it("runs every task at once when kept initialized, waits for them and logs each", async () => {
    const { logged, log } = recorder();
    const started: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const warming = warmUpWhenProvisioned(
      {
        model: async () => {
          started.push("model");
          await gate;
        },
        index: async () => {
          started.push("index");
          await gate;
        },
      },
      { env: PROVISIONED, log },
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(["model", "index"]);
    release();
    const outcomes = await warming;
    expect(outcomes.map(({ task, outcome }) => [task, outcome])).toEqual([
      ["model", "done"],
      ["index", "done"],
    ]);
    expect(logged).toEqual(outcomes);
  });

  it("never throws: a failed task is reported with its error and left to the first request", async () => {
    const { logged, log } = recorder();
    const outcomes = await warmUpWhenProvisioned(
      {
        model: async () => {
          throw new Error("registry unreachable");
        },
      },
      { env: PROVISIONED, log },
    );
    expect(outcomes).toEqual([
      { task: "model", outcome: "failed", ms: expect.any(Number), error: "Error: registry unreachable" },
    ]);
    expect(logged).toHaveLength(1);
  });

  it("stops waiting at the budget, and the task goes on for its first caller to join", async () => {
    const { log } = recorder();
    let finished = false;
    const slow = new Promise<void>((resolve) =>
      setTimeout(() => {
        finished = true;
        resolve();
      }, 200),
    );
    const outcomes = await warmUpWhenProvisioned(
      { model: () => slow },
      { env: PROVISIONED, log, budgetMs: 20 },
    );
    expect(outcomes).toEqual([{ task: "model", outcome: "over budget", ms: expect.any(Number) }]);
    expect(finished).toBe(false);
    await slow;
    expect(finished).toBe(true);
  });
});
