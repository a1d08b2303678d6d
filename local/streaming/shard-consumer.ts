import { randomUUID } from "node:crypto";
import type { KinesisStreamRecord } from "aws-lambda";
import { sleepUnlessAborted } from "./abortable-sleep.ts";
import { BatchRetryState, type BatchStep, type InvocationVerdict } from "./batch-retry-state.ts";
import { batchIsReady, batchLength, remainingWindowMs } from "./batch-window.ts";
import type { ShardCheckpoint } from "./checkpoint-store.ts";
import { type EventSourceMappingSettings, retryBackoffMs } from "./event-source-mapping-settings.ts";
import { buildKinesisFailureMessage } from "./kinesis-failure-message.ts";
import {
  type EventSourceIdentity,
  payloadBytesOf,
  type ShardRecord,
  toKinesisStreamRecord,
} from "./kinesis-lambda-record.ts";
import {
  ExpiredShardIteratorError,
  type IteratorPosition,
  type ShardSource,
} from "./kinesis-shard-source.ts";
import type { OnFailureDestination } from "./on-failure-destination.ts";
import type { PollerCounters, ShardStats } from "./poller-stats.ts";
import { invokeStreamFunction, type StreamFunction } from "./stream-handler-invocation.ts";

/** What every shard consumer of one poller shares. */
export interface ShardConsumerContext {
  readonly source: ShardSource;
  readonly settings: EventSourceMappingSettings;
  readonly identity: EventSourceIdentity;
  readonly fn: StreamFunction;
  readonly functionArn: string;
  readonly onFailure: OnFailureDestination | undefined;
  readonly saveCheckpoint: (shardId: string, checkpoint: ShardCheckpoint) => Promise<void>;
  readonly counters: PollerCounters;
  readonly log: (line: string) => void;
  /** Aborts when the poller stops: no new read, invocation or retry starts after it. */
  readonly stopSignal: AbortSignal;
  /** Settles once a stopping poller's grace period is over: whatever is in flight then is abandoned. */
  readonly graceExpired: Promise<void>;
  /**
   * The poller's idle epoch, which `whenIdle` advances: a read that starts in epoch n began after every
   * `whenIdle` call of an epoch ≤ n. A counter, not a clock: two events in one millisecond stay ordered.
   */
  readonly currentEpoch: () => number;
}

/** A record read and waiting for its batch, in the shapes the batch needs. */
interface BufferedRecord {
  readonly sequenceNumber: string;
  readonly approximateArrivalMs: number;
  readonly record: ShardRecord;
  readonly lambdaRecord: KinesisStreamRecord;
  readonly payloadBytes: number;
  /** When it was read: the batching window runs from the oldest buffered record's read. */
  readonly readAtMs: number;
}

const ABANDONED: unique symbol = Symbol("abandoned");

/**
 * Reads one shard and feeds it to the function, one batch at a time (ParallelizationFactor 1), as the
 * event-source mapping does: GetRecords into a buffer; a batch once it is full or its window has passed;
 * the batch's error handling (BatchRetryState) until every record is delivered or discarded; then the
 * checkpoint, and only then the next batch. A closed shard read to its end is checkpointed as such, so
 * its children may start. An expired iterator is renewed after the last record read.
 */
export class ShardConsumer {
  readonly shardId: string;
  private readonly context: ShardConsumerContext;
  private readonly startPosition: IteratorPosition;
  private iterator: string | undefined;
  private buffer: BufferedRecord[] = [];
  private lastReadSequence: string | undefined;
  private checkpoint: string | undefined;
  private closed = false;
  private finished = false;
  private inFlight = false;
  private lastReadAtTip = false;
  private millisBehindLatest = 0;
  /** The epoch of the read that last found the shard caught up with nothing pending; undefined since. */
  private caughtUpInEpoch: number | undefined;
  private consecutiveReadErrors = 0;

  constructor(
    context: ShardConsumerContext,
    shardId: string,
    start: { readonly position: IteratorPosition; readonly checkpoint: string | undefined },
  ) {
    this.context = context;
    this.shardId = shardId;
    this.startPosition = start.position;
    this.checkpoint = start.checkpoint;
  }

  get isFinished(): boolean {
    return this.finished;
  }

  /** Caught up with the shard by a read that started in `epoch` or later, with nothing pending. */
  isIdleSince(epoch: number): boolean {
    if (this.finished) return true;
    return (
      !this.inFlight &&
      this.buffer.length === 0 &&
      this.caughtUpInEpoch !== undefined &&
      this.caughtUpInEpoch >= epoch
    );
  }

  stats(): ShardStats {
    return {
      checkpoint: this.checkpoint,
      finished: this.finished,
      millisBehindLatest: this.millisBehindLatest,
      bufferedRecords: this.buffer.length,
      batchInFlight: this.inFlight,
    };
  }

