import { describe, expect, it } from "vitest";
import {
  BatchRetryState,
  type BatchStep,
  type InvocationOutcome,
  type RetryPolicy,
} from "../../../local/streaming/batch-retry-state.ts";

interface TestRecord {
  readonly id: number;
  readonly sequenceNumber: string;
  readonly approximateArrivalMs: number;
}

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);

/** Records 0…count−1 whose sequence numbers grow in length too (9 < 10 numerically, not as strings). */
function records(count: number, arrivalMs = NOW): TestRecord[] {
  return Array.from({ length: count }, (_, id) => ({
    id,
    sequenceNumber: String(5 + id * 3),
    approximateArrivalMs: arrivalMs,
  }));
}

function policy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  return {
    bisectBatchOnFunctionError: false,
    maximumRetryAttempts: 3,
    maximumRecordAgeMs: -1,
    reportBatchItemFailures: false,
    ...overrides,
  };
}

interface Run {
  /** The ids of each invocation's records, in order. */
  readonly invocations: number[][];
  /** Each discard: its ids, condition and invoke count. */
  readonly discards: Array<{
    ids: number[];
    condition: string;
    invokeCount: number;
    lastFailure: string | undefined;
  }>;
  /** Ids in invocations that ended as a success for them. */
  readonly delivered: number[];
  readonly bisections: number;
}

/** Drives a batch to its end with `handler` standing in for the function; time moves by `tickMs` a step. */
function run(
  state: BatchRetryState<TestRecord>,
  handler: (batch: readonly TestRecord[]) => InvocationOutcome,
  options: { tickMs?: number; maxSteps?: number } = {},
): Run {
  const result: Run = { invocations: [], discards: [], delivered: [], bisections: 0 };
  let now = NOW;
  let bisections = 0;
  for (let steps = 0; steps < (options.maxSteps ?? 1000); steps++) {
    now += options.tickMs ?? 0;
    const step: BatchStep<TestRecord> = state.nextStep(now);
    if (step.kind === "done") return { ...result, bisections };
    const ids = step.records.map((record) => record.id);
    if (step.kind === "discard") {
      result.discards.push({
        ids,
        condition: step.condition,
        invokeCount: step.invokeCount,
        lastFailure: step.lastFailure,
      });
      state.recordDiscarded();
      continue;
    }
    result.invocations.push(ids);
    const verdict = state.recordInvocation(handler(step.records));
    if (verdict.kind === "succeeded") result.delivered.push(...ids);
    if (verdict.kind === "partially-failed") result.delivered.push(...ids.slice(0, verdict.succeeded));
    if (verdict.kind === "bisected") bisections++;
  }
  throw new Error("the batch did not finish");
}

const success: InvocationOutcome = { kind: "returned", response: undefined };
const thrown: InvocationOutcome = { kind: "function-error", error: new Error("boom") };

function reportFailures(...sequenceNumbers: string[]): InvocationOutcome {
  return {
    kind: "returned",
    response: { batchItemFailures: sequenceNumbers.map((itemIdentifier) => ({ itemIdentifier })) },
  };
}

