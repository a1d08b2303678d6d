import { createDynamoDbDocumentClient, readAwsClientConfig } from "../../layers/adapters/aws/aws-clients.ts";
import { DynamoDbBatchRecStore } from "../../layers/adapters/aws/dynamodb/dynamodb-batch-rec-store.ts";
import { DynamoDbInteractionLog } from "../../layers/adapters/aws/dynamodb/dynamodb-interaction-log.ts";
import { DynamoDbProfileStore } from "../../layers/adapters/aws/dynamodb/dynamodb-profile-store.ts";
import { readDynamoDbTableNames } from "../../layers/adapters/aws/dynamodb/dynamodb-table-names.ts";
import { systemClock } from "../../layers/ports/clock.ts";
import type { UsersHandlerDependencies } from "./create-users-handler.ts";
import { recommendationCacheFromEnvironment } from "./recommendation-cache-from-environment.ts";

/**
 * The users handler's adapters: the profiles, interactions and batch recommendations tables
 * (FLYWHEEL_PROFILES_TABLE, FLYWHEEL_INTERACTIONS_TABLE, FLYWHEEL_BATCH_RECOMMENDATIONS_TABLE) and the
 * recommendation cache (FLYWHEEL_REDIS_URL, FLYWHEEL_REDIS_KEY_PREFIX). Every variable is checked here, at
 * start, all missing table names in one message.
 */
export function usersDependenciesFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): UsersHandlerDependencies {
  const tables = readDynamoDbTableNames(["profiles", "interactions", "batchRecommendations"], env);
  const cache = recommendationCacheFromEnvironment(env);
  const client = createDynamoDbDocumentClient(readAwsClientConfig(env));
  const clock = systemClock;
  return {
    profiles: new DynamoDbProfileStore({ client, tableName: tables.profiles }),
    interactions: new DynamoDbInteractionLog({ client, tableName: tables.interactions, clock }),
    batchRecs: new DynamoDbBatchRecStore({ client, tableName: tables.batchRecommendations, clock }),
    cache,
    clock,
  };
}
