import { setTimeout as delay } from "node:timers/promises";
import type { Client } from "@opensearch-project/opensearch";
import { DependencyError, ThrottledError } from "../../../domain/errors/domain-errors.ts";
import { OPENSEARCH_DEPENDENCY, toOpenSearchError } from "./opensearch-errors.ts";

/** One bulk operation: its action line and, except for deletes, its source line (NDJSON, no newline). */
export interface BulkOperation {
  readonly action: string;
  readonly source?: string;
  /** Statuses that count as done for this operation (a delete of an absent document: 404). */
  readonly acceptedStatuses?: ReadonlySet<number>;
}

export interface BulkLimits {
  /** Bytes of NDJSON per request. @default 5 MiB (well under every domain's HTTP payload limit) */
  readonly maxBytes: number;
  /** Operations per request. @default 1000 */
  readonly maxOperations: number;
  /** Rounds of re-sending items that failed with 429 or 5xx. @default 3 */
  readonly itemRetries: number;
  /** First back-off between rounds; doubled each round, with full jitter. @default 100 */
  readonly retryBaseDelayMs: number;
  /**
   * Bulk requests in flight at once during a load. A shard indexes concurrent requests on separate write
   * threads, and building the HNSW graph is the slow part of indexing. @default 2
   */
  readonly concurrency: number;
}

export const DEFAULT_BULK_LIMITS: BulkLimits = {
  maxBytes: 5 * 1024 * 1024,
  maxOperations: 1000,
  itemRetries: 3,
  retryBaseDelayMs: 100,
  concurrency: 2,
};

interface BulkItemResult {
  readonly status?: number;
  readonly error?: { readonly type?: string; readonly reason?: string };
}

/**
 * Sends operations in requests bounded by bytes and count (each bounded by `timeoutMs`). The operations
 * must name distinct ids (the adapter keeps the last write per id): the requests of a load are sent
 * `concurrency` at a time, so their order is not kept.
 *
 * Visibility: what fits in one request is sent with `refresh=wait_for`, so the call returns once the write
 * is searchable, without forcing a segment per call. A load of many requests is a bulk load: the index's
 * periodic refresh is paused for it (each refresh would cut a small segment with an HNSW graph of its own,
 * which every query then searches and merges rebuild), and one explicit refresh follows the last request.
 *
 * Items that fail with 429 or 5xx are sent again with back-off; what still fails then is a ThrottledError
 * (all 429) or DependencyError. An item refused for any other reason is a DependencyError that is not
 * retryable. Bulk requests are not transactions: on failure, other operations of the call may have been
 * applied.
 */
export async function sendBulk(
  client: Client,
  index: string,
  operations: readonly BulkOperation[],
  limits: BulkLimits,
  timeoutMs: number,
): Promise<void> {
  if (operations.length === 0) return;
  const requests = chunk(operations, limits);
  const only = requests[0];
  if (requests.length === 1 && only !== undefined) {
    await sendWithItemRetries(client, index, only, limits, timeoutMs, "wait_for");
    return;
  }
  const options = { requestTimeout: timeoutMs };
  const restore = await pauseRefresh(client, index, options);
  try {
    let next = 0;
    const worker = async () => {
      for (let request = requests[next++]; request !== undefined; request = requests[next++]) {
        await sendWithItemRetries(client, index, request, limits, timeoutMs, false);
      }
    };
    const workers = Array.from(
      { length: Math.max(1, Math.min(limits.concurrency, requests.length)) },
      worker,
    );
    const failed = (await Promise.allSettled(workers)).find((outcome) => outcome.status === "rejected");
    if (failed !== undefined) throw failed.reason;
  } finally {
    await restore();
  }
  try {
    await client.indices.refresh({ index }, options);
  } catch (error) {
    throw toOpenSearchError(error, `refresh ${index}`);
  }
}

/** Sets `refresh_interval: -1` and returns how to put back what was there (the default is 1 s). */
async function pauseRefresh(
  client: Client,
  index: string,
  options: { requestTimeout: number },
): Promise<() => Promise<void>> {
  let previous = "1s";
  try {
    const response = await client.indices.getSettings({ index, name: "index.refresh_interval" }, options);
    const settings = (
      response.body as Record<string, { settings?: { index?: { refresh_interval?: unknown } } }>
    )[index];
    const configured = settings?.settings?.index?.refresh_interval;
    if (typeof configured === "string") previous = configured;
    await client.indices.putSettings({ index, body: { index: { refresh_interval: "-1" } } }, options);
  } catch (error) {
    throw toOpenSearchError(error, `pause refresh of ${index}`);
  }
  return async () => {
    try {
      await client.indices.putSettings({ index, body: { index: { refresh_interval: previous } } }, options);
    } catch (error) {
      throw toOpenSearchError(error, `restore refresh of ${index}`);
    }
  };
}

