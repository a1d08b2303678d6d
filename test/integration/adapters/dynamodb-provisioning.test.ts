import { randomUUID } from "node:crypto";
import { DescribeTableCommand, DescribeTimeToLiveCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDynamoDbClient, DEFAULT_AWS_CLIENT_CONFIG } from "../../../layers/adapters/aws/aws-clients.ts";
import {
  readDynamoDbTableNames,
  tableNamesEnvironment,
} from "../../../layers/adapters/aws/dynamodb/dynamodb-table-names.ts";
import { deleteTables, provisionTables } from "../../../layers/adapters/aws/dynamodb/provision-tables.ts";
import {
  TABLE_DEFINITIONS,
  TABLE_KEYS,
  type TableDefinition,
} from "../../../layers/adapters/aws/dynamodb/table-definitions.ts";
import { InvalidInputError } from "../../../layers/domain/errors/domain-errors.ts";

// Local provisioning must build exactly the tables the definitions declare (the CDK stack reads the same
// definitions; test/infra checks that side), and must be safe to run again.

const client = createDynamoDbClient({
  ...DEFAULT_AWS_CLIENT_CONFIG,
  requestTimeoutMs: 15_000,
  retryBudgetMs: 5_000,
});
const created: string[] = [];

beforeAll(() => {
  if (process.env.AWS_ENDPOINT_URL_DYNAMODB === undefined && process.env.AWS_ENDPOINT_URL === undefined) {
    throw new Error(
      "integration tests need AWS_ENDPOINT_URL_DYNAMODB (or AWS_ENDPOINT_URL): run them through the local cloud",
    );
  }
});

afterAll(async () => {
  try {
    await deleteTables(client, created);
  } finally {
    client.destroy();
  }
}, 120_000);

function uniquePrefix(): string {
  return `flywheel-it-provision-${randomUUID().slice(0, 8)}-`;
}

describe("provisionTables", () => {
  it("creates every table with the declared keys, on-demand billing and TTL, and is safe to run again", async () => {
    const prefix = uniquePrefix();
    const names = await provisionTables(client, TABLE_DEFINITIONS, prefix);
    created.push(...Object.values(names));
    expect(await provisionTables(client, TABLE_DEFINITIONS, prefix)).toEqual(names);
    for (const key of TABLE_KEYS) {
      const definition: TableDefinition = TABLE_DEFINITIONS[key];
      expect(names[key]).toBe(`${prefix}${definition.logicalName}`);
      const table = (await client.send(new DescribeTableCommand({ TableName: names[key] }))).Table;
      expect(table?.TableStatus).toBe("ACTIVE");
      expect(table?.KeySchema).toEqual([
        { AttributeName: definition.partitionKey.name, KeyType: "HASH" },
        ...(definition.sortKey === undefined
          ? []
          : [{ AttributeName: definition.sortKey.name, KeyType: "RANGE" }]),
      ]);
      expect(table?.BillingModeSummary?.BillingMode).toBe("PAY_PER_REQUEST");
      const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: names[key] }));
      if (definition.timeToLiveAttribute === undefined) {
        expect(ttl.TimeToLiveDescription?.TimeToLiveStatus).toBe("DISABLED");
      } else {
        expect(ttl.TimeToLiveDescription).toEqual({
          TimeToLiveStatus: "ENABLED",
          AttributeName: definition.timeToLiveAttribute,
        });
      }
    }
  });

  it("creates global secondary indexes and streams when a definition declares them", async () => {
    const definition: TableDefinition = {
      logicalName: "Indexed",
      purpose: "a table with an index and a stream, to check the translation",
      partitionKey: { name: "pk", type: "S" },
      sortKey: { name: "at", type: "N" },
      globalSecondaryIndexes: [
        {
          indexName: "byOwner",
          partitionKey: { name: "owner", type: "S" },
          sortKey: { name: "at", type: "N" },
          projection: { include: ["title"] },
        },
      ],
      billingMode: "provisioned",
      provisionedCapacity: { readUnits: 2, writeUnits: 3 },
      stream: "new-and-old-images",
      tableNameEnvironmentVariable: "FLYWHEEL_INDEXED_TABLE",
    };
    const names = await provisionTables(client, { indexed: definition }, uniquePrefix());
    created.push(names.indexed);
    const table = (await client.send(new DescribeTableCommand({ TableName: names.indexed }))).Table;
    expect(table?.AttributeDefinitions?.map((attribute) => attribute.AttributeName).sort()).toEqual([
      "at",
      "owner",
      "pk",
    ]);
    expect(table?.ProvisionedThroughput).toMatchObject({ ReadCapacityUnits: 2, WriteCapacityUnits: 3 });
    expect(table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" });
    expect(table?.GlobalSecondaryIndexes).toHaveLength(1);
    expect(table?.GlobalSecondaryIndexes?.[0]).toMatchObject({
      IndexName: "byOwner",
      IndexStatus: "ACTIVE",
      KeySchema: [
        { AttributeName: "owner", KeyType: "HASH" },
        { AttributeName: "at", KeyType: "RANGE" },
      ],
      Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: ["title"] },
    });
  });

  it("refuses a table that exists under the name with another key schema", async () => {
    const prefix = uniquePrefix();
    const names = await provisionTables(client, { profiles: TABLE_DEFINITIONS.profiles }, prefix);
    created.push(names.profiles);
    const clash: TableDefinition = { ...TABLE_DEFINITIONS.profiles, partitionKey: { name: "id", type: "S" } };
    await expect(provisionTables(client, { profiles: clash }, prefix)).rejects.toBeInstanceOf(
      InvalidInputError,
    );
  });

  it("refuses a prefix that makes an invalid table name before calling DynamoDB", async () => {
    await expect(provisionTables(client, TABLE_DEFINITIONS, "no spaces/")).rejects.toBeInstanceOf(
      InvalidInputError,
    );
  });

  it("deletes tables and treats absent ones as deleted", async () => {
    const names = await provisionTables(client, { catalog: TABLE_DEFINITIONS.catalog }, uniquePrefix());
    await deleteTables(client, [names.catalog, `${names.catalog}-never-created`]);
    await expect(client.send(new DescribeTableCommand({ TableName: names.catalog }))).rejects.toMatchObject({
      name: "ResourceNotFoundException",
    });
  });
});

describe("table names from the environment", () => {
  it("reads the names a function needs and round-trips them through its environment", () => {
    const names = { profiles: "stack-Profiles-ABC", catalog: "stack-Catalog-DEF" };
    const env = tableNamesEnvironment(names);
    expect(env).toEqual({
      FLYWHEEL_PROFILES_TABLE: "stack-Profiles-ABC",
      FLYWHEEL_CATALOG_TABLE: "stack-Catalog-DEF",
    });
    expect(readDynamoDbTableNames(["profiles", "catalog"], env)).toEqual(names);
  });

  it("fails at once, naming every missing variable", () => {
    expect(() =>
      readDynamoDbTableNames(["profiles", "interactions", "catalog"], { FLYWHEEL_CATALOG_TABLE: "x" }),
    ).toThrow(/FLYWHEEL_PROFILES_TABLE, FLYWHEEL_INTERACTIONS_TABLE/);
  });
});
