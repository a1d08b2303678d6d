import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { NIGHTLY_DEFINITION_PATH } from "../../../local/pipeline/run-nightly.ts";

// asl-validator ships no type declarations: its call signature, as its README documents it.
type AslValidator = (
  definition: unknown,
  options: { checkArn: boolean; checkPaths: boolean },
) => { isValid: boolean; errorsText: (separator?: string) => string };
const aslValidator = createRequire(import.meta.url)("asl-validator") as AslValidator;

const text = readFileSync(NIGHTLY_DEFINITION_PATH, "utf8");

interface AnyState {
  Type: string;
  Resource?: string;
  TimeoutSeconds?: number;
  Parameters?: Record<string, unknown>;
  Retry?: unknown[];
  Catch?: Array<{ Next: string }>;
  Branches?: Array<{ States: Record<string, AnyState> }>;
  ItemProcessor?: { States: Record<string, AnyState>; ProcessorConfig?: { Mode: string } };
}

function allStates(states: Record<string, AnyState>): Array<[string, AnyState]> {
  return Object.entries(states).flatMap(([name, state]) => [
    [name, state] as [string, AnyState],
    ...(state.Branches ?? []).flatMap((branch) => allStates(branch.States)),
    ...(state.ItemProcessor ? allStates(state.ItemProcessor.States) : []),
  ]);
}

describe("state-machines/nightly-training.asl.json", () => {
  const definition = JSON.parse(text) as { States: Record<string, AnyState> };
  const states = allStates(definition.States);

  it("validates with asl-validator, ARNs and paths checked", () => {
    const { isValid, errorsText } = aslValidator(definition, { checkArn: true, checkPaths: true });
    expect(errorsText("\n")).toBe("");
    expect(isValid).toBe(true);
  });

  it("uses JSONPath and pastes no account ARN: every function, topic and EMR id is a CDK substitution", () => {
    expect(text).not.toContain("JSONata");
    expect(text).not.toMatch(/arn:aws:(lambda|sns|iam|emr-serverless):/);
    for (const [, state] of states.filter(([, s]) => s.Type === "Task")) {
      expect(state.Resource).toMatch(/^arn:aws:states:::/);
    }
    const lambdaTasks = states.filter(([, s]) => s.Resource === "arn:aws:states:::lambda:invoke");
    expect(lambdaTasks.length).toBeGreaterThan(5);
    for (const [, state] of lambdaTasks)
      expect(state.Parameters?.FunctionName).toMatch(/^\$\{\w+FunctionArn\}$/);
  });

  it("retries every Task and catches every top-level work state into MarkFailed", () => {
    for (const [name, state] of states.filter(([, s]) => s.Type === "Task")) {
      expect(state.Retry, name).toBeDefined();
    }
    const recovery = new Set(["MarkFailed", "NotifyFailure"]);
    for (const [name, state] of Object.entries(definition.States)) {
      if (!["Task", "Parallel"].includes(state.Type) || recovery.has(name) || name === "Notify") continue;
      expect(
        state.Catch?.map((c) => c.Next),
        name,
      ).toEqual(["MarkFailed"]);
    }
  });

  it("bounds every Task explicitly: the Lambda limit for Lambdas, hours for the Spark job", () => {
    // Left out, the States Language spec's default is 60 s (aws-local-stepfunctions applies it), which a
    // nightly step on a real data set outlasts.
    for (const [name, state] of states.filter(([, s]) => s.Type === "Task")) {
      const resource = String(state.Resource);
      const expected = resource.includes("emr-serverless") ? 14_400 : resource.includes("lambda") ? 900 : 60;
      expect(state.TimeoutSeconds, name).toBe(expected);
    }
  });

  it("publishes batch recs with a Distributed Map", () => {
    const map = states.find(([name]) => name === "PublishBatchRecs")?.[1];
    expect(map?.ItemProcessor?.ProcessorConfig?.Mode).toBe("DISTRIBUTED");
  });
});
