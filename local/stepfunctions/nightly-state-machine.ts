import { z } from "zod";
import type { PipelineDependencies } from "../../layers/domain/pipeline/pipeline-dependencies.ts";
import { loadNightlyDefinition, type NightlyRunOptions, runNightlyCycle } from "../pipeline/run-nightly.ts";
import type { LocalStateMachine } from "./local-step-functions-server.ts";

/**
 * What runNightlyCycle needs of an execution's input. Anything else gets through to the definition as it
 * is (an unknown trainer is the definition's UnknownTrainer to refuse, not this runner's).
 */
const NightlyInputSchema = z.looseObject({
  runId: z.string().optional(),
  trainer: z.enum(["embedded", "spark"]),
  qualityGate: z.looseObject({ maxNdcgDrop: z.number() }),
});

/**
 * The nightly training state machine for the local Step Functions endpoint: the real definition, run by
 * runNightlyCycle over `deps` (every Task mapped to the in-process handler), its event log forwarded to
 * the endpoint's history. The execution's name is `$$.Execution.Name`, the run id of an input without one.
 */
export function nightlyStateMachine(
  deps: PipelineDependencies,
  options: Omit<NightlyRunOptions, "onEvent" | "executionName"> = {},
): LocalStateMachine {
  return {
    definition: loadNightlyDefinition(),
    run: async (input, onEvent, { executionName }) => {
      const parsed = NightlyInputSchema.safeParse(input);
      if (!parsed.success) {
        // What Step Functions reports when a path the definition reads is missing from the input.
        const issue = parsed.error.issues[0];
        return {
          status: "FAILED",
          error: "States.Runtime",
          cause: `the input lacks a valid $.${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`,
        };
      }
      const result = await runNightlyCycle(deps, parsed.data, { ...options, executionName, onEvent });
      return result.status === "SUCCEEDED"
        ? { status: "SUCCEEDED", output: result.output }
        : {
            status: "FAILED",
            ...(result.error === undefined ? {} : { error: result.error }),
            ...(result.cause === undefined ? {} : { cause: result.cause }),
          };
    },
  };
}
