import { setTimeout as sleep } from "node:timers/promises";
import {
  type AttributeDefinition,
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  type KeySchemaElement,
  type Projection,
  type TableDescription,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { DependencyError, InvalidInputError } from "../../../domain/errors/domain-errors.ts";
import { DYNAMODB_DEPENDENCY, toDomainError } from "./dynamodb-errors.ts";
import type { GlobalSecondaryIndexDefinition, KeyAttribute, TableDefinition } from "./table-definitions.ts";

export interface ProvisionOptions {
  /** How long tables may take to become ACTIVE (or to disappear, when deleting). @default 60 s */
  readonly deadlineMs?: number;
}

const DEFAULT_DEADLINE_MS = 60_000;
const DEFAULT_PROVISIONED_UNITS = 5;

/**
 * Creates the tables of `definitions`, each named `namePrefix + logicalName`, the way the CDK stack declares
 * them: keys, GSIs, billing, stream, TTL. This is for emulators and throw-away test tables; deployed tables
 * come from CloudFormation. Idempotent: a table that exists with the same key schema is kept (one with a
 * different schema fails loudly), and TTL is enabled only where it is not yet. Returns once every table is
 * ACTIVE, or fails with a DependencyError at the deadline.
 */
export async function provisionTables<Key extends string>(
  client: DynamoDBClient,
  definitions: Readonly<Record<Key, TableDefinition>>,
  namePrefix: string,
  options: ProvisionOptions = {},
): Promise<Record<Key, string>> {
  const deadline = Date.now() + (options.deadlineMs ?? DEFAULT_DEADLINE_MS);
  const entries = (Object.keys(definitions) as Key[]).map((key) => {
    const definition = definitions[key];
    return { key, definition, tableName: tableNameOf(namePrefix, definition) };
  });
  await Promise.all(
    entries.map(async ({ definition, tableName }) => {
      await createTableIfAbsent(client, tableName, definition);
      await waitUntilActive(client, tableName, deadline);
      if (definition.timeToLiveAttribute !== undefined) {
        await enableTimeToLive(client, tableName, definition.timeToLiveAttribute);
      }
    }),
  );
  const names: Partial<Record<Key, string>> = {};
  for (const { key, tableName } of entries) names[key] = tableName;
  return names as Record<Key, string>;
}

/** Deletes the named tables and waits until they are gone; absent tables are fine. */
export async function deleteTables(
  client: DynamoDBClient,
  tableNames: readonly string[],
  options: ProvisionOptions = {},
): Promise<void> {
  const deadline = Date.now() + (options.deadlineMs ?? DEFAULT_DEADLINE_MS);
  await Promise.all(
    tableNames.map(async (tableName) => {
      try {
        await client.send(new DeleteTableCommand({ TableName: tableName }));
      } catch (error) {
        if (nameOf(error) !== "ResourceNotFoundException")
          throw toDomainError(error, `delete table ${tableName}`);
      }
      await waitFor(deadline, `table ${tableName} to be deleted`, async () => {
        return (await describe(client, tableName)) === undefined;
      });
    }),
  );
}

/** The CreateTable request of one definition: one translation, shared by creation and schema checks. */
export function createTableInput(tableName: string, definition: TableDefinition): CreateTableCommandInput {
  const attributes = new Map<string, AttributeDefinition>();
  const declare = (key: KeyAttribute | undefined): void => {
    if (key !== undefined) attributes.set(key.name, { AttributeName: key.name, AttributeType: key.type });
  };
  declare(definition.partitionKey);
  declare(definition.sortKey);
  for (const index of definition.globalSecondaryIndexes) {
    declare(index.partitionKey);
    declare(index.sortKey);
  }
  const provisioned = definition.billingMode === "provisioned";
  const throughput = {
    ReadCapacityUnits: definition.provisionedCapacity?.readUnits ?? DEFAULT_PROVISIONED_UNITS,
    WriteCapacityUnits: definition.provisionedCapacity?.writeUnits ?? DEFAULT_PROVISIONED_UNITS,
  };
  return {
    TableName: tableName,
    AttributeDefinitions: [...attributes.values()],
    KeySchema: keySchema(definition.partitionKey, definition.sortKey),
    BillingMode: provisioned ? "PROVISIONED" : "PAY_PER_REQUEST",
    ...(provisioned ? { ProvisionedThroughput: throughput } : {}),
    ...(definition.globalSecondaryIndexes.length === 0
      ? {}
      : {
          GlobalSecondaryIndexes: definition.globalSecondaryIndexes.map((index) => ({
            IndexName: index.indexName,
            KeySchema: keySchema(index.partitionKey, index.sortKey),
            Projection: projectionOf(index),
            ...(provisioned ? { ProvisionedThroughput: throughput } : {}),
          })),
        }),
    ...(definition.stream === undefined
      ? {}
      : { StreamSpecification: { StreamEnabled: true, StreamViewType: streamViewType(definition.stream) } }),
  };
}

async function createTableIfAbsent(
  client: DynamoDBClient,
  tableName: string,
  definition: TableDefinition,
): Promise<void> {
  const input = createTableInput(tableName, definition);
  try {
    await client.send(new CreateTableCommand(input));
    return;
  } catch (error) {
    if (nameOf(error) !== "ResourceInUseException") throw toDomainError(error, `create table ${tableName}`);
  }
  const existing = await describe(client, tableName);
  const expected = JSON.stringify(input.KeySchema);
  const actual = JSON.stringify(existing?.KeySchema ?? []);
  if (actual !== expected) {
    throw new InvalidInputError(
      `table ${tableName} exists with key schema ${actual}, but its definition declares ${expected}`,
      "namePrefix",
    );
  }
}

async function waitUntilActive(client: DynamoDBClient, tableName: string, deadline: number): Promise<void> {
  await waitFor(deadline, `table ${tableName} to become ACTIVE`, async () => {
    const table = await describe(client, tableName);
    return (
      table?.TableStatus === "ACTIVE" &&
      (table.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === "ACTIVE")
    );
  });
}

async function enableTimeToLive(
  client: DynamoDBClient,
  tableName: string,
  attributeName: string,
): Promise<void> {
  const what = `enable TTL on ${tableName}`;
  try {
    const current = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    const status = current.TimeToLiveDescription?.TimeToLiveStatus;
    if (
      (status === "ENABLED" || status === "ENABLING") &&
      current.TimeToLiveDescription?.AttributeName === attributeName
    ) {
      return;
    }
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { Enabled: true, AttributeName: attributeName },
      }),
    );
  } catch (error) {
    // Another provisioning run enabled it between our two calls.
    if (nameOf(error) === "ValidationException" && /already enabled/i.test(messageOf(error))) return;
    throw toDomainError(error, what);
  }
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (nameOf(error) === "ResourceNotFoundException") return undefined;
    throw toDomainError(error, `describe table ${tableName}`);
  }
}

