import { describe, expect, it } from "vitest";
import { batchIsReady, batchLength, remainingWindowMs } from "../../../local/streaming/batch-window.ts";

describe("batchLength", () => {
  it("takes at most the batch size", () => {
    expect(batchLength([10, 10, 10, 10], 3)).toBe(3);
    expect(batchLength([10, 10], 3)).toBe(2);
    expect(batchLength([], 3)).toBe(0);
  });

  it("stops before the payload limit", () => {
    // 14 bytes of envelope + 40 + 40 fit in 100; a third record would not.
    expect(batchLength([40, 40, 40], 10, 100)).toBe(2);
  });

  it("always takes one record, whatever its size", () => {
    expect(batchLength([500, 10], 10, 100)).toBe(1);
  });
});

describe("batchIsReady", () => {
  const base = {
    bufferedRecords: 3,
    bufferedPayloadBytes: [10, 10, 10],
    batchSize: 10,
    maximumBatchingWindowMs: 500,
    firstBufferedAtMs: 1_000,
    nowMs: 1_200,
    shardExhausted: false,
  };

  it("waits for more records while the window is open", () => {
    expect(batchIsReady(base)).toBe(false);
  });

  it("invokes once the window has passed", () => {
    expect(batchIsReady({ ...base, nowMs: 1_500 })).toBe(true);
  });

  it("invokes at once when the batch is full", () => {
    expect(batchIsReady({ ...base, bufferedRecords: 10, bufferedPayloadBytes: Array(10).fill(10) })).toBe(
      true,
    );
  });

  it("invokes at once when the next record would not fit the payload", () => {
    expect(batchIsReady({ ...base, maxPayloadBytes: 30 })).toBe(true);
  });

  it("invokes at once when the shard is closed and read to its end", () => {
    expect(batchIsReady({ ...base, shardExhausted: true })).toBe(true);
  });

  it("invokes at once with no window", () => {
    expect(batchIsReady({ ...base, maximumBatchingWindowMs: 0 })).toBe(true);
  });

  it("has nothing to invoke with no record", () => {
    expect(batchIsReady({ ...base, bufferedRecords: 0, bufferedPayloadBytes: [], nowMs: 9_000 })).toBe(false);
  });
});

describe("remainingWindowMs", () => {
  it("counts down to the end of the window, then stays at 0", () => {
    const window = { firstBufferedAtMs: 1_000, maximumBatchingWindowMs: 500 };
    expect(remainingWindowMs({ ...window, nowMs: 1_200 })).toBe(300);
    expect(remainingWindowMs({ ...window, nowMs: 1_900 })).toBe(0);
  });
});
