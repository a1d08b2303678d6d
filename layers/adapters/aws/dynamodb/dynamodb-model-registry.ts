import { randomUUID } from "node:crypto";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { ConflictError, CorruptDataError, NotFoundError } from "../../../domain/errors/domain-errors.ts";
import type { ModelRecord, ModelRegistry, ModelStatus } from "../../../ports/model-registry.ts";
import { requireNonEmptyText } from "../../embedded/argument-checks.ts";
import { backOff, DEFAULT_RETRY_POLICY, type RetryPolicy } from "./backoff.ts";
import { callDynamoDb, TransactionCanceledError } from "./dynamodb-errors.ts";
import { requireWithinItemLimit } from "./dynamodb-item-size.ts";
import {
  type StoredItem,
  storedNullableNumber,
  storedNumber,
  storedNumberMap,
  storedString,
} from "./stored-item-fields.ts";

export interface DynamoDbModelRegistryOptions {
  readonly client: DynamoDBDocumentClient;
  /** The model registry table (TABLE_DEFINITIONS.modelRegistry). */
  readonly tableName: string;
  /** Retries of an activation that lost to a concurrent one (each retry re-reads the registry). */
  readonly retry?: RetryPolicy;
}

const MODELS_PARTITION = "MODEL";
const POINTER_KEY = { pk: "ACTIVE", sk: "ACTIVE" } as const;
const STATUSES: readonly ModelStatus[] = ["candidate", "active", "archived", "rejected"];

interface ActivePointer {
  readonly version: string;
  readonly revision: number;
}

/**
 * Model versions, all in one partition (`pk = MODEL`, `sk = <version>`). One nightly model a year is a few
 * hundred small items, and a Query of one partition is strongly consistent, which a GSI sorted by time
 * would not be. An "active pointer" item (`pk = ACTIVE`) names the active version and carries a revision.
 * An activation moves the pointer, on condition that its revision is unchanged, and in the same transaction
 * archives the version it pointed at and activates the new one. Concurrent activations are thereby
 * serialised: the losers re-read and try again, and exactly one version is ever active.
 */
export class DynamoDbModelRegistry implements ModelRegistry {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly retry: RetryPolicy;

  constructor(options: DynamoDbModelRegistryOptions) {
    this.client = options.client;
    this.tableName = requireNonEmptyText(options.tableName, "tableName");
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
  }

