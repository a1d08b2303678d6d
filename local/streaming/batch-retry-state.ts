import { judgeBatchResponse } from "./batch-item-failures.ts";

/** The error-handling settings of a Kinesis event-source mapping that decide what happens to a batch. */
export interface RetryPolicy {
  /** On a function error, split the failing records in two and retry each half (no retry consumed). */
  readonly bisectBatchOnFunctionError: boolean;
  /** Retries of a record range after its first invocation; -1 retries until the records age out. */
  readonly maximumRetryAttempts: number;
  /** Records older than this (by arrival time) are discarded, not sent; -1 for no limit. */
  readonly maximumRecordAgeMs: number;
  /** Honour `batchItemFailures` in the handler's response (FunctionResponseTypes ReportBatchItemFailures). */
  readonly reportBatchItemFailures: boolean;
}

/** What `requestContext.condition` says in the on-failure message. */
export type DiscardCondition = "RetryAttemptsExhausted" | "RecordAgeExceeded";

/** How the last invocation of a range failed. */
export type FailureKind = "function-error" | "reported-item-failures" | "invalid-response";

/** How one invocation ended: the handler returned (a response, possibly empty) or failed (threw, timed out). */
export type InvocationOutcome =
  | { readonly kind: "returned"; readonly response: unknown }
  | { readonly kind: "function-error"; readonly error: unknown };

/**
 * What to do next with the batch:
 * - `invoke` the handler with `records`; `retryNumber` > 0 when those records failed before (back off);
 * - `discard` `records` (send their batch info to the on-failure destination), then carry on;
 * - `done`: every record is handled, the batch may be checkpointed.
 */
export type BatchStep<R> =
  | { readonly kind: "invoke"; readonly records: readonly R[]; readonly retryNumber: number }
  | {
      readonly kind: "discard";
      readonly records: readonly R[];
      readonly condition: DiscardCondition;
      /** Invocations that included these records (approximateInvokeCount). */
      readonly invokeCount: number;
      readonly lastFailure: FailureKind | undefined;
    }
  | { readonly kind: "done" };

/** What an invocation's outcome did to the batch, for the poller's counters and log. */
export type InvocationVerdict =
  | { readonly kind: "succeeded"; readonly records: number }
  | {
      readonly kind: "partially-failed";
      readonly succeeded: number;
      readonly failed: number;
      readonly willRetry: boolean;
    }
  | { readonly kind: "bisected"; readonly halves: readonly [number, number] }
  | {
      readonly kind: "failed";
      readonly failure: FailureKind;
      readonly records: number;
      readonly willRetry: boolean;
      readonly reason: string;
    };

/** A contiguous run of the batch's records that share a retry history. */
interface RecordRange {
  start: number;
  readonly end: number;
  /** Failed invocations that counted against the retry quota. */
  readonly failures: number;
  /** Invocations whose event included these records. */
  readonly invocations: number;
  readonly lastFailure: FailureKind | undefined;
  /** Out of retries: the next step discards it. */
  readonly exhausted: boolean;
}

/**
 * The error handling of one batch read from a shard, as the Kinesis event-source mapping applies it, with
 * no I/O: the caller asks `nextStep`, performs it, and reports back with `recordInvocation` or
 * `recordDiscarded`, until the step is `done`.
 *
 * The batch is a queue of record ranges handled front first, so records are delivered in shard order and a
 * later range is never invoked before an earlier one is handled. A range that fails is retried, counting
 * against `maximumRetryAttempts`, with these refinements:
 * - ReportBatchItemFailures: the records before the lowest reported sequence number are done; the rest is
 *   retried as a range of its own, one failure more.
 * - BisectBatchOnFunctionError: a function error (throw, timeout) splits a range of two or more records in
 *   halves, each keeping its history; a split consumes no retry, so a single bad record ends up alone and
 *   only it exhausts its retries.
 * - MaximumRecordAgeInSeconds: before each invocation the front range's records older than the limit are
 *   discarded (`RecordAgeExceeded`); the rest is still invoked.
 * A range out of retries is discarded (`RetryAttemptsExhausted`) and the batch goes on: a poison record
 * never blocks its shard.
 */
export class BatchRetryState<
  R extends { readonly sequenceNumber: string; readonly approximateArrivalMs: number },
