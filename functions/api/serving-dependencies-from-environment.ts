import { randomUUID } from "node:crypto";
import { createDynamoDbDocumentClient } from "../../layers/adapters/aws/aws-clients.ts";
import { DynamoDbBatchRecStore } from "../../layers/adapters/aws/dynamodb/dynamodb-batch-rec-store.ts";
import { DynamoDbInteractionLog } from "../../layers/adapters/aws/dynamodb/dynamodb-interaction-log.ts";
import { DynamoDbItemCatalog } from "../../layers/adapters/aws/dynamodb/dynamodb-item-catalog.ts";
import { DynamoDbProfileStore } from "../../layers/adapters/aws/dynamodb/dynamodb-profile-store.ts";
import { readDynamoDbTableNames } from "../../layers/adapters/aws/dynamodb/dynamodb-table-names.ts";
import {
  type OpenSearchConfig,
  readOpenSearchConfig,
} from "../../layers/adapters/aws/opensearch/opensearch-config.ts";
import { impressionEventOf } from "../../layers/domain/events/impression-event.ts";
import type { ServingDependencies } from "../../layers/domain/serving/serving-dependencies.ts";
import { systemClock } from "../../layers/ports/clock.ts";
import type { EventBus } from "../../layers/ports/event-bus.ts";
import type { Ranker } from "../../layers/ports/ranker.ts";
import type { ServedRecommendation } from "../../layers/ports/recommendation-log.ts";
import type { VectorIndex } from "../../layers/ports/vector-index.ts";
import { eventBusFromEnvironment } from "../commons/event-bus-from-environment.ts";
import { loadOnFirstUse } from "../commons/load-on-first-use.ts";
import { logDegradedStep } from "./log-degraded-step.ts";
import { recommendationCacheFromEnvironment } from "./recommendation-cache-from-environment.ts";

export {
  CACHE_TTL_VARIABLE,
  RERANK_BUDGET_VARIABLE,
  VECTOR_INDEX_ALIAS_VARIABLE,
} from "./serving-config-from-environment.ts";

import { activeModelFromEnvironment } from "./active-model-from-environment.ts";
import { servingConfigFromEnvironment } from "./serving-config-from-environment.ts";
import { trendingFromEnvironment } from "./trending-from-environment.ts";

/** The SageMaker endpoint that re-ranks candidates; unset = no re-rank. */
export const RANKER_ENDPOINT_VARIABLE = "FLYWHEEL_RANKER_ENDPOINT";

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
 * The recommendations Lambda's adapters (the whole cascade) from the environment the serving stack sets,
 * built once at module load: tables, the active model (registry and artifact bucket), Redis (cache and
 * trending), OpenSearch (item vectors), the event bus (impressions) and, when configured, the SageMaker
 * ranker. Every variable is checked now.
 *
 * What every request needs is built now. The OpenSearch client serves the realtime tier only (an L1 miss
 * for a user with a vector of the active model): its library (~290 KB) is loaded on the first such query.
 * The SageMaker client is loaded only when a ranker endpoint is configured, and then at once.
 */
export function servingDependenciesFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): ServingDependencies {
  const tables = readDynamoDbTableNames(
    ["profiles", "interactions", "batchRecommendations", "catalog", "modelRegistry"],
    env,
  );
  const client = createDynamoDbDocumentClient();
  const clock = systemClock;
  const rankerEndpoint = env[RANKER_ENDPOINT_VARIABLE];
  return {
    cache: recommendationCacheFromEnvironment(env),
    profiles: new DynamoDbProfileStore({ client, tableName: tables.profiles }),
    interactionLog: new DynamoDbInteractionLog({ client, tableName: tables.interactions, clock }),
    batchRecs: new DynamoDbBatchRecStore({ client, tableName: tables.batchRecommendations, clock }),
    catalog: new DynamoDbItemCatalog({ client, tableName: tables.catalog }),
    trending: trendingFromEnvironment(clock, env),
    vectorIndex: vectorIndexOnFirstQuery(readOpenSearchConfig(env)),
    ...(rankerEndpoint ? { ranker: sageMakerRanker(rankerEndpoint) } : {}),
    model: activeModelFromEnvironment(client, tables.modelRegistry, clock, env),
    clock,
    newRecommendationId: randomUUID,
    onServed: impressionPublisher(eventBusFromEnvironment(env)),
    onDegraded: logDegradedStep,
    config: servingConfigFromEnvironment(env),
  };
}

/** The k-NN index of the realtime tier, its client library loaded on the first query. */
function vectorIndexOnFirstQuery(config: OpenSearchConfig): Pick<VectorIndex, "query"> {
  const index = loadOnFirstUse(async () => {
    const [{ createOpenSearchClient }, { OpenSearchVectorIndex }] = await Promise.all([
      import("../../layers/adapters/aws/opensearch/opensearch-client.ts"),
      import("../../layers/adapters/aws/opensearch/opensearch-vector-index.ts"),
    ]);
    return new OpenSearchVectorIndex({ client: createOpenSearchClient(config) });
  });
  return { query: async (alias, query) => (await index()).query(alias, query) };
}

/**
 * The re-rank endpoint's client. Loading starts now, during the cold start, so that the first re-rank is
 * not spent loading a client inside its 30 ms budget; a stage without an endpoint never loads it.
 */
function sageMakerRanker(endpointName: string): Ranker {
  const ranker = loadOnFirstUse(async () => {
    const [{ createSageMakerRuntimeClient }, { SageMakerRanker }] = await Promise.all([
      import("../../layers/adapters/aws/sagemaker/sagemaker-runtime-client.ts"),
      import("../../layers/adapters/aws/sagemaker/sagemaker-ranker.ts"),
    ]);
    return new SageMakerRanker({ client: createSageMakerRuntimeClient(), endpointName });
  });
  // A failure here shows on the first re-rank (as a skipped re-rank), and the next one tries again.
  ranker().catch(() => undefined);
  return {
    score: async (userId, candidates, timeoutMs) => (await ranker()).score(userId, candidates, timeoutMs),
  };
}
