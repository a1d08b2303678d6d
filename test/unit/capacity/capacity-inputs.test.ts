import { describe, expect, it } from "vitest";
import { capacityInputs } from "../../../infra/capacity/workload-model.ts";
import { InvalidInputError } from "../../../layers/domain/errors/domain-errors.ts";

function failure(run: () => unknown): InvalidInputError {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidInputError) return error;
    throw error;
  }
  throw new Error("expected an InvalidInputError");
}

const valid = { users: 1000, items: 100, rps: 5, eventsPerSec: 10 };

describe("capacity inputs", () => {
  it("takes positive integers and fills the defaults", () => {
    expect(capacityInputs(valid)).toEqual({ ...valid, streamMode: "on-demand", factors: 64 });
    expect(capacityInputs({ ...valid, streamMode: "provisioned", factors: 128 })).toMatchObject({
      streamMode: "provisioned",
      factors: 128,
    });
  });

  it.each([
    ["users", 0, "--users must be an integer from 1 to 1,000,000,000, got 0"],
    ["users", 1_000_000_001, "--users must be an integer from 1 to 1,000,000,000, got 1000000001"],
    ["items", 2.5, "--items must be an integer from 1 to 100,000,000, got 2.5"],
    ["rps", -3, "--rps must be an integer from 1 to 1,000,000, got -3"],
    ["eventsPerSec", Number.NaN, "--events-per-sec must be an integer from 1 to 10,000,000, got NaN"],
    ["factors", 5000, "--factors must be an integer from 1 to 1,024, got 5000"],
  ] as const)("refuses %s = %s, naming the flag and the range", (field, value, message) => {
    const error = failure(() => capacityInputs({ ...valid, [field]: value }));
    expect(error.message).toBe(message);
    expect(error.field).toBe(message.slice(2, message.indexOf(" ")));
  });

  it("refuses an unknown stream mode", () => {
    const error = failure(() =>
      capacityInputs({ ...valid, streamMode: "serverless" as unknown as "on-demand" }),
    );
    expect(error.message).toBe("--stream-mode must be one of on-demand, provisioned, got 'serverless'");
  });
});
