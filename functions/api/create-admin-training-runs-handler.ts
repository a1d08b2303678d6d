import type * as z from "zod/mini";
import { NotFoundError } from "../../layers/domain/errors/domain-errors.ts";
import {
  type DescribeTrainingRunDependencies,
  describeTrainingRun,
  type TrainingRunReport,
} from "../../layers/domain/training-runs/describe-training-run.ts";
import {
  type StartTrainingRunDependencies,
  startTrainingRun,
} from "../../layers/domain/training-runs/start-training-run.ts";
import {
  ADMIN_BODY_MAX_BYTES,
  StartTrainingRunBodySchema,
} from "../../layers/domain/training-runs/training-run-request-schema.ts";
import type { TrainingRunStep } from "../../layers/ports/training-runs.ts";
import { httpHandler } from "../commons/http-handler.ts";
import { jsonResponse } from "../commons/json-response.ts";
import { parseInput } from "../commons/parse-input.ts";
import { requireAdminCaller } from "./admin-caller.ts";
import { modelVersionResponse } from "./model-version-response.ts";
import { TrainingRunPathSchema, TrainingRunsQuerySchema } from "./openapi/parameter-schemas.ts";
import type {
  TrainingRunListResponseSchema,
  TrainingRunResponseSchema,
  TrainingRunStartedResponseSchema,
  TrainingRunStepSchema,
} from "./openapi/schemas.ts";
import { readOptionalJsonBody } from "./read-optional-json-body.ts";

export interface AdminTrainingRunsHandlerDependencies
  extends StartTrainingRunDependencies,
    DescribeTrainingRunDependencies {}

/** A run changes from one second to the next: no cache may keep an answer. */
const NO_STORE = { "cache-control": "no-store" };

/**
 * POST /v1/admin/training-runs (202, the run started), GET /v1/admin/training-runs (200, recent runs) and
 * GET /v1/admin/training-runs/{runId} (200, the run with its steps and model; 404 for an unknown run). Only
 * for IAM callers (requireAdminCaller). Exported as a factory for tests; admin-training-runs-handler.ts
 * builds it from the environment.
 */
export function createAdminTrainingRunsHandler(deps: AdminTrainingRunsHandlerDependencies) {
  return httpHandler(async (event) => {
    requireAdminCaller(event);
    switch (`${event.httpMethod} ${event.resource}`) {
      case "POST /v1/admin/training-runs": {
        // No body at all is an empty request (every field defaults); a JSON `null` is not.
        const sent = readOptionalJsonBody(event, ADMIN_BODY_MAX_BYTES);
        const body = parseInput(StartTrainingRunBodySchema, sent === undefined ? {} : sent, "body");
        const started = await startTrainingRun(deps, body);
        const response: z.input<typeof TrainingRunStartedResponseSchema> = {
          runId: started.runId,
          status: "RUNNING",
          startedAt: started.startedAt,
        };
        return jsonResponse(202, response, NO_STORE);
      }
      case "GET /v1/admin/training-runs": {
        const { limit } = parseInput(TrainingRunsQuerySchema, event.queryStringParameters ?? {}, "query");
        const runs = await deps.trainingRuns.listRecent(limit);
        const response: z.input<typeof TrainingRunListResponseSchema> = {
          runs: runs.map((run) => ({
            runId: run.runId,
            status: run.status,
            startedAt: run.startedAt,
            ...(run.stoppedAt === undefined ? {} : { stoppedAt: run.stoppedAt }),
          })),
        };
        return jsonResponse(200, response, NO_STORE);
      }
      case "GET /v1/admin/training-runs/{runId}": {
        const { runId } = parseInput(TrainingRunPathSchema, event.pathParameters ?? {}, "path");
        return jsonResponse(200, trainingRunResponse(await describeTrainingRun(deps, runId)), NO_STORE);
      }
      default:
        // API Gateway routes only the three routes here; a direct invoke with another gets a clear 404.
        throw new NotFoundError(`no route ${event.httpMethod} ${event.resource}`);
    }
  });
}

function trainingRunResponse(report: TrainingRunReport): z.input<typeof TrainingRunResponseSchema> {
  const { run, model, failedStep } = report;
  return {
    runId: run.runId,
    status: run.status,
    startedAt: run.startedAt,
    ...(run.stoppedAt === undefined ? {} : { stoppedAt: run.stoppedAt }),
    ...(run.input === undefined
      ? {}
      : {
          input: {
            trainer: run.input.trainer,
            qualityGate: { maxNdcgDrop: run.input.qualityGate.maxNdcgDrop },
          },
        }),
    steps: run.steps.map(stepResponse),
    ...(failedStep === undefined ? {} : { failedStep }),
    ...(run.error === undefined ? {} : { error: run.error }),
    ...(run.cause === undefined ? {} : { cause: run.cause }),
    ...(model === undefined ? {} : { model: modelVersionResponse(model) }),
  };
}

function stepResponse(step: TrainingRunStep): z.input<typeof TrainingRunStepSchema> {
  return {
    name: step.name,
    type: step.type,
    status: step.status,
    enteredAt: step.enteredAt,
    ...(step.exitedAt === undefined ? {} : { exitedAt: step.exitedAt }),
    attempts: step.attempts,
    ...(step.error === undefined ? {} : { error: step.error }),
    ...(step.cause === undefined ? {} : { cause: step.cause }),
    ...(step.iterations === undefined ? {} : { iterations: { ...step.iterations } }),
  };
}
