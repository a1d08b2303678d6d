import { setTimeout as delay } from "node:timers/promises";
import type { BaseOptions } from "@platformatic/kafka";
import { DependencyError, InvalidInputError } from "../../../domain/errors/domain-errors.ts";
import type { EventBus, PublishResult, StreamEvent } from "../../../ports/event-bus.ts";
import { createKafkaProducer, type KafkaEventProducer } from "./kafka-client.ts";
import {
  describeError,
  isRecordRejection,
  KAFKA_DEPENDENCY,
  needsNewProducer,
  readSendFailure,
  toKafkaError,
} from "./kafka-errors.ts";
import {
  batchKafkaRecords,
  KAFKA_DEFAULT_MAX_MESSAGE_BYTES,
  maxRecordBytesFor,
  type PreparedKafkaRecord,
  partitionForKey,
  prepareKafkaRecord,
} from "./kafka-record-batches.ts";

export interface MskEventBusOptions {
  /** Brokers, timeouts and security (kafkaConnectionOptions); client retries off: this bus retries. */
  readonly connection: BaseOptions;
  readonly topic: string;
  /** Attempts per send, the first included. @default 4 */
  readonly maxAttempts?: number;
  /** Backoff before retry n is random in [0, min(maxDelayMs, baseDelayMs · 2^(n−1))). @default 50 */
  readonly baseDelayMs?: number;
  /** @default 1000 */
  readonly maxDelayMs?: number;
  /**
   * A publish that has not finished by then throws DependencyError: no retry starts after it, and a send
   * still waiting is given up. @default 10_000
   */
  readonly publishTimeoutMs?: number;
  /** The topic's `max.message.bytes`: the largest batch the broker appends. @default 1048588, Kafka's and MSK's */
  readonly maxMessageBytes?: number;
  /** Records per send. @default 500 */
  readonly maxRecordsPerSend?: number;
  /** The jitter source. @default Math.random */
  readonly random?: () => number;
  /** @default createKafkaProducer (idempotent, acks=all) */
  readonly createProducer?: (connection: BaseOptions) => EventProducer;
}

/** What the bus needs of a producer: a KafkaEventProducer (kafka-client.ts), or a test's stand-in. */
export type EventProducer = Pick<KafkaEventProducer, "metadata" | "send" | "close">;

interface PendingRecord extends PreparedKafkaRecord {
  /** Why the last attempt did not deliver it. */
  readonly lastError?: string;
}

type Failure = { index: number; reason: string };

/** A send given up at the publish deadline; its outcome is unknown. */
class PublishDeadlineExceeded extends Error {
  override readonly name = "PublishDeadlineExceeded";
}

/**
 * Publishes events to a Kafka topic (MSK, or any Kafka): key = userId, value = the event's JSON, partition =
 * the Java client's murmur2 partition of the key, so one user's events share one partition, in order.
 *
 * - Records whose key and value exceed what fits in one batch under `max.message.bytes` (or that cannot be
 *   serialised) are reported as failed at their index and not sent.
 * - The rest go in sends of at most 500 records whose batch stays under `max.message.bytes`, one send after
 *   the other, so a user's events in later sends follow those in earlier ones.
 * - The producer is idempotent (`acks=all`, producer id and sequence numbers): a send repeated after a lost
 *   response is appended once. Records of partitions that were refused are sent again, with exponential
 *   backoff and full jitter, up to `maxAttempts`; those still refused, and those the broker refuses for good
 *   (too large, invalid), are reported in `failed` with the broker's error. After a refusal the producer is
 *   replaced: the client leaves its sequence numbers behind the broker's when part of a response fails.
 * - A send that reaches no broker (network, timeouts) is retried the same way; when its attempts run out,
 *   or at once for a permanent failure (authorization, authentication), publish throws DependencyError
 *   (ThrottledError for quota throttling). Earlier sends stay published: at least once.
 * - Nothing waits past `publishTimeoutMs`: a send still in flight then is given up (and the producer
 *   replaced, since that send may still land), and publish throws DependencyError.
 */
