/** Lambda's payload limit for a synchronous invocation: a batch's event never exceeds it. */
export const SYNCHRONOUS_PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024;

/** `{"Records":[]}`: the event around the records. */
const EVENT_ENVELOPE_BYTES = 14;

/**
 * How many of the buffered records (front first) go into the next batch: at most `batchSize`, and no more
 * than fit the payload limit. At least one when any is buffered: a Kinesis record (1 MiB at most, 1.4 MiB
 * in base64) always fits alone.
 */
export function batchLength(
  payloadBytes: readonly number[],
  batchSize: number,
  maxPayloadBytes = SYNCHRONOUS_PAYLOAD_LIMIT_BYTES,
): number {
  let total = EVENT_ENVELOPE_BYTES;
  let count = 0;
  for (const bytes of payloadBytes) {
    if (count >= batchSize) break;
    if (count > 0 && total + bytes > maxPayloadBytes) break;
    total += bytes;
    count++;
  }
  return count;
}

export interface BatchWindowState {
  /** Records read and not yet delivered. */
  readonly bufferedRecords: number;
  /** Their payload bytes, as `batchLength` counts them. */
  readonly bufferedPayloadBytes: readonly number[];
  readonly batchSize: number;
  readonly maximumBatchingWindowMs: number;
  /** When the oldest buffered record was read (epoch ms). */
  readonly firstBufferedAtMs: number | undefined;
  readonly nowMs: number;
  /** The shard is closed and read to its end: nothing more can join the batch. */
  readonly shardExhausted: boolean;
  readonly maxPayloadBytes?: number;
}

/**
 * Whether to invoke now or keep gathering, as the event-source mapping's batching window does: invoke once
 * the batch is full (BatchSize records, or the payload limit), the window since the first buffered record
 * has passed, or nothing more can arrive.
 */
export function batchIsReady(state: BatchWindowState): boolean {
  if (state.bufferedRecords === 0) return false;
  if (state.bufferedRecords >= state.batchSize || state.shardExhausted) return true;
  const fitting = batchLength(state.bufferedPayloadBytes, state.batchSize, state.maxPayloadBytes);
  if (fitting < state.bufferedRecords) return true;
  if (state.firstBufferedAtMs === undefined) return true;
  return state.nowMs - state.firstBufferedAtMs >= state.maximumBatchingWindowMs;
}

/** How long to wait before the window closes (0 when it has). */
export function remainingWindowMs(
  state: Pick<BatchWindowState, "firstBufferedAtMs" | "nowMs" | "maximumBatchingWindowMs">,
): number {
  if (state.firstBufferedAtMs === undefined) return 0;
  return Math.max(0, state.firstBufferedAtMs + state.maximumBatchingWindowMs - state.nowMs);
}
