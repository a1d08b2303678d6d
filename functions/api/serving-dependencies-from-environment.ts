import { randomUUID } from "node:crypto";
import { createDynamoDbDocumentClient } from "../../layers/adapters/aws/aws-clients.ts";
import { DynamoDbBatchRecStore } from "../../layers/adapters/aws/dynamodb/dynamodb-batch-rec-store.ts";
import { DynamoDbInteractionLog } from "../../layers/adapters/aws/dynamodb/dynamodb-interaction-log.ts";
import { DynamoDbItemCatalog } from "../../layers/adapters/aws/dynamodb/dynamodb-item-catalog.ts";
import { DynamoDbModelRegistry } from "../../layers/adapters/aws/dynamodb/dynamodb-model-registry.ts";
import { DynamoDbProfileStore } from "../../layers/adapters/aws/dynamodb/dynamodb-profile-store.ts";
import { readDynamoDbTableNames } from "../../layers/adapters/aws/dynamodb/dynamodb-table-names.ts";
import {
  createOpenSearchClient,
  readOpenSearchConfig,
} from "../../layers/adapters/aws/opensearch/opensearch-client.ts";
import { OpenSearchVectorIndex } from "../../layers/adapters/aws/opensearch/opensearch-vector-index.ts";
import { sharedRedisConnection } from "../../layers/adapters/aws/redis/redis-connection.ts";
import { RedisTrendingCounters } from "../../layers/adapters/aws/redis/redis-trending-counters.ts";
import { createS3Client } from "../../layers/adapters/aws/s3/s3-client.ts";
import { S3ModelStore } from "../../layers/adapters/aws/s3/s3-model-store.ts";
import { SageMakerRanker } from "../../layers/adapters/aws/sagemaker/sagemaker-ranker.ts";
import { createSageMakerRuntimeClient } from "../../layers/adapters/aws/sagemaker/sagemaker-runtime-client.ts";
import { InvalidInputError } from "../../layers/domain/errors/domain-errors.ts";
import { impressionEventOf } from "../../layers/domain/events/impression-event.ts";
import { type ServingDependencies, servingConfig } from "../../layers/domain/serving/serving-dependencies.ts";
import { TrendingSnapshots } from "../../layers/domain/serving/trending-snapshots.ts";
import { ActiveModelCache } from "../../layers/domain/streaming/active-model.ts";
import { systemClock } from "../../layers/ports/clock.ts";
import type { EventBus } from "../../layers/ports/event-bus.ts";
import type { ServedRecommendation } from "../../layers/ports/recommendation-log.ts";
import { eventBusFromEnvironment } from "../commons/event-bus-from-environment.ts";
import { redisKeyPrefix } from "../commons/redis-key-prefix.ts";
import { logDegradedStep } from "./log-degraded-step.ts";
import { recommendationCacheFromEnvironment } from "./recommendation-cache-from-environment.ts";

/** The SageMaker endpoint that re-ranks candidates; unset = no re-rank. */
export const RANKER_ENDPOINT_VARIABLE = "FLYWHEEL_RANKER_ENDPOINT";
/** Seconds a served list stays in the cache. @default 3600 */
export const CACHE_TTL_VARIABLE = "FLYWHEEL_RECOMMENDATION_CACHE_TTL_SECONDS";
/** Milliseconds the re-rank may take before the k-NN order is served. @default 30 */
export const RERANK_BUDGET_VARIABLE = "FLYWHEEL_RERANK_BUDGET_MS";
/** The k-NN alias the realtime tier queries (several deployments may share one domain). @default "items" */
export const VECTOR_INDEX_ALIAS_VARIABLE = "FLYWHEEL_VECTOR_INDEX_ALIAS";

/**
 * Logs a served list as an impression event on the stream (one PutRecords per response), which the stream
 * handler records for click attribution and CTR. A failure is reported by the cascade, never to the client.
 */
export function impressionPublisher(bus: EventBus): (served: ServedRecommendation) => Promise<void> {
  return async (served) => {
    const event = impressionEventOf(served);
    if (event === undefined) return;
    const { failed } = await bus.publish([event]);
    if (failed.length > 0) throw new Error(`impression refused by the stream: ${failed[0]?.reason}`);
  };
}

/**
 * The serving Lambdas' adapters from the environment the serving stack sets, built once at module load:
 * tables, the artifact bucket (models), Redis (cache and trending), OpenSearch (item vectors), the event bus
 * (impressions) and, when configured, the SageMaker ranker. Every variable is checked now.
 */
export function servingDependenciesFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): ServingDependencies {
  const tables = readDynamoDbTableNames(
    ["profiles", "interactions", "batchRecommendations", "catalog", "modelRegistry"],
    env,
  );
  const bucket = env.FLYWHEEL_ARTIFACT_BUCKET;
  if (bucket === undefined || bucket === "")
    throw new InvalidInputError("FLYWHEEL_ARTIFACT_BUCKET must be set", "FLYWHEEL_ARTIFACT_BUCKET");
  const client = createDynamoDbDocumentClient();
  const clock = systemClock;
  const rankerEndpoint = env[RANKER_ENDPOINT_VARIABLE];
  const cacheTtl = env[CACHE_TTL_VARIABLE];
  const rerankBudget = env[RERANK_BUDGET_VARIABLE];
  const alias = env[VECTOR_INDEX_ALIAS_VARIABLE];
  return {
    cache: recommendationCacheFromEnvironment(env),
    profiles: new DynamoDbProfileStore({ client, tableName: tables.profiles }),
    interactionLog: new DynamoDbInteractionLog({ client, tableName: tables.interactions, clock }),
    batchRecs: new DynamoDbBatchRecStore({ client, tableName: tables.batchRecommendations, clock }),
    catalog: new DynamoDbItemCatalog({ client, tableName: tables.catalog }),
    // Trending lists are shared by every request for a few seconds: one ZUNIONSTORE, not one per request.
    trending: new TrendingSnapshots({
      counters: new RedisTrendingCounters({
        connection: sharedRedisConnection(),
        clock,
        keyPrefix: redisKeyPrefix("trending", env),
      }),
      clock,
    }),
    vectorIndex: new OpenSearchVectorIndex({ client: createOpenSearchClient(readOpenSearchConfig(env)) }),
    ...(rankerEndpoint
      ? {
          ranker: new SageMakerRanker({
            client: createSageMakerRuntimeClient(),
            endpointName: rankerEndpoint,
          }),
        }
      : {}),
    model: new ActiveModelCache({
      registry: new DynamoDbModelRegistry({ client, tableName: tables.modelRegistry }),
      store: new S3ModelStore({ client: createS3Client(), bucket }),
      clock,
    }),
    clock,
    newRecommendationId: randomUUID,
    onServed: impressionPublisher(eventBusFromEnvironment(env)),
    onDegraded: logDegradedStep,
    config: servingConfig({
      ...(cacheTtl ? { cacheTtlSeconds: Number(cacheTtl) } : {}),
      ...(rerankBudget ? { rerankBudgetMs: Number(rerankBudget) } : {}),
      ...(alias ? { vectorIndexAlias: alias } : {}),
    }),
  };
}