  /** Runs until the shard is finished or the poller stops; never throws. */
  async run(): Promise<void> {
    const { settings, stopSignal } = this.context;
    while (!stopSignal.aborted) {
      if (this.iterator === undefined && !this.closed) {
        await this.renewIterator();
        continue;
      }
      if (!this.closed && this.buffer.length < settings.batchSize) await this.read();
      if (stopSignal.aborted) return;

      if (this.buffer.length === 0) {
        if (this.closed) {
          await this.finish();
          return;
        }
        if (this.lastReadAtTip) await sleepUnlessAborted(settings.pollIntervalMs, stopSignal);
        continue;
      }
      const window = {
        bufferedRecords: this.buffer.length,
        bufferedPayloadBytes: this.buffer.map((buffered) => buffered.payloadBytes),
        batchSize: settings.batchSize,
        maximumBatchingWindowMs: settings.maximumBatchingWindowMs,
        firstBufferedAtMs: this.buffer[0]?.readAtMs,
        nowMs: Date.now(),
        shardExhausted: this.closed,
      };
      if (!batchIsReady(window)) {
        // Reads that found everything there was: wait for more, at most until the window closes.
        if (this.lastReadAtTip) {
          await sleepUnlessAborted(Math.min(settings.pollIntervalMs, remainingWindowMs(window)), stopSignal);
        }
        continue;
      }
      const batch = this.buffer.splice(0, batchLength(window.bufferedPayloadBytes, settings.batchSize));
      const handled = await this.handleBatch(batch);
      if (!handled) return;
      const last = batch.at(-1);
      if (last !== undefined)
        await this.saveCheckpoint({ kind: "sequence", sequenceNumber: last.sequenceNumber });
      this.context.counters.batches++;
      this.context.counters.records += batch.length;
    }
  }

  /** A new iterator after the last record read, else after the checkpoint, else at the start position. */
  private async renewIterator(): Promise<void> {
    const after = this.lastReadSequence ?? this.checkpoint;
    const position: IteratorPosition =
      after === undefined ? this.startPosition : { type: "AFTER_SEQUENCE_NUMBER", sequenceNumber: after };
    try {
      this.iterator = await this.context.source.shardIterator(
        this.shardId,
        position,
        this.context.stopSignal,
      );
      this.consecutiveReadErrors = 0;
    } catch (error) {
      await this.pauseAfterReadError("GetShardIterator", error);
    }
  }

  private async read(): Promise<void> {
    const { source, settings, stopSignal } = this.context;
    const iterator = this.iterator;
    if (iterator === undefined) return;
    const startedInEpoch = this.context.currentEpoch();
    let read: Awaited<ReturnType<ShardSource["getRecords"]>>;
    try {
      read = await source.getRecords(
        this.shardId,
        iterator,
        settings.batchSize - this.buffer.length,
        stopSignal,
      );
    } catch (error) {
      if (error instanceof ExpiredShardIteratorError) {
        this.context.log(`shard ${this.shardId}: iterator expired, renewing it after the last record read`);
        this.iterator = undefined;
        return;
      }
      await this.pauseAfterReadError("GetRecords", error);
      return;
    }
    this.consecutiveReadErrors = 0;
    const readAtMs = Date.now();
    for (const record of read.records) {
      const lambdaRecord = toKinesisStreamRecord(record, this.context.identity);
      this.buffer.push({
        sequenceNumber: record.sequenceNumber,
        approximateArrivalMs: record.approximateArrivalMs,
        record,
        lambdaRecord,
        payloadBytes: payloadBytesOf(lambdaRecord),
        readAtMs,
      });
    }
    const last = read.records.at(-1);
    if (last !== undefined) {
      this.lastReadSequence = last.sequenceNumber;
      this.caughtUpInEpoch = undefined;
    }
    this.iterator = read.nextIterator;
    if (read.nextIterator === undefined) this.closed = true;
    this.millisBehindLatest = read.millisBehindLatest;
    this.lastReadAtTip = read.millisBehindLatest === 0;
    if (read.records.length === 0 && this.lastReadAtTip && this.buffer.length === 0 && !this.inFlight) {
      this.caughtUpInEpoch = startedInEpoch;
    }
  }

  /** Delivers one batch until every record is handled; false if the poller stopped first (no checkpoint). */
  private async handleBatch(batch: readonly BufferedRecord[]): Promise<boolean> {
    const { settings, stopSignal, counters } = this.context;
    const state = new BatchRetryState(batch, settings);
    let lastRequestId: string | undefined;
    this.inFlight = true;
    try {
      for (;;) {
        const step = state.nextStep(Date.now());
        if (step.kind === "done") return true;
        if (step.kind === "discard") {
          if (!(await this.discard(step, lastRequestId))) return false;
          state.recordDiscarded();
          continue;
        }
        if (step.retryNumber > 0) {
          if (!(await sleepUnlessAborted(retryBackoffMs(settings, step.retryNumber), stopSignal)))
            return false;
          counters.retries++;
        }
        if (stopSignal.aborted) return false;
        counters.invocations++;
        const invocation = await this.untilGraceExpires(
          invokeStreamFunction(this.context.fn, {
            Records: step.records.map((record) => record.lambdaRecord),
          }),
        );
        if (invocation === ABANDONED) {
          this.context.log(
            `shard ${this.shardId}: stopped during an invocation; its batch will be delivered again`,
          );
          return false;
        }
        lastRequestId = invocation.requestId;
        this.account(state.recordInvocation(invocation.outcome), step.records);
        if (stopSignal.aborted && !state.isDone) return false;
      }
    } finally {
      this.inFlight = false;
    }
  }

