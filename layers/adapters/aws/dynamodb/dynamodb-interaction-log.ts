import { randomUUID } from "node:crypto";
import {
  type DynamoDBDocumentClient,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import { forEachConcurrently } from "../../../domain/concurrency/for-each-concurrently.ts";
import {
  CorruptDataError,
  DependencyError,
  InvalidInputError,
} from "../../../domain/errors/domain-errors.ts";
import { isEventType } from "../../../domain/interactions/event-types.ts";
import { type Clock, systemClock } from "../../../ports/clock.ts";
import {
  type AppendResult,
  type InteractionLog,
  type InteractionRecord,
  RECENT_INTERACTIONS_RETENTION_MS,
  type RecentInteractionsQuery,
} from "../../../ports/interaction-log.ts";
import { requireFiniteNumber, requireNonEmptyText } from "../../embedded/argument-checks.ts";
import { DEFAULT_RECENT_INTERACTIONS_LIMIT } from "../../embedded/in-memory-interaction-log.ts";
import { backOff, DEFAULT_RETRY_POLICY, type RetryPolicy } from "./backoff.ts";
import { type WriteRequest, writeInBatches } from "./batch-operations.ts";
import { callDynamoDb, DYNAMODB_DEPENDENCY, TransactionCanceledError } from "./dynamodb-errors.ts";
import { dynamoDbItemBytes, requireWithinItemLimit } from "./dynamodb-item-size.ts";
import { sortableNumberKey } from "./sortable-number-key.ts";
import {
  type StoredItem,
  storedNumber,
  storedOptionalNumber,
  storedOptionalString,
  storedString,
} from "./stored-item-fields.ts";
import { EXPIRES_AT_SECONDS_ATTRIBUTE } from "./table-definitions.ts";

export interface DynamoDbInteractionLogOptions {
  readonly client: DynamoDBDocumentClient;
  /** The interactions table (TABLE_DEFINITIONS.interactions). */
  readonly tableName: string;
  /** How long after `occurredAt` a record is kept (its TTL). @default 48 h */
  readonly retentionMs?: number;
  /**
   * How long after it was appended an eventId still counts as a duplicate, whenever the event occurred. A
   * replayed stream batch arrives within the stream's retention of the original, so keep this at least as
   * long as that. @default retentionMs
   */
  readonly dedupeWindowMs?: number;
  readonly clock?: Clock;
  /** Retries of transactions that lost to a concurrent one, and of unprocessed deletes. */
  readonly retry?: RetryPolicy;
  /** Transactions or batch calls in flight at once. @default 4 */
  readonly concurrency?: number;
}

/** Records per transaction: each takes two of TransactWriteItems' 100 items (its marker and itself). */
const RECORDS_PER_TRANSACTION = 50;
/** Below TransactWriteItems' 4 MB request limit, with room for the request's own framing. */
const TRANSACTION_MAX_BYTES = 3_500_000;
const MARKER_SORT_KEY = "EVENT";

/**
 * Recent interactions, in one table with two kinds of item:
 * - the record, under `pk = USER#<userId>`, `sk = <sortable occurredAt>#<eventId>`, so one Query reads a
 *   user's records newest first from a time on;
 * - a dedupe marker per event, under `pk = EVENT#<eventId>`, which makes the eventId unique across users.
 * A record and its marker are written in one transaction, the marker on condition that it does not exist yet,
 * so a record is stored exactly once and never without its marker. Up to 50 records share one transaction.
 * When DynamoDB cancels one because some markers exist, those records are duplicates and the rest are tried
 * again without them. A record expires by TTL `retentionMs` after the event occurred; TTL deletion is lazy,
 * so reads also filter by time. Its marker lives at least as long, and at least `dedupeWindowMs` after the
 * append, so an old event replayed late is still recognised. The marker holds no user data, so what
 * outlives an erasure is an event id.
 */
export class DynamoDbInteractionLog implements InteractionLog {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly retentionMs: number;
  private readonly dedupeWindowMs: number;
  private readonly clock: Clock;
  private readonly retry: RetryPolicy;
  private readonly concurrency: number;

  constructor(options: DynamoDbInteractionLogOptions) {
    this.client = options.client;
    this.tableName = requireNonEmptyText(options.tableName, "tableName");
    this.retentionMs = options.retentionMs ?? RECENT_INTERACTIONS_RETENTION_MS;
    if (!(this.retentionMs > 0)) throw new InvalidInputError("retentionMs must be > 0", "retentionMs");
    this.dedupeWindowMs = options.dedupeWindowMs ?? this.retentionMs;
    if (!(this.dedupeWindowMs > 0))
      throw new InvalidInputError("dedupeWindowMs must be > 0", "dedupeWindowMs");
    this.clock = options.clock ?? systemClock;
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.concurrency = options.concurrency ?? 4;
  }

  async append(records: readonly InteractionRecord[]): Promise<AppendResult> {
    // Every record is checked before any is written, so a bad one leaves nothing half-written.
    const now = this.clock();
    const pairs = records.map((record, index) => this.itemsOf(record, index, now));
    // Within one call the first occurrence of an eventId is the one stored; later ones are duplicates.
    const firstOccurrences = new Map<string, PendingRecord>();
    records.forEach((record, index) => {
      if (!firstOccurrences.has(record.eventId)) {
        firstOccurrences.set(record.eventId, {
          eventId: record.eventId,
          items: pairs[index] as TransactionPair,
        });
      }
    });
    const alreadyStored = new Set<string>();
    const chunks = chunkForTransactions([...firstOccurrences.values()]);
    await forEachConcurrently(chunks, this.concurrency, async (chunk) => {
      for (const eventId of await this.appendChunk(chunk)) alreadyStored.add(eventId);
    });
    const appended: string[] = [];
    const duplicates: string[] = [];
    const reported = new Set<string>();
    for (const { eventId } of records) {
      if (reported.has(eventId) || alreadyStored.has(eventId)) duplicates.push(eventId);
      else appended.push(eventId);
      reported.add(eventId);
    }
    return { appended, duplicates };
  }

  async recentByUser(userId: string, query: RecentInteractionsQuery = {}): Promise<InteractionRecord[]> {
    const limit = query.limit ?? DEFAULT_RECENT_INTERACTIONS_LIMIT;
    if (!Number.isInteger(limit) || limit < 0) {
      throw new InvalidInputError(`limit must be an integer ≥ 0, got ${limit}`, "limit");
    }
    // A record exactly retentionMs old has expired (its TTL is now), whatever `since` says.
    const expiredAtOrBefore = this.clock() - this.retentionMs;
    const since = query.since === undefined ? expiredAtOrBefore : requireFiniteNumber(query.since, "since");
    if (limit === 0) return [];
    const out: InteractionRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const output = await callDynamoDb("read recent interactions", () =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: "pk = :pk AND sk >= :from",
            ExpressionAttributeValues: {
              ":pk": userPartition(userId),
              ":from": sortableNumberKey(Math.max(since, expiredAtOrBefore)),
            },
            ScanIndexForward: false,
            ConsistentRead: true,
            Limit: limit - out.length,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      for (const item of output.Items ?? []) {
        const record = recordFromItem(item);
        // Newest first: the first record past the window ends the read (TTL deletion lags behind).
        if (record.occurredAt < since || record.occurredAt <= expiredAtOrBefore) return out;
        out.push(record);
        if (out.length === limit) return out;
      }
      startKey = output.LastEvaluatedKey;
    } while (startKey !== undefined);
    return out;
  }

  async deleteUser(userId: string): Promise<void> {
    const deletes: WriteRequest[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const output = await callDynamoDb("list interactions to erase", () =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: "pk = :pk",
            ExpressionAttributeValues: { ":pk": userPartition(userId) },
            ProjectionExpression: "pk, sk, eventId",
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      for (const item of output.Items ?? []) {
        const what = "interaction";
        deletes.push({
          DeleteRequest: { Key: { pk: storedString(item, "pk", what), sk: storedString(item, "sk", what) } },
        });
        // The marker goes too, as in the embedded log: an erased user's events count as new if replayed.
        deletes.push({ DeleteRequest: { Key: markerKey(storedString(item, "eventId", what)) } });
      }
      startKey = output.LastEvaluatedKey;
    } while (startKey !== undefined);
    await writeInBatches(this.client, this.tableName, deletes, "erase interactions", {
      retry: this.retry,
      concurrency: this.concurrency,
    });
  }

  /**
   * A paginated Scan of the records (not the dedupe markers), filtered on time because TTL deletion lags.
   * Eventually consistent: an export taken while events arrive misses some of the newest, which the next
   * night's archive holds anyway.
   */
  async *scanAll(): AsyncIterable<readonly InteractionRecord[]> {
    const expiredAtOrBefore = this.clock() - this.retentionMs;
    let startKey: Record<string, unknown> | undefined;
    do {
      const output = await callDynamoDb("export interactions", () =>
        this.client.send(
          new ScanCommand({
            TableName: this.tableName,
            FilterExpression: "begins_with(pk, :user) AND occurredAt > :expired",
            ExpressionAttributeValues: { ":user": USER_PARTITION_PREFIX, ":expired": expiredAtOrBefore },
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      const page = (output.Items ?? []).map(recordFromItem);
      if (page.length > 0) yield page;
      startKey = output.LastEvaluatedKey;
    } while (startKey !== undefined);
  }

  /** Writes one chunk; returns the event ids found already stored. */
  private async appendChunk(chunk: readonly PendingRecord[]): Promise<string[]> {
    let pending = [...chunk];
    const duplicates: string[] = [];
    for (let conflicts = 0; pending.length > 0; ) {
      const transactItems = pending.flatMap(({ items }) => [
        {
          Put: {
            TableName: this.tableName,
            Item: items.marker,
            ConditionExpression: "attribute_not_exists(pk)",
          },
        },
        { Put: { TableName: this.tableName, Item: items.record } },
      ]);
      try {
        await callDynamoDb("append interactions", () =>
          this.client.send(
            // A fresh token per attempt: an SDK retry of this very request (a lost response) then returns
            // success instead of failing on the markers it wrote itself.
            new TransactWriteCommand({ TransactItems: transactItems, ClientRequestToken: randomUUID() }),
          ),
        );
        return duplicates;
      } catch (error) {
        if (!(error instanceof TransactionCanceledError)) throw error;
        // Markers sit at even positions; their condition failing means the event is already stored.
        const failed = new Set(error.conditionFailedIndexes().map((index) => Math.floor(index / 2)));
        if (failed.size > 0) {
          for (const position of failed) duplicates.push((pending[position] as PendingRecord).eventId);
          pending = pending.filter((_, position) => !failed.has(position));
          continue;
        }
        // Only a concurrent transaction on the same items: nothing was decided, so try again shortly.
        conflicts++;
        if (conflicts >= this.retry.maxAttempts) {
          throw new DependencyError(
            DYNAMODB_DEPENDENCY,
            "append interactions: transactions kept conflicting",
            {
              cause: error,
            },
          );
        }
        await backOff(conflicts, this.retry);
      }
    }
    return duplicates;
  }

  private itemsOf(record: InteractionRecord, index: number, now: number): TransactionPair {
    const eventId = requireNonEmptyText(record.eventId, `records[${index}].eventId`);
    const userId = requireNonEmptyText(record.userId, `records[${index}].userId`);
    requireNonEmptyText(record.itemId, `records[${index}].itemId`);
    requireNonEmptyText(record.type, `records[${index}].type`);
    const occurredAt = requireFiniteNumber(record.occurredAt, `records[${index}].occurredAt`);
    requireFiniteNumber(record.weight, `records[${index}].weight`);
    if (record.value !== undefined) requireFiniteNumber(record.value, `records[${index}].value`);
    // Seconds, rounded up: DynamoDB must not delete a record before it has expired here.
    const expiresAtSeconds = Math.ceil((occurredAt + this.retentionMs) / 1000);
    const recordItem: Record<string, unknown> = {
      pk: userPartition(userId),
      sk: `${sortableNumberKey(occurredAt)}#${eventId}`,
      eventId,
      userId,
      itemId: record.itemId,
      type: record.type,
      weight: record.weight,
      occurredAt,
      ...(record.value === undefined ? {} : { value: record.value }),
      ...(record.recommendationId === undefined ? {} : { recommendationId: record.recommendationId }),
      [EXPIRES_AT_SECONDS_ATTRIBUTE]: expiresAtSeconds,
    };
    const markerItem: Record<string, unknown> = {
      ...markerKey(eventId),
      [EXPIRES_AT_SECONDS_ATTRIBUTE]: Math.max(
        expiresAtSeconds,
        Math.ceil((now + this.dedupeWindowMs) / 1000),
      ),
    };
    requireWithinItemLimit("interaction", eventId, recordItem);
    return {
      record: recordItem,
      marker: markerItem,
      bytes: dynamoDbItemBytes(recordItem) + dynamoDbItemBytes(markerItem),
    };
  }
}

interface TransactionPair {
  readonly record: Record<string, unknown>;
  readonly marker: Record<string, unknown>;
  readonly bytes: number;
}

interface PendingRecord {
  readonly eventId: string;
  readonly items: TransactionPair;
}

function chunkForTransactions(records: readonly PendingRecord[]): PendingRecord[][] {
  const chunks: PendingRecord[][] = [];
  let current: PendingRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    if (current.length === RECORDS_PER_TRANSACTION || bytes + record.items.bytes > TRANSACTION_MAX_BYTES) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += record.items.bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

const USER_PARTITION_PREFIX = "USER#";

function userPartition(userId: string): string {
  return `${USER_PARTITION_PREFIX}${userId}`;
}

function markerKey(eventId: string): { pk: string; sk: string } {
  return { pk: `EVENT#${eventId}`, sk: MARKER_SORT_KEY };
}

function recordFromItem(item: StoredItem): InteractionRecord {
  const what = "interaction";
  const type = storedString(item, "type", what);
  if (!isEventType(type))
    throw new CorruptDataError(`${what}: stored type ${JSON.stringify(type)} is not an event type`);
  const value = storedOptionalNumber(item, "value", what);
  const recommendationId = storedOptionalString(item, "recommendationId", what);
  return {
    eventId: storedString(item, "eventId", what),
    userId: storedString(item, "userId", what),
    itemId: storedString(item, "itemId", what),
    type,
    weight: storedNumber(item, "weight", what),
    occurredAt: storedNumber(item, "occurredAt", what),
    ...(value === undefined ? {} : { value }),
    ...(recommendationId === undefined ? {} : { recommendationId }),
  };
}