describe("BatchRetryState", () => {
  it("invokes a healthy batch once and is done", () => {
    const state = new BatchRetryState(records(4), policy());
    const outcome = run(state, () => success);
    expect(outcome.invocations).toEqual([[0, 1, 2, 3]]);
    expect(outcome.discards).toEqual([]);
    expect(state.isDone).toBe(true);
    expect(state.handledCount).toBe(4);
  });

  it("retries a failing batch whole, then discards it when the retries are exhausted", () => {
    const state = new BatchRetryState(records(3), policy({ maximumRetryAttempts: 2 }));
    const outcome = run(state, () => thrown);
    expect(outcome.invocations).toEqual([
      [0, 1, 2],
      [0, 1, 2],
      [0, 1, 2],
    ]);
    expect(outcome.discards).toEqual([
      { ids: [0, 1, 2], condition: "RetryAttemptsExhausted", invokeCount: 3, lastFailure: "function-error" },
    ]);
    expect(state.isDone).toBe(true);
  });

  it("discards at the first failure when maximumRetryAttempts is 0", () => {
    const outcome = run(new BatchRetryState(records(2), policy({ maximumRetryAttempts: 0 })), () => thrown);
    expect(outcome.invocations).toEqual([[0, 1]]);
    expect(outcome.discards.map((discard) => discard.invokeCount)).toEqual([1]);
  });

  it("succeeds as soon as a retry does", () => {
    let calls = 0;
    const outcome = run(new BatchRetryState(records(2), policy()), () => (++calls < 3 ? thrown : success));
    expect(outcome.invocations).toHaveLength(3);
    expect(outcome.delivered).toEqual([0, 1]);
    expect(outcome.discards).toEqual([]);
  });

  it("reports retry numbers so the caller can back off", () => {
    const state = new BatchRetryState(records(1), policy({ maximumRetryAttempts: 2 }));
    const retryNumbers: number[] = [];
    for (;;) {
      const step = state.nextStep(NOW);
      if (step.kind !== "invoke") break;
      retryNumbers.push(step.retryNumber);
      state.recordInvocation(thrown);
    }
    expect(retryNumbers).toEqual([0, 1, 2]);
  });

  describe("with ReportBatchItemFailures", () => {
    it("checkpoints before the lowest reported record and retries from it", () => {
      const batch = records(6);
      const poison = batch[2]?.sequenceNumber ?? "";
      const later = batch[4]?.sequenceNumber ?? "";
      const state = new BatchRetryState(
        batch,
        policy({ reportBatchItemFailures: true, maximumRetryAttempts: 2 }),
      );
      const outcome = run(state, (given) =>
        given.some((record) => record.sequenceNumber === poison) ? reportFailures(later, poison) : success,
      );
      expect(outcome.invocations).toEqual([
        [0, 1, 2, 3, 4, 5],
        [2, 3, 4, 5],
        [2, 3, 4, 5],
      ]);
      expect(outcome.delivered).toEqual([0, 1]);
      expect(outcome.discards).toEqual([
        {
          ids: [2, 3, 4, 5],
          condition: "RetryAttemptsExhausted",
          invokeCount: 3,
          lastFailure: "reported-item-failures",
        },
      ]);
    });

    it("compares sequence numbers as numbers, not strings", () => {
      // Records 1 and 2 have sequence numbers "8" and "11": "11" < "8" as strings.
      const batch = records(3);
      const state = new BatchRetryState(batch, policy({ reportBatchItemFailures: true }));
      const step = state.nextStep(NOW);
      expect(step.kind).toBe("invoke");
      const verdict = state.recordInvocation(
        reportFailures(batch[2]?.sequenceNumber ?? "", batch[1]?.sequenceNumber ?? ""),
      );
      expect(verdict).toEqual({ kind: "partially-failed", succeeded: 1, failed: 2, willRetry: true });
    });

    it("goes on once a retry of the remainder succeeds", () => {
      const batch = records(4);
      let failed = false;
      const outcome = run(new BatchRetryState(batch, policy({ reportBatchItemFailures: true })), () => {
        if (failed) return success;
        failed = true;
        return reportFailures(batch[3]?.sequenceNumber ?? "");
      });
      expect(outcome.invocations).toEqual([[0, 1, 2, 3], [3]]);
      expect(outcome.delivered).toEqual([0, 1, 2, 3]);
    });

    it("takes an empty or null report as a complete success", () => {
      for (const response of [{ batchItemFailures: [] }, { batchItemFailures: null }, null, {}]) {
        const outcome = run(
          new BatchRetryState(records(2), policy({ reportBatchItemFailures: true })),
          () => ({
            kind: "returned",
            response,
          }),
        );
        expect(outcome.invocations).toEqual([[0, 1]]);
      }
    });

    it("takes an invalid report as a failure of the whole batch, without bisecting", () => {
      const outcome = run(
        new BatchRetryState(
          records(4),
          policy({
            reportBatchItemFailures: true,
            bisectBatchOnFunctionError: true,
            maximumRetryAttempts: 1,
          }),
        ),
        () => ({ kind: "returned", response: { batchItemFailures: [{ itemIdentifier: "" }] } }),
      );
      expect(outcome.invocations).toEqual([
        [0, 1, 2, 3],
        [0, 1, 2, 3],
      ]);
      expect(outcome.discards).toEqual([
        {
          ids: [0, 1, 2, 3],
          condition: "RetryAttemptsExhausted",
          invokeCount: 2,
          lastFailure: "invalid-response",
        },
      ]);
    });
  });

  it("ignores a failure report when ReportBatchItemFailures is off", () => {
    const batch = records(3);
    const outcome = run(new BatchRetryState(batch, policy()), () =>
      reportFailures(batch[0]?.sequenceNumber ?? ""),
    );
    expect(outcome.invocations).toEqual([[0, 1, 2]]);
    expect(outcome.delivered).toEqual([0, 1, 2]);
  });

  describe("with BisectBatchOnFunctionError", () => {
    it("isolates a poison record so that only it is discarded", () => {
      const state = new BatchRetryState(
        records(8),
        policy({ bisectBatchOnFunctionError: true, maximumRetryAttempts: 1 }),
      );
      const outcome = run(state, (given) => (given.some((record) => record.id === 3) ? thrown : success));
      expect(outcome.invocations).toEqual([
        [0, 1, 2, 3, 4, 5, 6, 7],
        [0, 1, 2, 3],
        [0, 1],
        [2, 3],
        [2],
        [3],
        [3],
        [4, 5, 6, 7],
      ]);
      expect(outcome.delivered.sort((a, b) => a - b)).toEqual([0, 1, 2, 4, 5, 6, 7]);
      expect(outcome.discards).toEqual([
        { ids: [3], condition: "RetryAttemptsExhausted", invokeCount: 5, lastFailure: "function-error" },
      ]);
      expect(outcome.bisections).toBe(3);
    });

    it("does not count splits against the retry quota", () => {
      // With no retries at all, the poison record is still isolated before it is discarded.
      const outcome = run(
        new BatchRetryState(
          records(5),
          policy({ bisectBatchOnFunctionError: true, maximumRetryAttempts: 0 }),
        ),
        (given) => (given.some((record) => record.id === 4) ? thrown : success),
      );
      expect(outcome.discards.map((discard) => discard.ids)).toEqual([[4]]);
      expect(outcome.delivered.sort((a, b) => a - b)).toEqual([0, 1, 2, 3]);
    });

    it("bisects a batch that first reported a partial failure, at the reported record", () => {
      const batch = records(6);
      const poison = batch[1]?.sequenceNumber ?? "";
      let first = true;
      const outcome = run(
        new BatchRetryState(
          batch,
          policy({
            bisectBatchOnFunctionError: true,
            reportBatchItemFailures: true,
            maximumRetryAttempts: 5,
          }),
        ),
        (given) => {
          if (first) {
            first = false;
            return reportFailures(poison);
          }
          return given.some((record) => record.id === 1) ? thrown : success;
        },
      );
      expect(outcome.invocations[1]).toEqual([1, 2, 3, 4, 5]);
      expect(outcome.discards.map((discard) => discard.ids)).toEqual([[1]]);
      expect(outcome.delivered.sort((a, b) => a - b)).toEqual([0, 2, 3, 4, 5]);
    });
  });

  describe("with a maximum record age", () => {
    it("discards records that are already too old, unsent, and invokes the rest", () => {
      const batch = [
        ...records(2, NOW - 10_000),
        ...records(2, NOW).map((record) => ({ ...record, id: record.id + 2 })),
      ];
      const outcome = run(new BatchRetryState(batch, policy({ maximumRecordAgeMs: 5_000 })), () => success);
      expect(outcome.discards).toEqual([
        { ids: [0, 1], condition: "RecordAgeExceeded", invokeCount: 0, lastFailure: undefined },
      ]);
      expect(outcome.invocations).toEqual([[2, 3]]);
    });

    it("retries without limit until the records age out, then discards them", () => {
      const outcome = run(
        new BatchRetryState(records(2), policy({ maximumRetryAttempts: -1, maximumRecordAgeMs: 1_000 })),
        () => thrown,
        { tickMs: 300 },
      );
      expect(outcome.invocations.length).toBeGreaterThan(1);
      expect(outcome.discards).toEqual([
        {
          ids: [0, 1],
          condition: "RecordAgeExceeded",
          invokeCount: outcome.invocations.length,
          lastFailure: "function-error",
        },
      ]);
    });
  });

  it("refuses steps out of order", () => {
    const state = new BatchRetryState(records(1), policy());
    expect(() => state.recordInvocation(success)).toThrow(/no invoke step/);
    state.nextStep(NOW);
    expect(() => state.nextStep(NOW)).toThrow(/previous step/);
    expect(() => state.recordDiscarded()).toThrow(/no discard step/);
  });

  it("is done at once for an empty batch", () => {
    expect(new BatchRetryState([], policy()).nextStep(NOW)).toEqual({ kind: "done" });
  });
});