  /** Sends the discarded records' batch info to the destination, retrying until it is stored. */
  private async discard(
    step: Extract<BatchStep<BufferedRecord>, { kind: "discard" }>,
    lastRequestId: string | undefined,
  ): Promise<boolean> {
    const { onFailure, stopSignal, counters, settings } = this.context;
    const records = step.records.map((buffered) => buffered.record);
    const message = buildKinesisFailureMessage({
      records,
      streamArn: this.context.identity.eventSourceArn,
      functionArn: this.context.functionArn,
      condition: step.condition,
      invokeCount: step.invokeCount,
      lastFailure: step.lastFailure,
      requestId: step.invokeCount > 0 && lastRequestId !== undefined ? lastRequestId : randomUUID(),
      nowMs: Date.now(),
    });
    const info = message.KinesisBatchInfo;
    const range = `${info.batchSize} record(s) ${info.startSequenceNumber}..${info.endSequenceNumber}`;
    if (onFailure === undefined) {
      this.context.log(
        `shard ${this.shardId}: discarded ${range} (${step.condition}); no on-failure destination`,
      );
      counters.discardedRecords += records.length;
      return true;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const sent = await this.untilGraceExpires(onFailure.send(message));
        if (sent === ABANDONED) return false;
        break;
      } catch (error) {
        this.context.log(
          `shard ${this.shardId}: on-failure destination ${onFailure.description} refused a message (attempt ${attempt}): ${describe(error)}`,
        );
        const pauseMs = Math.max(settings.pollIntervalMs, retryBackoffMs(settings, attempt));
        if (!(await sleepUnlessAborted(pauseMs, stopSignal))) return false;
      }
    }
    counters.discardedRecords += records.length;
    counters.deadLetterMessages++;
    this.context.log(
      `shard ${this.shardId}: discarded ${range} (${step.condition}); batch info sent to ${onFailure.description}`,
    );
    return true;
  }

  private account(verdict: InvocationVerdict, records: readonly BufferedRecord[]): void {
    const { counters, log } = this.context;
    const first = records[0]?.sequenceNumber ?? "?";
    switch (verdict.kind) {
      case "succeeded":
        return;
      case "bisected":
        counters.functionErrors++;
        counters.bisections++;
        log(`shard ${this.shardId}: function error on ${records.length} record(s) from ${first}; bisecting`);
        return;
      case "partially-failed":
        counters.reportedFailures++;
        return;
      case "failed":
        if (verdict.failure === "function-error") counters.functionErrors++;
        else counters.reportedFailures++;
        log(
          `shard ${this.shardId}: ${verdict.failure} on ${verdict.records} record(s) from ${first}: ${verdict.reason}` +
            (verdict.willRetry ? "; retrying" : "; retries exhausted"),
        );
        return;
    }
  }

  private async finish(): Promise<void> {
    await this.saveCheckpoint({ kind: "shard-end" });
    this.finished = true;
  }

  private async saveCheckpoint(checkpoint: ShardCheckpoint): Promise<void> {
    if (checkpoint.kind === "sequence") this.checkpoint = checkpoint.sequenceNumber;
    try {
      await this.context.saveCheckpoint(this.shardId, checkpoint);
    } catch (error) {
      // The next checkpoint covers this one; until then a restart redelivers a little more.
      this.context.log(`shard ${this.shardId}: could not save the checkpoint: ${describe(error)}`);
    }
  }

  private async pauseAfterReadError(operation: string, error: unknown): Promise<void> {
    const { stopSignal, settings, counters, log } = this.context;
    if (stopSignal.aborted) return;
    counters.readErrors++;
    this.consecutiveReadErrors++;
    log(
      `shard ${this.shardId}: ${operation} failed (${this.consecutiveReadErrors} in a row): ${describe(error)}`,
    );
    const pauseMs = Math.max(settings.pollIntervalMs, retryBackoffMs(settings, this.consecutiveReadErrors));
    await sleepUnlessAborted(pauseMs, stopSignal);
  }

  /** `work`'s result, or ABANDONED when a stopping poller's grace period ends first. */
  private untilGraceExpires<T>(work: Promise<T>): Promise<T | typeof ABANDONED> {
    return Promise.race([work, this.context.graceExpired.then((): typeof ABANDONED => ABANDONED)]);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