  async register(record: Omit<ModelRecord, "status" | "activatedAt">): Promise<ModelRecord> {
    const version = requireNonEmptyText(record.version, "version");
    // Field by field, so nothing a caller spreads in (a status, an activation time) is stored.
    const stored: ModelRecord = {
      version,
      status: "candidate",
      factors: record.factors,
      users: record.users,
      items: record.items,
      metrics: { ...record.metrics },
      artifactLocation: record.artifactLocation,
      createdAt: record.createdAt,
      activatedAt: null,
    };
    const item = { ...modelKey(version), ...stored };
    requireWithinItemLimit("model record", version, item);
    await callDynamoDb("register model", () =>
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      ),
    ).catch((error: unknown) => {
      if (!(error instanceof ConflictError)) throw error;
      throw new ConflictError(`model ${JSON.stringify(version)} is already registered`);
    });
    return { ...stored, metrics: { ...stored.metrics } };
  }

  async get(version: string): Promise<ModelRecord | undefined> {
    const output = await callDynamoDb("read model record", () =>
      this.client.send(
        new GetCommand({ TableName: this.tableName, Key: modelKey(version), ConsistentRead: true }),
      ),
    );
    return output.Item === undefined ? undefined : modelFromItem(output.Item);
  }

  async list(): Promise<ModelRecord[]> {
    const records: ModelRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const output = await callDynamoDb("list model records", () =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: "pk = :pk",
            ExpressionAttributeValues: { ":pk": MODELS_PARTITION },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      for (const item of output.Items ?? []) records.push(modelFromItem(item));
      startKey = output.LastEvaluatedKey;
    } while (startKey !== undefined);
    return records.sort(
      (a, b) => b.createdAt - a.createdAt || (a.version < b.version ? 1 : a.version > b.version ? -1 : 0),
    );
  }

  /** Activating the active version again changes nothing, so a retried pipeline step is harmless. */
  async activate(version: string, at: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const target = await this.requireRecord(version);
      if (target.status === "active") return;
      const pointer = await this.readPointer();
      const transactItems: NonNullable<TransactWriteCommand["input"]["TransactItems"]> = [
        {
          Put: {
            TableName: this.tableName,
            Item: { ...POINTER_KEY, version, revision: (pointer?.revision ?? 0) + 1 },
            // The pointer must be as read: another activation in between makes this one start over.
            ...(pointer === undefined
              ? { ConditionExpression: "attribute_not_exists(pk)" }
              : {
                  ConditionExpression: "#revision = :revision",
                  ExpressionAttributeNames: { "#revision": "revision" },
                  ExpressionAttributeValues: { ":revision": pointer.revision },
                }),
          },
        },
        {
          Update: {
            TableName: this.tableName,
            Key: modelKey(version),
            UpdateExpression: "SET #status = :active, #activatedAt = :at",
            ConditionExpression: "attribute_exists(pk)",
            ExpressionAttributeNames: { "#status": "status", "#activatedAt": "activatedAt" },
            ExpressionAttributeValues: { ":active": "active", ":at": at },
          },
        },
      ];
      if (pointer !== undefined && pointer.version !== version) {
        transactItems.push({
          Update: {
            TableName: this.tableName,
            Key: modelKey(pointer.version),
            UpdateExpression: "SET #status = :archived",
            ConditionExpression: "attribute_exists(pk)",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: { ":archived": "archived" },
          },
        });
      }
      try {
        await callDynamoDb("activate model", () =>
          this.client.send(
            new TransactWriteCommand({ TransactItems: transactItems, ClientRequestToken: randomUUID() }),
          ),
        );
        return;
      } catch (error) {
        if (!(error instanceof TransactionCanceledError)) throw error;
        if (attempt >= this.retry.maxAttempts) {
          throw new ConflictError(
            `activating model ${JSON.stringify(version)} kept losing to concurrent activations`,
            {
              cause: error,
            },
          );
        }
        await backOff(attempt, this.retry);
      }
    }
  }

  /** Rejecting the active version is refused: serving would be left without a model. */
  async reject(version: string): Promise<void> {
    await callDynamoDb("reject model", () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: modelKey(version),
          UpdateExpression: "SET #status = :rejected",
          // The status is changed only in the activation transaction, so this condition cannot race it.
          ConditionExpression: "attribute_exists(pk) AND #status <> :active",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":rejected": "rejected", ":active": "active" },
        }),
      ),
    ).catch(async (error: unknown) => {
      if (!(error instanceof ConflictError)) throw error;
      await this.requireRecord(version);
      throw new ConflictError(`model ${JSON.stringify(version)} is active; activate another version first`);
    });
  }

  async active(): Promise<ModelRecord | undefined> {
    for (let attempt = 1; ; attempt++) {
      const pointer = await this.readPointer();
      if (pointer === undefined) return undefined;
      const record = await this.get(pointer.version);
      // An activation between the two reads: read again rather than return a just-archived version.
      if (record?.status === "active" || attempt >= this.retry.maxAttempts) return record;
    }
  }

  private async requireRecord(version: string): Promise<ModelRecord> {
    const record = await this.get(version);
    if (record === undefined) throw new NotFoundError(`model ${JSON.stringify(version)} is not registered`);
    return record;
  }

  private async readPointer(): Promise<ActivePointer | undefined> {
    const output = await callDynamoDb("read active model pointer", () =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: POINTER_KEY, ConsistentRead: true })),
    );
    if (output.Item === undefined) return undefined;
    const what = "active model pointer";
    return {
      version: storedString(output.Item, "version", what),
      revision: storedNumber(output.Item, "revision", what),
    };
  }
}

function modelKey(version: string): { pk: string; sk: string } {
  return { pk: MODELS_PARTITION, sk: version };
}

function modelFromItem(item: StoredItem): ModelRecord {
  const what = "model record";
  const status = storedString(item, "status", what);
  const known = STATUSES.find((candidate) => candidate === status);
  if (known === undefined)
    throw new CorruptDataError(`${what}: stored status ${JSON.stringify(status)} is unknown`);
  return {
    version: storedString(item, "version", what),
    status: known,
    factors: storedNumber(item, "factors", what),
    users: storedNumber(item, "users", what),
    items: storedNumber(item, "items", what),
    metrics: storedNumberMap(item, "metrics", what),
    artifactLocation: storedString(item, "artifactLocation", what),
    createdAt: storedNumber(item, "createdAt", what),
    activatedAt: storedNullableNumber(item, "activatedAt", what),
  };
}
