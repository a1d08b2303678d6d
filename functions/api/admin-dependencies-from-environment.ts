import { createDynamoDbDocumentClient, readAwsClientConfig } from "../../layers/adapters/aws/aws-clients.ts";
import { DynamoDbModelRegistry } from "../../layers/adapters/aws/dynamodb/dynamodb-model-registry.ts";
import { readDynamoDbTableNames } from "../../layers/adapters/aws/dynamodb/dynamodb-table-names.ts";
import { createStepFunctionsClient } from "../../layers/adapters/aws/stepfunctions/step-functions-client.ts";
import { StepFunctionsTrainingRuns } from "../../layers/adapters/aws/stepfunctions/step-functions-training-runs.ts";
import { InvalidInputError } from "../../layers/domain/errors/domain-errors.ts";
import { MaxNdcgDropSchema } from "../../layers/domain/training-runs/training-run-request-schema.ts";
import { systemClock } from "../../layers/ports/clock.ts";
import { TRAINERS, type Trainer, type TrainingRunParameters } from "../../layers/ports/training-runs.ts";
import type { AdminModelsHandlerDependencies } from "./create-admin-models-handler.ts";
import type { AdminTrainingRunsHandlerDependencies } from "./create-admin-training-runs-handler.ts";

/** The nightly pipeline's state machine ARN (set by the training stack's grant). */
export const TRAINING_STATE_MACHINE_ARN_VARIABLE = "FLYWHEEL_TRAINING_STATE_MACHINE_ARN";
/** The trainer of a run started without one: `embedded` (default) or `spark`. */
export const DEFAULT_TRAINER_VARIABLE = "FLYWHEEL_DEFAULT_TRAINER";
/** The quality gate of a run started without one, 0–1. @default 0.05 */
export const DEFAULT_MAX_NDCG_DROP_VARIABLE = "FLYWHEEL_DEFAULT_MAX_NDCG_DROP";

export const DEFAULT_TRAINING_RUN_PARAMETERS: TrainingRunParameters = Object.freeze({
  trainer: "embedded",
  qualityGate: Object.freeze({ maxNdcgDrop: 0.05 }),
});

/**
 * The training-runs handler's adapters: the state machine (FLYWHEEL_TRAINING_STATE_MACHINE_ARN; the
 * endpoint from AWS_ENDPOINT_URL_SFN, like every SDK client), the model registry table
 * (FLYWHEEL_MODEL_REGISTRY_TABLE's variable, via readDynamoDbTableNames) and the defaults of a start.
 * Every variable is checked here, at start.
 */
export function adminTrainingRunsDependenciesFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): AdminTrainingRunsHandlerDependencies {
  const stateMachineArn = env[TRAINING_STATE_MACHINE_ARN_VARIABLE];
  if (stateMachineArn === undefined || stateMachineArn.trim() === "")
    throw new InvalidInputError(
      `${TRAINING_STATE_MACHINE_ARN_VARIABLE} must name the nightly training state machine`,
      TRAINING_STATE_MACHINE_ARN_VARIABLE,
    );
  const defaults = readTrainingRunDefaults(env);
  return {
    trainingRuns: new StepFunctionsTrainingRuns({ client: createStepFunctionsClient(), stateMachineArn }),
    registry: modelRegistryFromEnvironment(env),
    clock: systemClock,
    defaults,
  };
}

/** The models handler's adapter: the model registry table. */
export function adminModelsDependenciesFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): AdminModelsHandlerDependencies {
  return { registry: modelRegistryFromEnvironment(env) };
}

/** FLYWHEEL_DEFAULT_TRAINER and FLYWHEEL_DEFAULT_MAX_NDCG_DROP, each optional, each refused when malformed. */
export function readTrainingRunDefaults(env: NodeJS.ProcessEnv = process.env): TrainingRunParameters {
  const trainerText = env[DEFAULT_TRAINER_VARIABLE];
  let trainer: Trainer = DEFAULT_TRAINING_RUN_PARAMETERS.trainer;
  if (trainerText !== undefined && trainerText !== "") {
    const known = TRAINERS.find((name) => name === trainerText);
    if (known === undefined)
      throw new InvalidInputError(
        `${DEFAULT_TRAINER_VARIABLE} must be ${TRAINERS.join(" or ")}, got ${JSON.stringify(trainerText)}`,
        DEFAULT_TRAINER_VARIABLE,
      );
    trainer = known;
  }
  const dropText = env[DEFAULT_MAX_NDCG_DROP_VARIABLE];
  let maxNdcgDrop = DEFAULT_TRAINING_RUN_PARAMETERS.qualityGate.maxNdcgDrop;
  if (dropText !== undefined && dropText !== "") {
    const parsed = MaxNdcgDropSchema.safeParse(Number(dropText));
    if (!parsed.success || dropText.trim() === "")
      throw new InvalidInputError(
        `${DEFAULT_MAX_NDCG_DROP_VARIABLE} must be a number from 0 to 1, got ${JSON.stringify(dropText)}`,
        DEFAULT_MAX_NDCG_DROP_VARIABLE,
      );
    maxNdcgDrop = parsed.data;
  }
  return { trainer, qualityGate: { maxNdcgDrop } };
}

function modelRegistryFromEnvironment(env: NodeJS.ProcessEnv): DynamoDbModelRegistry {
  const tables = readDynamoDbTableNames(["modelRegistry"], env);
  return new DynamoDbModelRegistry({
    client: createDynamoDbDocumentClient(readAwsClientConfig(env)),
    tableName: tables.modelRegistry,
  });
}
