import { createDynamoDbDocumentClient } from "../../layers/adapters/aws/aws-clients.ts";
import { DynamoDbItemCatalog } from "../../layers/adapters/aws/dynamodb/dynamodb-item-catalog.ts";
import { readDynamoDbTableNames } from "../../layers/adapters/aws/dynamodb/dynamodb-table-names.ts";
import type { PopularItemsDependencies } from "../../layers/domain/serving/popular-items.ts";
import { systemClock } from "../../layers/ports/clock.ts";
import { trendingFromEnvironment } from "./trending-from-environment.ts";

/**
 * The popular-items Lambda's adapters from the environment, built once at module load: the trending
 * counters (Redis) and the catalog (hidden, unavailable and category filters). Nothing of the model, the
 * cache or the stream: popular lists are not personalised and not logged as impressions.
 */
export function popularItemsDependenciesFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): PopularItemsDependencies {
  const tables = readDynamoDbTableNames(["catalog"], env);
  const clock = systemClock;
  return {
    trending: trendingFromEnvironment(clock, env),
    catalog: new DynamoDbItemCatalog({ client: createDynamoDbDocumentClient(), tableName: tables.catalog }),
    clock,
  };
}
