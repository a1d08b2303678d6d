import { DeleteCommand, type DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { CorruptDataError } from "../../../domain/errors/domain-errors.ts";
import type { BatchRecommendations, BatchRecStore } from "../../../ports/batch-rec-store.ts";
import { type Clock, systemClock } from "../../../ports/clock.ts";
import { requireFiniteNumber, requireNonEmptyText } from "../../embedded/argument-checks.ts";
import { float32History } from "../../embedded/batch-history-checks.ts";
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./backoff.ts";
import { readInBatches, writeInBatches } from "./batch-operations.ts";
import { callDynamoDb } from "./dynamodb-errors.ts";
import { requireWithinItemLimit } from "./dynamodb-item-size.ts";
import {
  float32FromLittleEndian,
  float64FromLittleEndian,
  toLittleEndianBytes,
} from "./little-endian-arrays.ts";
import {
  type StoredItem,
  storedBinary,
  storedNumber,
  storedString,
  storedStringList,
} from "./stored-item-fields.ts";
import { EXPIRES_AT_SECONDS_ATTRIBUTE } from "./table-definitions.ts";

export interface DynamoDbBatchRecStoreOptions {
  readonly client: DynamoDBDocumentClient;
  /** The batch recommendations table (TABLE_DEFINITIONS.batchRecommendations). */
  readonly tableName: string;
  readonly clock?: Clock;
  /** Retries of items BatchWriteItem and keys BatchGetItem leave unprocessed. */
  readonly retry?: RetryPolicy;
  /** BatchWriteItem or BatchGetItem calls in flight at once. @default 4 */
  readonly concurrency?: number;
}

/**
 * Nightly lists, one item per user keyed by userId. Item ids are a list and the scores one binary attribute of
 * little-endian float64, which is exact and about a third of the size of a list of maps. The nightly publish
 * writes millions of these, and DynamoDB bills writes by the kilobyte. The history is laid out the same way:
 * `historyItemIds`, a list, and `historyWeights`, little-endian float32 (the precision training uses); both
 * are absent when the entry has no history. An entry over the 400 KB item limit is refused with
 * PayloadTooLargeError before anything is written. Each item carries the TTL attribute
 * (expiresAt in seconds, rounded up). TTL deletion can lag by days, so `get` and `getMany` also compare
 * expiresAt with the clock. Reads are strongly consistent: a list just published is served at once.
 */
export class DynamoDbBatchRecStore implements BatchRecStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly clock: Clock;
  private readonly retry: RetryPolicy;
  private readonly concurrency: number;

  constructor(options: DynamoDbBatchRecStoreOptions) {
    this.client = options.client;
    this.tableName = requireNonEmptyText(options.tableName, "tableName");
    this.clock = options.clock ?? systemClock;
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.concurrency = options.concurrency ?? 4;
  }

  async putMany(entries: readonly BatchRecommendations[]): Promise<void> {
    // Every entry is checked before any is written. A Map keeps the later list of a user named twice, and
    // BatchWriteItem refuses a key twice in one request anyway.
    const items = new Map<string, Record<string, unknown>>();
    entries.forEach((entry, index) => {
      const userId = requireNonEmptyText(entry.userId, `entries[${index}].userId`);
      const expiresAt = requireFiniteNumber(entry.expiresAt, `entries[${index}].expiresAt`);
      const item: Record<string, unknown> = {
        userId,
        modelVersion: entry.modelVersion,
        itemIds: entry.items.map(({ itemId }) => itemId),
        scores: toLittleEndianBytes(Float64Array.from(entry.items, ({ score }) => score)),
        generatedAt: entry.generatedAt,
        expiresAt,
        [EXPIRES_AT_SECONDS_ATTRIBUTE]: Math.ceil(expiresAt / 1000),
      };
      if (entry.history !== undefined) {
        const history = float32History(entry.history, `entries[${index}].history`);
        item.historyItemIds = history.map(({ itemId }) => itemId);
        item.historyWeights = toLittleEndianBytes(Float32Array.from(history, ({ weight }) => weight));
      }
      requireWithinItemLimit("batch recommendations", userId, item);
      items.delete(userId);
      items.set(userId, item);
    });
    await writeInBatches(
      this.client,
      this.tableName,
      [...items.values()].map((Item) => ({ PutRequest: { Item } })),
      "write batch recommendations",
      { retry: this.retry, concurrency: this.concurrency },
    );
  }

  async get(userId: string): Promise<BatchRecommendations | undefined> {
    const output = await callDynamoDb("read batch recommendations", () =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: { userId }, ConsistentRead: true })),
    );
    if (output.Item === undefined) return undefined;
    const entry = entryFromItem(output.Item);
    return entry.expiresAt <= this.clock() ? undefined : entry;
  }

  async getMany(userIds: readonly string[]): Promise<Map<string, BatchRecommendations>> {
    // Distinct keys: BatchGetItem refuses a key named twice. An empty list makes no call at all.
    const keys = [...new Set(userIds)].map((userId) => ({ userId }));
    const found = await readInBatches(this.client, this.tableName, keys, "read batch recommendations", {
      retry: this.retry,
      concurrency: this.concurrency,
    });
    // The clock is read after the reads, as `get` reads it after its one.
    const now = this.clock();
    const entries = new Map<string, BatchRecommendations>();
    for (const item of found) {
      const entry = entryFromItem(item);
      if (entry.expiresAt > now) entries.set(entry.userId, entry);
    }
    return entries;
  }

  async delete(userId: string): Promise<void> {
    await callDynamoDb("delete batch recommendations", () =>
      this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { userId } })),
    );
  }
}

function entryFromItem(item: StoredItem): BatchRecommendations {
  const what = "batch recommendations";
  const history = historyFromItem(item, what);
  const itemIds = storedStringList(item, "itemIds", what);
  const scores = float64FromLittleEndian(storedBinary(item, "scores", what), what);
  if (scores.length !== itemIds.length) {
    throw new CorruptDataError(`${what}: ${itemIds.length} item ids but ${scores.length} scores`);
  }
  return {
    userId: storedString(item, "userId", what),
    modelVersion: storedString(item, "modelVersion", what),
    items: itemIds.map((itemId, index) => ({ itemId, score: scores[index] as number })),
    generatedAt: storedNumber(item, "generatedAt", what),
    expiresAt: storedNumber(item, "expiresAt", what),
    ...(history === undefined ? {} : { history }),
  };
}

function historyFromItem(item: StoredItem, what: string): BatchRecommendations["history"] {
  if (item.historyItemIds === undefined && item.historyWeights === undefined) return undefined;
  const itemIds = storedStringList(item, "historyItemIds", what);
  const weights = float32FromLittleEndian(storedBinary(item, "historyWeights", what), what);
  if (weights.length !== itemIds.length) {
    throw new CorruptDataError(`${what}: ${itemIds.length} history item ids but ${weights.length} weights`);
  }
  return itemIds.map((itemId, index) => ({ itemId, weight: weights[index] as number }));
}
