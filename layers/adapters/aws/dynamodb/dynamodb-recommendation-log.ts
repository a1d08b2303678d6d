import { randomUUID } from "node:crypto";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import { forEachConcurrently } from "../../../domain/concurrency/for-each-concurrently.ts";
import {
  ConflictError,
  CorruptDataError,
  DependencyError,
  InvalidInputError,
} from "../../../domain/errors/domain-errors.ts";
import { type Clock, systemClock } from "../../../ports/clock.ts";
import type {
  CounterKey,
  FeedbackCounters,
  FeedbackKind,
  RecommendationLog,
  RecommendationSource,
  ServedRecommendation,
} from "../../../ports/recommendation-log.ts";
import { requireNonEmptyText } from "../../embedded/argument-checks.ts";
import { backOff, DEFAULT_RETRY_POLICY, type RetryPolicy } from "./backoff.ts";
import { callDynamoDb, DYNAMODB_DEPENDENCY, TransactionCanceledError } from "./dynamodb-errors.ts";
import { requireWithinItemLimit } from "./dynamodb-item-size.ts";
import {
  type StoredItem,
  storedNullableString,
  storedNumber,
  storedOptionalNumber,
  storedString,
  storedStringList,
} from "./stored-item-fields.ts";
import { EXPIRES_AT_SECONDS_ATTRIBUTE } from "./table-definitions.ts";

export interface DynamoDbRecommendationLogOptions {
  readonly client: DynamoDBDocumentClient;
  /** The recommendation log table (TABLE_DEFINITIONS.recommendationLog). */
  readonly tableName: string;
  /**
   * How long served lists and feedback markers are kept (TTL from the time they are written). Clicks are
   * attributed within this window, and a replayed stream batch must fall inside it. @default 30 days
   */
  readonly retentionMs?: number;
  /**
   * Counter items per (source, model version), spread over this many partitions. Every impression of a
   * model's lists updates its counter; one item takes about 1,000 writes a second, and transactional
   * writes count double. Reads sum the shards. Raise it, never lower it: counts in dropped shards would
   * no longer be read. @default 8
   */
  readonly counterShards?: number;
  readonly clock?: Clock;
  /** Retries of feedback transactions that lost to a concurrent one on the same counter. */
  readonly retry?: RetryPolicy;
}

export const DEFAULT_RECOMMENDATION_LOG_RETENTION_MS = 30 * 24 * 3600 * 1000;
export const DEFAULT_COUNTER_SHARDS = 8;

const SOURCES: readonly RecommendationSource[] = ["cache", "realtime", "batch", "popular"];
const COUNTER_OF_KIND: Readonly<Record<FeedbackKind, keyof FeedbackCounters>> = {
  impression: "impressions",
  click: "clicks",
  conversion: "conversions",
};

/**
 * Served lists, feedback markers and counters, in one table:
 * - `SERVED#<recommendationId>`: what was served, written once (the first record wins);
 * - `FEEDBACK#<eventId>`: one marker per counted event, so an event counts at most once, whatever
 *   recommendation it names;
 * - `COUNTERS#<shard>` / `["source","modelVersion"]`: impression, click and conversion counts, incremented
 *   with ADD.
 * A feedback event writes its marker and increments its counter in one transaction. A replay finds the
 * marker and counts nothing, and a crash between the two writes is impossible, so every event counts
 * exactly once.
 */
export class DynamoDbRecommendationLog implements RecommendationLog {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly retentionMs: number;
  private readonly counterShards: number;
  private readonly clock: Clock;
  private readonly retry: RetryPolicy;

  constructor(options: DynamoDbRecommendationLogOptions) {
    this.client = options.client;
    this.tableName = requireNonEmptyText(options.tableName, "tableName");
    this.retentionMs = options.retentionMs ?? DEFAULT_RECOMMENDATION_LOG_RETENTION_MS;
    this.counterShards = options.counterShards ?? DEFAULT_COUNTER_SHARDS;
    if (!Number.isInteger(this.counterShards) || this.counterShards < 1) {
      throw new InvalidInputError("counterShards must be an integer ≥ 1", "counterShards");
    }
    this.clock = options.clock ?? systemClock;
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
  }

