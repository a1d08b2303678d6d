import { describe, expect, it } from "vitest";
import {
  functionEnvironmentVariables,
  readFunctionEnvironment,
} from "../../../functions/commons/function-environment.ts";

describe("the house function environment", () => {
  it("round-trips: what CDK and the local front set is what handlers read", () => {
    const variables = functionEnvironmentVariables({ stageName: "prod", version: "1.4.0" });
    expect(variables).toEqual({ FLYWHEEL_STAGE: "prod", FLYWHEEL_VERSION: "1.4.0" });
    expect(readFunctionEnvironment(variables)).toEqual({ stageName: "prod", version: "1.4.0" });
  });

  it("fails naming every missing or empty variable", () => {
    expect(() => readFunctionEnvironment({ FLYWHEEL_STAGE: "" })).toThrow(
      "missing or empty environment variables: FLYWHEEL_STAGE, FLYWHEEL_VERSION",
    );
  });
});
