import { randomUUID } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import {
  createDynamoDbClient,
  DEFAULT_AWS_CLIENT_CONFIG,
  toDocumentClient,
} from "../../../layers/adapters/aws/aws-clients.ts";
import { DynamoDbBatchRecStore } from "../../../layers/adapters/aws/dynamodb/dynamodb-batch-rec-store.ts";
import { DynamoDbInteractionLog } from "../../../layers/adapters/aws/dynamodb/dynamodb-interaction-log.ts";
import { DynamoDbItemCatalog } from "../../../layers/adapters/aws/dynamodb/dynamodb-item-catalog.ts";
import { DynamoDbModelRegistry } from "../../../layers/adapters/aws/dynamodb/dynamodb-model-registry.ts";
import { DynamoDbProfileStore } from "../../../layers/adapters/aws/dynamodb/dynamodb-profile-store.ts";
import { DynamoDbRecommendationLog } from "../../../layers/adapters/aws/dynamodb/dynamodb-recommendation-log.ts";
import type { DynamoDbTableNames } from "../../../layers/adapters/aws/dynamodb/dynamodb-table-names.ts";
import { deleteTables, provisionTables } from "../../../layers/adapters/aws/dynamodb/provision-tables.ts";
import { TABLE_DEFINITIONS, type TableKey } from "../../../layers/adapters/aws/dynamodb/table-definitions.ts";
import { describeBatchRecStoreContract } from "../../contract/batch-rec-store-contract.ts";
import { describeInteractionLogContract } from "../../contract/interaction-log-contract.ts";
import { describeItemCatalogContract } from "../../contract/item-catalog-contract.ts";
import { createManualClock } from "../../contract/manual-clock.ts";
import { describeModelRegistryContract } from "../../contract/model-registry-contract.ts";
import { describeProfileStoreContract } from "../../contract/profile-store-contract.ts";
import { describeRecommendationLogContract } from "../../contract/recommendation-log-contract.ts";

// Every DynamoDB adapter against its port's contract suite, on whatever DynamoDB the environment names
// (AWS_ENDPOINT_URL_DYNAMODB: DynamoDB Local from the harness, or LocalStack). The file provisions its own
// tables under a unique prefix from the same definitions the CDK stack uses, and deletes them afterwards.
//
// Manual clocks start at the wall clock, not at the suites' fixed 2025 default: DynamoDB (Local too) deletes
// items whose TTL attribute is in the past within seconds, and would take test data away mid-test.

// Patient timeouts: these suites check what the adapters store and answer, and an emulator's JVM warming up
// on a busy CI machine can take seconds over a 100-item transaction. The production timeouts are exercised
// by dynamodb-faults.test.ts.
const client = createDynamoDbClient({
  ...DEFAULT_AWS_CLIENT_CONFIG,
  requestTimeoutMs: 15_000,
  retryBudgetMs: 5_000,
});
const documentClient = toDocumentClient(client);
let tableNames: DynamoDbTableNames | undefined;

beforeAll(async () => {
  if (process.env.AWS_ENDPOINT_URL_DYNAMODB === undefined && process.env.AWS_ENDPOINT_URL === undefined) {
    throw new Error(
      "integration tests need AWS_ENDPOINT_URL_DYNAMODB (or AWS_ENDPOINT_URL): run them through the local cloud",
    );
  }
  tableNames = await provisionTables(client, TABLE_DEFINITIONS, `flywheel-it-${randomUUID().slice(0, 8)}-`);
}, 120_000);

afterAll(async () => {
  try {
    if (tableNames !== undefined) await deleteTables(client, Object.values(tableNames));
  } finally {
    client.destroy();
  }
}, 120_000);

function tableName(table: TableKey): string {
  if (tableNames === undefined) throw new Error("tables are not provisioned");
  return tableNames[table];
}

const nothingToRelease = async (): Promise<void> => {};

describeProfileStoreContract("dynamodb", async () => ({
  subject: new DynamoDbProfileStore({ client: documentClient, tableName: tableName("profiles") }),
  cleanup: nothingToRelease,
}));

describeInteractionLogContract("dynamodb", async () => {
  const clock = createManualClock(Date.now());
  return {
    subject: new DynamoDbInteractionLog({
      client: documentClient,
      tableName: tableName("interactions"),
      clock: clock.now,
    }),
    clock,
    cleanup: nothingToRelease,
  };
});

describeBatchRecStoreContract("dynamodb", async () => {
  const clock = createManualClock(Date.now());
  return {
    subject: new DynamoDbBatchRecStore({
      client: documentClient,
      tableName: tableName("batchRecommendations"),
      clock: clock.now,
    }),
    clock,
    cleanup: nothingToRelease,
  };
});

describeItemCatalogContract("dynamodb", async () => ({
  subject: new DynamoDbItemCatalog({ client: documentClient, tableName: tableName("catalog") }),
  cleanup: nothingToRelease,
}));

describeRecommendationLogContract("dynamodb", async () => ({
  subject: new DynamoDbRecommendationLog({
    client: documentClient,
    tableName: tableName("recommendationLog"),
  }),
  cleanup: nothingToRelease,
}));

// The registry's contract needs a registry of its own per test: "exactly one active version" is about the
// whole registry, and the suite's tests each activate their own models.
describeModelRegistryContract("dynamodb", async () => ({
  subject: new DynamoDbModelRegistry({ client: documentClient, tableName: tableName("modelRegistry") }),
  cleanup: nothingToRelease,
}));