export class MskEventBus implements EventBus {
  private readonly connection: BaseOptions;
  private readonly topic: string;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly publishTimeoutMs: number;
  private readonly maxMessageBytes: number;
  private readonly maxRecordBytes: number;
  private readonly maxRecordsPerSend: number;
  private readonly random: () => number;
  private readonly createProducer: (connection: BaseOptions) => EventProducer;
  private producer: EventProducer | undefined;

  constructor(options: MskEventBusOptions) {
    this.connection = options.connection;
    this.topic = options.topic;
    this.maxAttempts = options.maxAttempts ?? 4;
    this.baseDelayMs = options.baseDelayMs ?? 50;
    this.maxDelayMs = options.maxDelayMs ?? 1000;
    this.publishTimeoutMs = options.publishTimeoutMs ?? 10_000;
    this.maxMessageBytes = options.maxMessageBytes ?? KAFKA_DEFAULT_MAX_MESSAGE_BYTES;
    this.maxRecordBytes = maxRecordBytesFor(this.maxMessageBytes);
    this.maxRecordsPerSend = options.maxRecordsPerSend ?? 500;
    this.random = options.random ?? Math.random;
    this.createProducer = options.createProducer ?? createKafkaProducer;
    if (this.topic === "") throw new InvalidInputError("topic must not be empty", "topic");
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1) {
      throw new InvalidInputError("maxAttempts must be an integer ≥ 1", "maxAttempts");
    }
    if (!Number.isInteger(this.maxRecordsPerSend) || this.maxRecordsPerSend < 1) {
      throw new InvalidInputError("maxRecordsPerSend must be an integer ≥ 1", "maxRecordsPerSend");
    }
    if (this.maxRecordBytes < 1) {
      throw new InvalidInputError("maxMessageBytes is too small for any record", "maxMessageBytes");
    }
  }

  /** The largest key plus value one record may have (what the contract calls the record limit). */
  get recordLimitBytes(): number {
    return this.maxRecordBytes;
  }

  async publish(events: readonly StreamEvent[]): Promise<PublishResult> {
    const deadline = performance.now() + this.publishTimeoutMs;
    const failed: Failure[] = [];
    const records: PreparedKafkaRecord[] = [];
    events.forEach((event, index) => {
      const prepared = prepareKafkaRecord(event, index, this.maxRecordBytes);
      if (prepared.ok) records.push(prepared.record);
      else failed.push({ index, reason: prepared.reason });
    });
    for (const batch of batchKafkaRecords(records, this.maxRecordsPerSend, this.maxMessageBytes)) {
      failed.push(...(await this.sendWithRetries(batch, deadline)));
    }
    return { failed: failed.sort((a, b) => a.index - b.index) };
  }

  /** Closes the producer's connections. The bus may be used again afterwards (it opens new ones). */
  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.close();
  }

  /** Sends one batch's records until each is appended, refused for good, or out of attempts. */
  private async sendWithRetries(batch: readonly PreparedKafkaRecord[], deadline: number): Promise<Failure[]> {
    const failed: Failure[] = [];
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
      if (attempt > 1) await delay(Math.min(this.backoffMs(attempt - 1), this.remainingMs(deadline)));
      const producer = this.currentProducer();
      let partitions: number[] = [];
      try {
        partitions = await this.withinDeadline(this.partitionsFor(producer, pending), deadline);
        await this.withinDeadline(
          producer.send({
            messages: pending.map((record, position) => ({
              topic: this.topic,
              key: record.key,
              value: record.value,
              partition: partitions[position] ?? 0,
            })),
          }),
          deadline,
        );
        break;
      } catch (error) {
        if (error instanceof PublishDeadlineExceeded) {
          // The abandoned send may still be appended, under sequence numbers this producer has not
          // counted: a new producer id keeps the next sends from being refused as out of order.
          this.replaceProducer();
          throw new DependencyError(
            KAFKA_DEPENDENCY,
            `publish to ${this.topic} did not finish within ${this.publishTimeoutMs} ms (attempt ${attempt}): ${error.message}`,
            { retryable: true },
          );
        }
        if (needsNewProducer(error)) this.replaceProducer();
        const report = readSendFailure(error);
        if (report.acknowledged.size === 0 && report.refused.size === 0) {
          const mapped = toKafkaError(error, `Produce to ${this.topic}`);
          const retryable = !(mapped instanceof DependencyError) || mapped.retryable;
          if (!retryable || attempt >= this.maxAttempts) throw mapped;
          pending = pending.map((record) => ({ ...record, lastError: describeError(error) }));
          continue;
        }
        if (report.refused.size > 0) this.replaceProducer();
        pending = this.sortOutPartialFailure(pending, partitions, report, error, failed);
      }
    }
    return failed;
  }

  /**
   * After a send that reached some partitions: records of acknowledged partitions are done; records the
   * broker refused for good are failed; the rest are sent again. A refused partition's batch is appended
   * all or nothing, and KIP-467 names the records to blame by their index in that batch.
   */
  private sortOutPartialFailure(
    pending: readonly PendingRecord[],
    partitions: readonly number[],
    report: ReturnType<typeof readSendFailure>,
    error: unknown,
    failed: Failure[],
  ): PendingRecord[] {
    const next: PendingRecord[] = [];
    const positionInBatch = new Map<string, number>();
    pending.forEach((record, position) => {
      const key = `${this.topic}:${partitions[position] ?? 0}`;
      const batchIndex = positionInBatch.get(key) ?? 0;
      positionInBatch.set(key, batchIndex + 1);
      if (report.acknowledged.has(key)) return;
      const refusal = report.refused.get(key);
      if (refusal === undefined) {
        next.push({ ...record, lastError: describeError(error) });
        return;
      }
      const blamed = refusal.recordErrors.get(batchIndex);
      if (blamed !== undefined) {
        failed.push({ index: record.index, reason: `${refusal.errorId}: ${blamed}` });
      } else if (refusal.recordErrors.size === 0 && isRecordRejection(refusal.errorId)) {
        failed.push({ index: record.index, reason: `${refusal.errorId}: ${refusal.message}` });
      } else {
        next.push({ ...record, lastError: `${refusal.errorId}: ${refusal.message}` });
      }
    });
    return next;
  }

  private async partitionsFor(producer: EventProducer, records: readonly PendingRecord[]): Promise<number[]> {
    // The client caches metadata (metadataMaxAge), so this is a network call only now and then.
    const metadata = await producer.metadata({ topics: [this.topic] });
    const count = metadata.topics.get(this.topic)?.partitionsCount ?? 0;
    if (count < 1) {
      throw new DependencyError(KAFKA_DEPENDENCY, `topic ${this.topic} has no partitions in the metadata`);
    }
    return records.map((record) => partitionForKey(record.key, count));
  }

  private currentProducer(): EventProducer {
    this.producer ??= this.createProducer(this.connection);
    return this.producer;
  }

  private replaceProducer(): void {
    const retired = this.producer;
    this.producer = undefined;
    retired?.close().catch(() => {});
  }

  private async withinDeadline<T>(operation: Promise<T>, deadline: number): Promise<T> {
    // Whatever the operation does after being given up must not surface as an unhandled rejection.
    operation.catch(() => {});
    const remaining = this.remainingMs(deadline);
    if (remaining <= 0) throw new PublishDeadlineExceeded("no time left for another attempt");
    const timer = new AbortController();
    try {
      return await Promise.race([
        operation,
        delay(remaining, undefined, { signal: timer.signal }).then(() => {
          throw new PublishDeadlineExceeded(`no answer within the remaining ${Math.round(remaining)} ms`);
        }),
      ]);
    } finally {
      timer.abort();
    }
  }

  private remainingMs(deadline: number): number {
    return Math.max(0, deadline - performance.now());
  }

  private backoffMs(retry: number): number {
    return this.random() * Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (retry - 1));
  }
}
