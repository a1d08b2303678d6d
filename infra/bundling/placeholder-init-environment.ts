import { FUNCTION_ENVIRONMENT_VARIABLES } from "../../functions/commons/function-environment.ts";
import { LOG_HASH_SALT_SECRET_VARIABLE } from "../../functions/commons/user-id-log-hashing.ts";
import { TABLE_DEFINITIONS } from "../../layers/adapters/aws/dynamodb/table-definitions.ts";
import {
  ARTIFACT_BUCKET_DEFINITION,
  EVENT_STREAM_DEFINITION,
  STREAM_DEAD_LETTER_QUEUE_DEFINITION,
} from "../config/data-resource-definitions.ts";
import { observabilityEnvironment } from "../constructs/observability-environment.ts";

/** Nothing listens here: handlers build their clients for it at init, and no call is ever made. */
const UNREACHABLE_HOST = "127.0.0.1";
const UNREACHABLE_PORT = 1;

/**
 * An environment in which every Flywheel handler module loads: what the runtime sets (region, credentials,
 * execution environment; no NODE_OPTIONS, as the function construct sets none) and every variable a handler reads
 * at init, with placeholder resource names and endpoints that are never reached. For loading bundles outside
 * AWS (the cold-start bench, the bundling tests); `overrides` selects options such as the MSK event bus.
 */
export function placeholderInitEnvironment(
  functionName: string,
  overrides: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const endpoint = `http://${UNREACHABLE_HOST}:${UNREACHABLE_PORT}`;
  const tables = Object.fromEntries(
    Object.entries(TABLE_DEFINITIONS).map(([key, table]) => [
      table.tableNameEnvironmentVariable,
      `flywheel-placeholder-${key}`,
    ]),
  );
  return {
    AWS_REGION: "us-east-1",
    AWS_DEFAULT_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "placeholder",
    AWS_SECRET_ACCESS_KEY: "placeholder",
    AWS_SESSION_TOKEN: "placeholder",
    AWS_EXECUTION_ENV: "AWS_Lambda_nodejs24.x",
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "1024",
    // An on-demand environment, as a cold start meets it (provisioned ones warm up at init: `overrides`).
    AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    AWS_ENDPOINT_URL: endpoint,
    TZ: ":UTC",
    // What the function construct sets (service, namespace, log level, user ids hashed) and the log-hash
    // key's secret, which init starts reading (from nowhere here: the read fails, and ids are left out).
    ...observabilityEnvironment(functionName),
    [LOG_HASH_SALT_SECRET_VARIABLE]:
      "arn:aws:secretsmanager:us-east-1:000000000000:secret:flywheel-placeholder-log-hash",
    [FUNCTION_ENVIRONMENT_VARIABLES.stageName]: "placeholder",
    [FUNCTION_ENVIRONMENT_VARIABLES.version]: "0.0.0-placeholder",
    ...tables,
    [EVENT_STREAM_DEFINITION.streamNameEnvironmentVariable]: "flywheel-placeholder-events",
    [ARTIFACT_BUCKET_DEFINITION.bucketNameEnvironmentVariable]: "flywheel-placeholder-artifacts",
    [STREAM_DEAD_LETTER_QUEUE_DEFINITION.queueUrlEnvironmentVariable]: `${endpoint}/000000000000/dead-letters`,
    FLYWHEEL_REDIS_URL: `redis://${UNREACHABLE_HOST}:${UNREACHABLE_PORT}`,
    FLYWHEEL_OPENSEARCH_ENDPOINT: endpoint,
    FLYWHEEL_PIPELINE_INTERACTIONS_KEY: "pipeline-inputs/interactions.csv",
    FLYWHEEL_TRAINING_STATE_MACHINE_ARN:
      "arn:aws:states:us-east-1:000000000000:stateMachine:flywheel-placeholder-training",
    // Read by the MSK variants only (FLYWHEEL_EVENT_BUS=msk, the topic custom resource).
    FLYWHEEL_KAFKA_BROKERS: `${UNREACHABLE_HOST}:${UNREACHABLE_PORT}`,
    FLYWHEEL_KAFKA_TOPIC: "flywheel-placeholder-events",
    ...overrides,
  };
}