function chunk(operations: readonly BulkOperation[], limits: BulkLimits): BulkOperation[][] {
  const requests: BulkOperation[][] = [];
  let current: BulkOperation[] = [];
  let bytes = 0;
  for (const operation of operations) {
    const size = operationBytes(operation);
    if (current.length > 0 && (current.length >= limits.maxOperations || bytes + size > limits.maxBytes)) {
      requests.push(current);
      current = [];
      bytes = 0;
    }
    current.push(operation);
    bytes += size;
  }
  if (current.length > 0) requests.push(current);
  return requests;
}

function operationBytes(operation: BulkOperation): number {
  return (
    Buffer.byteLength(operation.action) +
    1 +
    (operation.source === undefined ? 0 : Buffer.byteLength(operation.source) + 1)
  );
}

async function sendWithItemRetries(
  client: Client,
  index: string,
  operations: readonly BulkOperation[],
  limits: BulkLimits,
  timeoutMs: number,
  refresh: "wait_for" | false,
): Promise<void> {
  let pending = operations;
  for (let round = 0; ; round++) {
    const failures = await sendOnce(client, index, pending, timeoutMs, refresh);
    const permanent = failures.find((failure) => !isRetryable(failure.result.status));
    if (permanent !== undefined) {
      throw new DependencyError(OPENSEARCH_DEPENDENCY, `bulk ${index}: ${describeItem(permanent)}`, {
        retryable: false,
      });
    }
    if (failures.length === 0) return;
    if (round >= limits.itemRetries) {
      const detail = `bulk ${index}: ${failures.length} item(s) still failing after ${round} retries, e.g. ${describeItem(failures[0])}`;
      const throttled = failures.every((failure) => failure.result.status === 429);
      throw throttled
        ? new ThrottledError(OPENSEARCH_DEPENDENCY, detail)
        : new DependencyError(OPENSEARCH_DEPENDENCY, detail);
    }
    pending = failures.map((failure) => failure.operation);
    await delay(Math.random() * limits.retryBaseDelayMs * 2 ** round);
  }
}

interface ItemFailure {
  readonly operation: BulkOperation;
  readonly result: BulkItemResult;
}

async function sendOnce(
  client: Client,
  index: string,
  operations: readonly BulkOperation[],
  timeoutMs: number,
  refresh: "wait_for" | false,
): Promise<ItemFailure[]> {
  const body = operations
    .map((operation) =>
      operation.source === undefined ? `${operation.action}\n` : `${operation.action}\n${operation.source}\n`,
    )
    .join("");
  let items: unknown;
  try {
    const response = await client.bulk(
      // A pre-serialised NDJSON string goes out as is; the client's own serialiser would re-encode it.
      { index, refresh, body: body as unknown as Record<string, unknown>[] },
      { requestTimeout: timeoutMs },
    );
    items = (response.body as { items?: unknown }).items;
  } catch (error) {
    throw toOpenSearchError(error, `bulk ${index}`);
  }
  if (!Array.isArray(items) || items.length !== operations.length) {
    throw new DependencyError(OPENSEARCH_DEPENDENCY, `bulk ${index}: the response does not list every item`);
  }
  const failures: ItemFailure[] = [];
  items.forEach((item: unknown, position) => {
    const result = firstValue(item);
    const operation = operations[position];
    if (operation === undefined) return;
    const status = result.status ?? 0;
    const done = (status >= 200 && status < 300) || operation.acceptedStatuses?.has(status) === true;
    if (!done) failures.push({ operation, result });
  });
  return failures;
}

/** A bulk response item is `{ "<action>": { status, error?, … } }`. */
function firstValue(item: unknown): BulkItemResult {
  if (typeof item !== "object" || item === null) return {};
  const value: unknown = Object.values(item)[0];
  return typeof value === "object" && value !== null ? (value as BulkItemResult) : {};
}

function isRetryable(status: number | undefined): boolean {
  return status === 429 || (status !== undefined && status >= 500);
}

function describeItem(failure: ItemFailure | undefined): string {
  if (failure === undefined) return "(none)";
  const { status, error } = failure.result;
  return `${status ?? "no status"} ${error?.type ?? ""}${error?.reason === undefined ? "" : `: ${error.reason}`}`.trim();
}