/** Polls `condition` with a growing interval until it holds, or fails at the deadline. */
async function waitFor(deadline: number, what: string, condition: () => Promise<boolean>): Promise<void> {
  for (let interval = 50; ; interval = Math.min(interval * 2, 1000)) {
    if (await condition()) return;
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw new DependencyError(DYNAMODB_DEPENDENCY, `gave up waiting for ${what}`, { retryable: true });
    }
    await sleep(Math.min(interval, remaining));
  }
}

function tableNameOf(namePrefix: string, definition: TableDefinition): string {
  const tableName = `${namePrefix}${definition.logicalName}`;
  if (!/^[A-Za-z0-9_.-]{3,255}$/.test(tableName)) {
    throw new InvalidInputError(
      `table name ${JSON.stringify(tableName)} is not valid: use 3-255 letters, digits, _ . -`,
      "namePrefix",
    );
  }
  return tableName;
}

function keySchema(partitionKey: KeyAttribute, sortKey: KeyAttribute | undefined): KeySchemaElement[] {
  return [
    { AttributeName: partitionKey.name, KeyType: "HASH" },
    ...(sortKey === undefined ? [] : [{ AttributeName: sortKey.name, KeyType: "RANGE" as const }]),
  ];
}

function projectionOf(index: GlobalSecondaryIndexDefinition): Projection {
  const projection = index.projection ?? "keys-only";
  if (projection === "keys-only") return { ProjectionType: "KEYS_ONLY" };
  if (projection === "all") return { ProjectionType: "ALL" };
  return { ProjectionType: "INCLUDE", NonKeyAttributes: [...projection.include] };
}

function streamViewType(view: NonNullable<TableDefinition["stream"]>) {
  const types = {
    "keys-only": "KEYS_ONLY",
    "new-image": "NEW_IMAGE",
    "old-image": "OLD_IMAGE",
    "new-and-old-images": "NEW_AND_OLD_IMAGES",
  } as const;
  return types[view];
}

function nameOf(error: unknown): string {
  return error instanceof Error ? error.name : "";
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