  async recordServed(served: ServedRecommendation): Promise<void> {
    const recommendationId = requireNonEmptyText(served.recommendationId, "recommendationId");
    const item: Record<string, unknown> = {
      ...servedKey(recommendationId),
      recommendationId,
      userId: served.userId,
      source: served.source,
      modelVersion: served.modelVersion,
      itemIds: [...served.itemIds],
      servedAt: served.servedAt,
      [EXPIRES_AT_SECONDS_ATTRIBUTE]: this.expiresAtSeconds(),
    };
    requireWithinItemLimit("served recommendation", recommendationId, item);
    await callDynamoDb("record served recommendation", () =>
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      ),
    ).catch((error: unknown) => {
      // The first record wins: a retried write must not replace what was actually served.
      if (!(error instanceof ConflictError)) throw error;
    });
  }

  async get(recommendationId: string): Promise<ServedRecommendation | undefined> {
    const output = await callDynamoDb("read served recommendation", () =>
      this.client.send(
        new GetCommand({ TableName: this.tableName, Key: servedKey(recommendationId), ConsistentRead: true }),
      ),
    );
    return output.Item === undefined ? undefined : servedFromItem(output.Item);
  }

  async recordFeedback(recommendationId: string, kind: FeedbackKind, eventId: string): Promise<boolean> {
    requireNonEmptyText(eventId, "eventId");
    const counter = COUNTER_OF_KIND[kind];
    if (counter === undefined)
      throw new InvalidInputError(`unknown feedback kind ${JSON.stringify(kind)}`, "kind");
    // Unknown (perhaps not yet recorded) recommendation: no marker is written, so the event counts later.
    const served = await this.get(recommendationId);
    if (served === undefined) return false;
    const transactItems = [
      {
        Put: {
          TableName: this.tableName,
          Item: {
            pk: `FEEDBACK#${eventId}`,
            sk: "FEEDBACK",
            recommendationId,
            kind,
            [EXPIRES_AT_SECONDS_ATTRIBUTE]: this.expiresAtSeconds(),
          },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
      {
        Update: {
          TableName: this.tableName,
          Key: {
            pk: `COUNTERS#${shardOf(eventId, this.counterShards)}`,
            sk: counterSortKey(served.source, served.modelVersion),
          },
          UpdateExpression: "SET #source = :source, #modelVersion = :modelVersion ADD #counter :one",
          // Names through placeholders: SOURCE is one of DynamoDB's reserved words.
          ExpressionAttributeNames: {
            "#source": "source",
            "#modelVersion": "modelVersion",
            "#counter": counter,
          },
          ExpressionAttributeValues: {
            ":source": served.source,
            ":modelVersion": served.modelVersion,
            ":one": 1,
          },
        },
      },
    ];
    for (let conflicts = 0; ; ) {
      try {
        await callDynamoDb("record feedback", () =>
          this.client.send(
            // A fresh token per attempt: an SDK retry after a lost response then succeeds instead of
            // finding its own marker and reporting the event as counted before.
            new TransactWriteCommand({ TransactItems: transactItems, ClientRequestToken: randomUUID() }),
          ),
        );
        return true;
      } catch (error) {
        if (!(error instanceof TransactionCanceledError)) throw error;
        if (error.conditionFailedIndexes().includes(0)) return false;
        conflicts++;
        if (conflicts >= this.retry.maxAttempts) {
          throw new DependencyError(DYNAMODB_DEPENDENCY, "record feedback: transactions kept conflicting", {
            cause: error,
          });
        }
        await backOff(conflicts, this.retry);
      }
    }
  }

  async counters(): Promise<Array<CounterKey & FeedbackCounters>> {
    const rows = new Map<string, CounterKey & { impressions: number; clicks: number; conversions: number }>();
    const shards = Array.from({ length: this.counterShards }, (_, shard) => shard);
    await forEachConcurrently(shards, this.counterShards, async (shard) => {
      let startKey: Record<string, unknown> | undefined;
      do {
        const output = await callDynamoDb("read feedback counters", () =>
          this.client.send(
            new QueryCommand({
              TableName: this.tableName,
              KeyConditionExpression: "pk = :pk",
              ExpressionAttributeValues: { ":pk": `COUNTERS#${shard}` },
              ConsistentRead: true,
              ExclusiveStartKey: startKey,
            }),
          ),
        );
        for (const item of output.Items ?? []) {
          const sortKey = storedString(item, "sk", "feedback counter");
          let row = rows.get(sortKey);
          if (row === undefined) {
            row = { ...counterKeyFromItem(item), impressions: 0, clicks: 0, conversions: 0 };
            rows.set(sortKey, row);
          }
          for (const field of ["impressions", "clicks", "conversions"] as const) {
            row[field] += storedOptionalNumber(item, field, "feedback counter") ?? 0;
          }
        }
        startKey = output.LastEvaluatedKey;
      } while (startKey !== undefined);
    });
    return [...rows.values()];
  }

  private expiresAtSeconds(): number {
    return Math.ceil((this.clock() + this.retentionMs) / 1000);
  }
}

function servedKey(recommendationId: string): { pk: string; sk: string } {
  return { pk: `SERVED#${recommendationId}`, sk: "SERVED" };
}

/** JSON keeps a null model version distinct from the string "null". */
function counterSortKey(source: RecommendationSource, modelVersion: string | null): string {
  return JSON.stringify([source, modelVersion]);
}

/** FNV-1a: a stable spread of event ids over the counter shards. */
function shardOf(eventId: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < eventId.length; i++) {
    hash ^= eventId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

function sourceOf(item: StoredItem, what: string): RecommendationSource {
  const source = storedString(item, "source", what);
  const known = SOURCES.find((candidate) => candidate === source);
  if (known === undefined)
    throw new CorruptDataError(`${what}: stored source ${JSON.stringify(source)} is unknown`);
  return known;
}

function counterKeyFromItem(item: StoredItem): CounterKey {
  const what = "feedback counter";
  return { source: sourceOf(item, what), modelVersion: storedNullableString(item, "modelVersion", what) };
}

function servedFromItem(item: StoredItem): ServedRecommendation {
  const what = "served recommendation";
  return {
    recommendationId: storedString(item, "recommendationId", what),
    userId: storedString(item, "userId", what),
    source: sourceOf(item, what),
    modelVersion: storedNullableString(item, "modelVersion", what),
    itemIds: storedStringList(item, "itemIds", what),
    servedAt: storedNumber(item, "servedAt", what),
  };
}
