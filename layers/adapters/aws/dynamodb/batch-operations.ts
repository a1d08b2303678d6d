import {
  BatchGetCommand,
  BatchWriteCommand,
  type BatchWriteCommandInput,
  type DynamoDBDocumentClient,
} from "@aws-sdk/lib-dynamodb";
import { forEachConcurrently } from "../../../domain/concurrency/for-each-concurrently.ts";
import { DependencyError } from "../../../domain/errors/domain-errors.ts";
import { backOff, type RetryPolicy } from "./backoff.ts";
import { callDynamoDb, DYNAMODB_DEPENDENCY } from "./dynamodb-errors.ts";

/** One put or delete of a BatchWriteItem call, in the document client's form. */
export type WriteRequest = NonNullable<BatchWriteCommandInput["RequestItems"]>[string][number];
export type ItemKey = Readonly<Record<string, unknown>>;
type StoredItem = Record<string, unknown>;

/** DynamoDB's per-call limits. */
export const BATCH_WRITE_MAX_ITEMS = 25;
export const BATCH_GET_MAX_KEYS = 100;

export interface BatchOptions {
  readonly retry: RetryPolicy;
  /** Batch calls in flight at once. */
  readonly concurrency: number;
}

/**
 * Writes every request, 25 per BatchWriteItem call, retrying what DynamoDB leaves unprocessed with backoff.
 * What is still unprocessed after the last attempt fails the call with a retryable DependencyError; the
 * requests are puts and deletes of whole items, so the caller may simply repeat the whole call.
 * The requests must not name one key twice (DynamoDB refuses that): callers de-duplicate first.
 */
export async function writeInBatches(
  client: DynamoDBDocumentClient,
  tableName: string,
  requests: readonly WriteRequest[],
  what: string,
  options: BatchOptions,
): Promise<void> {
  await forEachConcurrently(chunk(requests, BATCH_WRITE_MAX_ITEMS), options.concurrency, async (batch) => {
    let pending: WriteRequest[] = batch;
    for (let attempt = 1; ; attempt++) {
      const output = await callDynamoDb(what, () =>
        client.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } })),
      );
      pending = output.UnprocessedItems?.[tableName] ?? [];
      if (pending.length === 0) return;
      if (attempt >= options.retry.maxAttempts) {
        throw new DependencyError(
          DYNAMODB_DEPENDENCY,
          `${what}: ${pending.length} of ${batch.length} writes still unprocessed after ${attempt} attempts`,
        );
      }
      await backOff(attempt, options.retry);
    }
  });
}

/**
 * Reads the items of the given keys, 100 per BatchGetItem call, strongly consistent, retrying unprocessed
 * keys with backoff. Absent items are left out. Keys must be distinct (DynamoDB refuses duplicates).
 */
export async function readInBatches(
  client: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly ItemKey[],
  what: string,
  options: BatchOptions,
): Promise<StoredItem[]> {
  const found: StoredItem[] = [];
  await forEachConcurrently(chunk(keys, BATCH_GET_MAX_KEYS), options.concurrency, async (batch) => {
    let pending: ItemKey[] = batch;
    for (let attempt = 1; ; attempt++) {
      const output = await callDynamoDb(what, () =>
        client.send(
          new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }),
        ),
      );
      found.push(...(output.Responses?.[tableName] ?? []));
      pending = output.UnprocessedKeys?.[tableName]?.Keys ?? [];
      if (pending.length === 0) return;
      if (attempt >= options.retry.maxAttempts) {
        throw new DependencyError(
          DYNAMODB_DEPENDENCY,
          `${what}: ${pending.length} of ${batch.length} reads still unprocessed after ${attempt} attempts`,
        );
      }
      await backOff(attempt, options.retry);
    }
  });
  return found;
}

export function chunk<Element>(elements: readonly Element[], size: number): Element[][] {
  const chunks: Element[][] = [];
  for (let start = 0; start < elements.length; start += size)
    chunks.push(elements.slice(start, start + size));
  return chunks;
}
