import { setTimeout as delay } from "node:timers/promises";
import { type KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { DependencyError, InvalidInputError } from "../../../domain/errors/domain-errors.ts";
import type { EventBus, PublishResult, StreamEvent } from "../../../ports/event-bus.ts";
import { isRetryableRecordError, KINESIS_DEPENDENCY, toKinesisError } from "./kinesis-errors.ts";
import {
  batchRecords,
  KINESIS_MAX_RECORD_BYTES,
  KINESIS_MAX_RECORDS_PER_REQUEST,
  KINESIS_MAX_REQUEST_BYTES,
  type PreparedRecord,
  prepareRecord,
} from "./kinesis-record-batches.ts";
import { type KinesisStreamRef, streamParameters } from "./kinesis-stream-ref.ts";

export interface KinesisEventBusOptions {
  /** A client over HTTP/1.1 without SDK retries (createKinesisClient): this bus does the retrying. */
  readonly client: KinesisClient;
  readonly stream: KinesisStreamRef;
  /** Attempts per PutRecords batch, the first included. @default 4 */
  readonly maxAttempts?: number;
  /** Backoff before retry n is random in [0, min(maxDelayMs, baseDelayMs · 2^(n−1))). @default 50 */
  readonly baseDelayMs?: number;
  /** @default 1000 */
  readonly maxDelayMs?: number;
  /** @default 1 MiB, the Kinesis limit */
  readonly maxRecordBytes?: number;
  /** For tests of the request limits; at most the Kinesis limits. */
  readonly maxRecordsPerRequest?: number;
  readonly maxRequestBytes?: number;
  /** The jitter source. @default Math.random */
  readonly random?: () => number;
}

interface PendingRecord extends PreparedRecord {
  /** Why the last attempt refused it. */
  readonly lastError?: string;
}

/**
 * Publishes events to a Kinesis data stream with PutRecords, partition key = userId.
 *
 * - Records over the record limit (or not serialisable) are reported as failed at their index and not sent.
 * - The rest go in requests of at most 500 records and 5 MiB, one request after the other, so a user's
 *   events in later requests follow those in earlier ones.
 * - Records a response refuses are sent again, alone, with exponential backoff and full jitter, up to
 *   `maxAttempts`; those still refused are reported in `failed` with their error code. A refused record that
 *   succeeds on retry lands after that user's later events of the same request: Kinesis does not keep order
 *   across a partial failure, and the stream handler is idempotent and order-tolerant by design.
 * - A request that fails as a whole (network, throttling, a 5xx) is retried the same way; when its attempts
 *   run out, or at once for a permanent failure (missing stream, access denied), publish throws
 *   DependencyError (ThrottledError for throttling). Earlier requests stay published: at least once.
 */
export class KinesisEventBus implements EventBus {
  private readonly client: KinesisClient;
  private readonly stream: KinesisStreamRef;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxRecordBytes: number;
  private readonly maxRecordsPerRequest: number;
  private readonly maxRequestBytes: number;
  private readonly random: () => number;

  constructor(options: KinesisEventBusOptions) {
    this.client = options.client;
    this.stream = options.stream;
    this.maxAttempts = options.maxAttempts ?? 4;
    this.baseDelayMs = options.baseDelayMs ?? 50;
    this.maxDelayMs = options.maxDelayMs ?? 1000;
    this.maxRecordBytes = Math.min(
      options.maxRecordBytes ?? KINESIS_MAX_RECORD_BYTES,
      KINESIS_MAX_RECORD_BYTES,
    );
    this.maxRecordsPerRequest = Math.min(
      options.maxRecordsPerRequest ?? KINESIS_MAX_RECORDS_PER_REQUEST,
      KINESIS_MAX_RECORDS_PER_REQUEST,
    );
    this.maxRequestBytes = Math.min(
      options.maxRequestBytes ?? KINESIS_MAX_REQUEST_BYTES,
      KINESIS_MAX_REQUEST_BYTES,
    );
    this.random = options.random ?? Math.random;
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1) {
      throw new InvalidInputError("maxAttempts must be an integer ≥ 1", "maxAttempts");
    }
    if (this.maxRequestBytes < this.maxRecordBytes) {
      throw new InvalidInputError("maxRequestBytes must be at least maxRecordBytes", "maxRequestBytes");
    }
  }

  async publish(events: readonly StreamEvent[]): Promise<PublishResult> {
    const failed: Array<{ index: number; reason: string }> = [];
    const records: PreparedRecord[] = [];
    events.forEach((event, index) => {
      const prepared = prepareRecord(event, index, this.maxRecordBytes);
      if (prepared.ok) records.push(prepared.record);
      else failed.push({ index, reason: prepared.reason });
    });
    for (const batch of batchRecords(records, this.maxRecordsPerRequest, this.maxRequestBytes)) {
      failed.push(...(await this.putWithRetries(batch)));
    }
    return { failed: failed.sort((a, b) => a.index - b.index) };
  }

  /** Sends one request's records until each is accepted, refused for good, or out of attempts. */
  private async putWithRetries(
    batch: readonly PreparedRecord[],
  ): Promise<Array<{ index: number; reason: string }>> {
    const failed: Array<{ index: number; reason: string }> = [];
    let pending: PendingRecord[] = [...batch];
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > this.maxAttempts) {
        for (const record of pending) {
          failed.push({
            index: record.index,
            reason: `${record.lastError} (after ${this.maxAttempts} attempts)`,
          });
        }
        break;
      }
      if (attempt > 1) await delay(this.backoffMs(attempt - 1));
      let results: Array<{ ErrorCode?: string; ErrorMessage?: string }>;
      try {
        const response = await this.client.send(
          new PutRecordsCommand({
            ...streamParameters(this.stream),
            Records: pending.map((record) => ({ Data: record.data, PartitionKey: record.partitionKey })),
          }),
        );
        results = response.Records ?? [];
      } catch (error) {
        const mapped = toKinesisError(error, "PutRecords");
        const retryable = !(mapped instanceof DependencyError) || mapped.retryable;
        if (!retryable || attempt >= this.maxAttempts) throw mapped;
        continue;
      }
      if (results.length !== pending.length) {
        throw new DependencyError(
          KINESIS_DEPENDENCY,
          `PutRecords answered ${results.length} results for ${pending.length} records`,
        );
      }
      const refused: PendingRecord[] = [];
      pending.forEach((record, position) => {
        const result = results[position];
        const code = result?.ErrorCode;
        if (code === undefined || code === "") return;
        const reason = `${code}: ${result?.ErrorMessage ?? "refused"}`;
        if (isRetryableRecordError(code)) refused.push({ ...record, lastError: reason });
        else failed.push({ index: record.index, reason });
      });
      pending = refused;
    }
    return failed;
  }

  private backoffMs(retry: number): number {
    return this.random() * Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (retry - 1));
  }
}