> {
  private readonly records: readonly R[];
  private readonly policy: RetryPolicy;
  private readonly ranges: RecordRange[];
  private pending: BatchStep<R> | undefined;

  constructor(records: readonly R[], policy: RetryPolicy) {
    this.records = records;
    this.policy = policy;
    this.ranges =
      records.length === 0
        ? []
        : [
            {
              start: 0,
              end: records.length,
              failures: 0,
              invocations: 0,
              lastFailure: undefined,
              exhausted: false,
            },
          ];
  }

  /** Records at the front of the batch that are handled (delivered or discarded) for good. */
  get handledCount(): number {
    return this.ranges[0]?.start ?? this.records.length;
  }

  get isDone(): boolean {
    return this.ranges.length === 0;
  }

  /** The next thing to do at time `nowMs` (epoch ms, compared with the records' arrival times). */
  nextStep(nowMs: number): BatchStep<R> {
    if (this.pending !== undefined) throw new Error("report the outcome of the previous step first");
    const range = this.ranges[0];
    if (range === undefined) return { kind: "done" };
    const step = this.stepFor(range, nowMs);
    this.pending = step;
    return step;
  }

  /** Reports how the `invoke` step just taken ended. */
  recordInvocation(outcome: InvocationOutcome): InvocationVerdict {
    const range = this.takePending("invoke");
    const invoked: RecordRange = { ...range, invocations: range.invocations + 1 };
    const size = invoked.end - invoked.start;

    if (outcome.kind === "function-error") {
      if (this.policy.bisectBatchOnFunctionError && size > 1) {
        const middle = invoked.start + Math.ceil(size / 2);
        this.ranges.splice(
          0,
          1,
          { ...invoked, end: middle, lastFailure: "function-error" },
          { ...invoked, start: middle, lastFailure: "function-error" },
        );
        return { kind: "bisected", halves: [middle - invoked.start, invoked.end - middle] };
      }
      return this.failWhole(invoked, "function-error", errorMessage(outcome.error));
    }

    if (!this.policy.reportBatchItemFailures) return this.succeedWhole(size);
    const sequenceNumbers = this.records
      .slice(invoked.start, invoked.end)
      .map((record) => record.sequenceNumber);
    const verdict = judgeBatchResponse(outcome.response, sequenceNumbers);
    switch (verdict.kind) {
      case "complete-success":
        return this.succeedWhole(size);
      case "invalid":
        return this.failWhole(invoked, "invalid-response", verdict.reason);
      case "partial-failure": {
        const remainder = this.failed({
          ...invoked,
          start: invoked.start + verdict.firstFailedIndex,
          lastFailure: "reported-item-failures",
        });
        this.ranges[0] = remainder;
        return {
          kind: "partially-failed",
          succeeded: verdict.firstFailedIndex,
          failed: size - verdict.firstFailedIndex,
          willRetry: !remainder.exhausted,
        };
      }
    }
  }

  /** Reports that the `discard` step just taken is done (its batch info is at the destination). */
  recordDiscarded(): void {
    const step = this.pending;
    const range = this.takePending("discard");
    const discarded = step?.kind === "discard" ? step.records.length : 0;
    if (range.start + discarded >= range.end) this.ranges.shift();
    else range.start += discarded;
  }

  private stepFor(range: RecordRange, nowMs: number): BatchStep<R> {
    if (range.exhausted) {
      return {
        kind: "discard",
        records: this.records.slice(range.start, range.end),
        condition: "RetryAttemptsExhausted",
        invokeCount: range.invocations,
        lastFailure: range.lastFailure,
      };
    }
    const aged = this.agedPrefix(range, nowMs);
    if (aged > 0) {
      return {
        kind: "discard",
        records: this.records.slice(range.start, range.start + aged),
        condition: "RecordAgeExceeded",
        invokeCount: range.invocations,
        lastFailure: range.lastFailure,
      };
    }
    return {
      kind: "invoke",
      records: this.records.slice(range.start, range.end),
      retryNumber: range.failures,
    };
  }

  /** How many records at the front of `range` are older than the maximum record age. */
  private agedPrefix(range: RecordRange, nowMs: number): number {
    if (this.policy.maximumRecordAgeMs < 0) return 0;
    let count = 0;
    for (let index = range.start; index < range.end; index++) {
      const record = this.records[index];
      if (record === undefined || nowMs - record.approximateArrivalMs <= this.policy.maximumRecordAgeMs)
        break;
      count++;
    }
    return count;
  }

  private succeedWhole(size: number): InvocationVerdict {
    this.ranges.shift();
    return { kind: "succeeded", records: size };
  }

  private failWhole(range: RecordRange, failure: FailureKind, reason: string): InvocationVerdict {
    const failed = this.failed({ ...range, lastFailure: failure });
    this.ranges[0] = failed;
    return {
      kind: "failed",
      failure,
      records: range.end - range.start,
      willRetry: !failed.exhausted,
      reason,
    };
  }

  /** The range after one more failure, marked exhausted when that was past the retry quota. */
  private failed(range: RecordRange): RecordRange {
    const failures = range.failures + 1;
    const limit = this.policy.maximumRetryAttempts;
    return { ...range, failures, exhausted: limit >= 0 && failures > limit };
  }

  private takePending(kind: "invoke" | "discard"): RecordRange {
    const step = this.pending;
    const range = this.ranges[0];
    if (step?.kind !== kind || range === undefined) throw new Error(`no ${kind} step is in progress`);
    this.pending = undefined;
    return range;
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
