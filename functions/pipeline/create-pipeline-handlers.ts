import type { Context } from "aws-lambda";
import { evaluateCandidate } from "../../layers/domain/pipeline/evaluate-candidate.ts";
import { markRunFailed } from "../../layers/domain/pipeline/mark-run-failed.ts";
import type { PipelineDependencies } from "../../layers/domain/pipeline/pipeline-dependencies.ts";
import { prepareTrainingData } from "../../layers/domain/pipeline/prepare-data.ts";
import { planBatchRecs, publishBatchFile } from "../../layers/domain/pipeline/publish-batch-recs.ts";
import { refreshItemVectors } from "../../layers/domain/pipeline/refresh-vectors.ts";
import { registerModel, rejectCandidate } from "../../layers/domain/pipeline/register-model.ts";
import { trainCandidate } from "../../layers/domain/pipeline/train-candidate.ts";
import * as z from "../../layers/domain/validation/zod.ts";
import { recordMetric } from "../commons/application-metrics.ts";
import { observedHandler } from "../commons/observed-handler.ts";
import { parseInput } from "../commons/parse-input.ts";

const RunInput = z.object({ runId: z.string() });
const VersionInput = z.object({ runId: z.string(), version: z.string() });
const BatchFileInput = z.extend(VersionInput, { batchFile: z.string().check(z.minLength(1)) });
// What a Catch with ResultPath "$.failure" hands over: the error name and its cause (often JSON text).
const FailureInput = z.object({
  runId: z.string(),
  failure: z.object({ Error: z.string(), Cause: z._default(z.optional(z.string()), "") }),
});

/**
 * A Step Functions task handler: the Payload in, a JSON result out; a thrown error's name is its Error.
 * The Lambda context is optional: the local runner calls the handlers with the payload alone.
 */
export type PipelineTaskHandler = (event: unknown, context?: Context) => Promise<unknown>;

export interface PipelineHandlers {
  readonly prepareData: PipelineTaskHandler;
  readonly train: PipelineTaskHandler;
  readonly evaluate: PipelineTaskHandler;
  readonly reject: PipelineTaskHandler;
  readonly refreshVectors: PipelineTaskHandler;
  readonly planBatchRecs: PipelineTaskHandler;
  readonly publishBatchFile: PipelineTaskHandler;
  readonly registerModel: PipelineTaskHandler;
  readonly markFailed: PipelineTaskHandler;
}

/**
 * The nightly state machine's Lambda handlers over one set of dependencies: validate the payload, call one
 * domain step. Errors are thrown as they are: their names (InvalidInputError, DependencyError, …) are what
 * the definition's Retry and Catch match on. Exported as a factory for tests and the local runner.
 */
export function createPipelineHandlers(deps: PipelineDependencies): PipelineHandlers {
  const handlers: { readonly [Step in keyof PipelineHandlers]: (event: unknown) => Promise<unknown> } = {
    prepareData: async (event) => prepareTrainingData(deps, parseInput(RunInput, event, "payload")),
    train: async (event) => trainCandidate(deps, parseInput(VersionInput, event, "payload")),
    evaluate: async (event) => evaluateCandidate(deps, parseInput(VersionInput, event, "payload")),
    reject: async (event) => rejectCandidate(deps, parseInput(VersionInput, event, "payload")),
    refreshVectors: async (event) => refreshItemVectors(deps, parseInput(VersionInput, event, "payload")),
    planBatchRecs: async (event) => planBatchRecs(deps, parseInput(VersionInput, event, "payload")),
    publishBatchFile: async (event) => publishBatchFile(deps, parseInput(BatchFileInput, event, "payload")),
    registerModel: async (event) => registerModel(deps, parseInput(VersionInput, event, "payload")),
    markFailed: async (event) => {
      const { runId, failure } = parseInput(FailureInput, event, "payload");
      return markRunFailed(deps, { runId, failure: { error: failure.Error, cause: failure.Cause } });
    },
  };
  return {
    prepareData: observedStep("prepareData", handlers.prepareData),
    train: observedStep("train", handlers.train),
    evaluate: observedStep("evaluate", handlers.evaluate),
    reject: observedStep("reject", handlers.reject),
    refreshVectors: observedStep("refreshVectors", handlers.refreshVectors),
    planBatchRecs: observedStep("planBatchRecs", handlers.planBatchRecs),
    publishBatchFile: observedStep("publishBatchFile", handlers.publishBatchFile),
    registerModel: observedStep("registerModel", handlers.registerModel),
    markFailed: observedStep("markFailed", handlers.markFailed),
  };
}

const RunIdOf = z.object({ runId: z.string().check(z.minLength(1)) });

/**
 * A step with the house instrumentation: the run id as every log line's correlation id, and the step's
 * duration (success or failure) as a metric by `Step`. Errors pass through unchanged: the state machine's
 * Retry and Catch match on their names.
 */
function observedStep(step: keyof PipelineHandlers, handle: (event: unknown) => Promise<unknown>) {
  return observedHandler(
    async (event: unknown) => {
      const started = performance.now();
      try {
        return await handle(event);
      } finally {
        recordMetric.pipelineStep(step, performance.now() - started);
      }
    },
    {
      correlationIdOf: (event) => {
        const parsed = RunIdOf.safeParse(event);
        return parsed.success ? parsed.data.runId : undefined;
      },
    },
  );
}
