import { SQSClient } from "@aws-sdk/client-sqs";
import { createDynamoDbDocumentClient } from "../../layers/adapters/aws/aws-clients.ts";
import { DynamoDbBatchRecStore } from "../../layers/adapters/aws/dynamodb/dynamodb-batch-rec-store.ts";
import { DynamoDbInteractionLog } from "../../layers/adapters/aws/dynamodb/dynamodb-interaction-log.ts";
import { DynamoDbItemCatalog } from "../../layers/adapters/aws/dynamodb/dynamodb-item-catalog.ts";
import { DynamoDbModelRegistry } from "../../layers/adapters/aws/dynamodb/dynamodb-model-registry.ts";
import { DynamoDbProfileStore } from "../../layers/adapters/aws/dynamodb/dynamodb-profile-store.ts";
import { DynamoDbRecommendationLog } from "../../layers/adapters/aws/dynamodb/dynamodb-recommendation-log.ts";
import { readDynamoDbTableNames } from "../../layers/adapters/aws/dynamodb/dynamodb-table-names.ts";
import { RedisCache } from "../../layers/adapters/aws/redis/redis-cache.ts";
import { sharedRedisConnection } from "../../layers/adapters/aws/redis/redis-connection.ts";
import { RedisTrendingCounters } from "../../layers/adapters/aws/redis/redis-trending-counters.ts";
import { createS3Client } from "../../layers/adapters/aws/s3/s3-client.ts";
import { S3ModelStore } from "../../layers/adapters/aws/s3/s3-model-store.ts";
import { SqsDeadLetterQueue } from "../../layers/adapters/aws/sqs/sqs-dead-letter-queue.ts";
import { InvalidInputError } from "../../layers/domain/errors/domain-errors.ts";
import { ActiveModelCache } from "../../layers/domain/streaming/active-model.ts";
import { ItemCategories } from "../../layers/domain/streaming/item-categories.ts";
import type { StreamingDependencies } from "../../layers/domain/streaming/process-stream-batch.ts";
import { systemClock } from "../../layers/ports/clock.ts";
import type { DeadLetterQueue } from "../../layers/ports/dead-letter-queue.ts";
import { redisKeyPrefix } from "../commons/redis-key-prefix.ts";
import { logStepError } from "./stream-log.ts";

const ARTIFACT_BUCKET_VARIABLE = "FLYWHEEL_ARTIFACT_BUCKET";
const DEAD_LETTER_QUEUE_VARIABLE = "FLYWHEEL_STREAM_DEAD_LETTER_QUEUE_URL";

/**
 * The stream Lambda's adapters, from the environment the ingest stack sets (table names, bucket, queue,
 * FLYWHEEL_REDIS_URL) or the local runtime sets the same way. Every variable is checked here, at start.
 */
export function streamingDependenciesFromEnvironment(env: NodeJS.ProcessEnv = process.env): {
  deps: StreamingDependencies;
  deadLetters: DeadLetterQueue;
} {
  const tables = readDynamoDbTableNames(
    ["interactions", "profiles", "recommendationLog", "catalog", "batchRecommendations", "modelRegistry"],
    env,
  );
  const bucket = required(env, ARTIFACT_BUCKET_VARIABLE);
  const queueUrl = required(env, DEAD_LETTER_QUEUE_VARIABLE);
  const client = createDynamoDbDocumentClient();
  const redis = sharedRedisConnection();
  const clock = systemClock;
  return {
    deps: {
      interactionLog: new DynamoDbInteractionLog({ client, tableName: tables.interactions, clock }),
      profiles: new DynamoDbProfileStore({ client, tableName: tables.profiles }),
      recommendationLog: new DynamoDbRecommendationLog({
        client,
        tableName: tables.recommendationLog,
        clock,
      }),
      batchRecs: new DynamoDbBatchRecStore({ client, tableName: tables.batchRecommendations, clock }),
      categories: new ItemCategories({
        catalog: new DynamoDbItemCatalog({ client, tableName: tables.catalog }),
        clock,
      }),
      trending: new RedisTrendingCounters({
        connection: redis,
        clock,
        keyPrefix: redisKeyPrefix("trending", env),
      }),
      cache: new RedisCache({ connection: redis, keyPrefix: redisKeyPrefix("rec", env) }),
      model: new ActiveModelCache({
        registry: new DynamoDbModelRegistry({ client, tableName: tables.modelRegistry }),
        store: new S3ModelStore({ client: createS3Client(), bucket }),
        clock,
      }),
      clock,
      onError: logStepError,
    },
    deadLetters: new SqsDeadLetterQueue({ client: new SQSClient({}), queueUrl }),
  };
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === "") throw new InvalidInputError(`${name} must be set`, name);
  return value;
}
