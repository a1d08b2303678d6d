import { createDynamoDbDocumentClient, readAwsClientConfig } from "../../layers/adapters/aws/aws-clients.ts";
import { DynamoDbItemCatalog } from "../../layers/adapters/aws/dynamodb/dynamodb-item-catalog.ts";
import { readDynamoDbTableNames } from "../../layers/adapters/aws/dynamodb/dynamodb-table-names.ts";
import {
  createOpenSearchClient,
  readOpenSearchConfig,
} from "../../layers/adapters/aws/opensearch/opensearch-client.ts";
import { OpenSearchVectorIndex } from "../../layers/adapters/aws/opensearch/opensearch-vector-index.ts";
import type { CatalogWriteDependencies } from "../../layers/domain/catalog/catalog-write-dependencies.ts";
import { systemClock } from "../../layers/ports/clock.ts";

/**
 * The catalog handler's adapters: the catalog table (FLYWHEEL_CATALOG_TABLE) and the OpenSearch item
 * vectors (FLYWHEEL_OPENSEARCH_ENDPOINT and the variables readOpenSearchConfig reads). Every variable is
 * checked here, at start; no client connects until a request needs it.
 */
export function catalogDependenciesFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): CatalogWriteDependencies {
  const tables = readDynamoDbTableNames(["catalog"], env);
  const openSearch = readOpenSearchConfig(env);
  return {
    catalog: new DynamoDbItemCatalog({
      client: createDynamoDbDocumentClient(readAwsClientConfig(env)),
      tableName: tables.catalog,
    }),
    vectors: new OpenSearchVectorIndex({
      client: createOpenSearchClient(openSearch),
      writeTimeoutMs: openSearch.writeTimeoutMs,
    }),
    clock: systemClock,
  };
}
