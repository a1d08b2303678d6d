import {
  type BatchOutcome,
  processStreamBatch,
  type StreamingDependencies,
} from "../../layers/domain/streaming/process-stream-batch.ts";
import type { DeadLetterQueue } from "../../layers/ports/dead-letter-queue.ts";
import type { DeliveredRecord } from "./kinesis-event-records.ts";

export interface DeliveredRecordsOutcome extends BatchOutcome {
  readonly poison: number;
  /** Poison records the dead-letter queue took (0 when it refused them: they are failed instead). */
  readonly deadLettered: number;
}

/**
 * What both stream handlers (Kinesis and MSK) do with a decoded batch: poison records go straight to the
 * dead-letter queue (they can never succeed, so retrying them would only hold up their shard), and the
 * events go to the domain. If the dead-letter queue cannot take a poison record, that record is reported
 * failed like any other, so the stream delivers it again rather than losing it.
 */
export async function handleDeliveredRecords(
  deps: StreamingDependencies,
  deadLetters: DeadLetterQueue,
  records: readonly DeliveredRecord[],
  payloadOf: (position: string) => Uint8Array,
): Promise<DeliveredRecordsOutcome> {
  const events = records.flatMap((record) =>
    "event" in record ? [{ position: record.position, event: record.event }] : [],
  );
  const poison = records.flatMap((record) => ("poison" in record ? [record] : []));
  const failed = new Set<string>();
  let deadLettered = 0;
  if (poison.length > 0) {
    try {
      await deadLetters.send(
        poison.map((record) => ({
          source: record.shardId,
          position: record.position,
          reason: record.poison.message,
          payload: payloadOf(record.position),
        })),
      );
      deadLettered = poison.length;
    } catch (error) {
      deps.onError?.("send poison records to the dead-letter queue", error);
      for (const record of poison) failed.add(record.position);
    }
  }
  const outcome = await processStreamBatch(deps, events);
  for (const position of outcome.failedPositions) failed.add(position);
  return {
    ...outcome,
    // In delivery order: the Kinesis mapping resumes from the lowest reported position.
    failedPositions: records.map((record) => record.position).filter((position) => failed.has(position)),
    poison: poison.length,
    deadLettered,
  };
}
