import { createDynamoDbDocumentClient } from "../../layers/adapters/aws/aws-clients.ts";
import { DynamoDbItemCatalog } from "../../layers/adapters/aws/dynamodb/dynamodb-item-catalog.ts";
import { readDynamoDbTableNames } from "../../layers/adapters/aws/dynamodb/dynamodb-table-names.ts";
import type { SimilarItemsDependencies } from "../../layers/domain/serving/similar-items.ts";
import { systemClock } from "../../layers/ports/clock.ts";
import { activeModelFromEnvironment } from "./active-model-from-environment.ts";
import { logDegradedStep } from "./log-degraded-step.ts";
import { servingConfigFromEnvironment } from "./serving-config-from-environment.ts";
import { trendingFromEnvironment } from "./trending-from-environment.ts";

/**
 * The similar-items Lambda's adapters from the environment, built once at module load: the active model
 * (its item factors are the neighbours), the catalog (filters, and the categories of an item the model does
 * not know) and the trending counters (that item's fallback). No cache, k-NN index or stream: neighbours
 * are computed from the model in memory, and similar-item lists are not logged as impressions.
 */
export function similarItemsDependenciesFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): SimilarItemsDependencies {
  const tables = readDynamoDbTableNames(["catalog", "modelRegistry"], env);
  const client = createDynamoDbDocumentClient();
  const clock = systemClock;
  return {
    model: activeModelFromEnvironment(client, tables.modelRegistry, clock, env),
    catalog: new DynamoDbItemCatalog({ client, tableName: tables.catalog }),
    trending: trendingFromEnvironment(clock, env),
    clock,
    config: servingConfigFromEnvironment(env),
    onDegraded: logDegradedStep,
  };
}
