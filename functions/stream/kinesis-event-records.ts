import type { KinesisStreamEvent } from "aws-lambda";
import { decodeStreamEvent, PoisonRecordError } from "../../layers/domain/events/stream-event-codec.ts";
import type { StreamEvent } from "../../layers/ports/event-bus.ts";
import { streamBatchCorrelationId } from "../commons/correlation-id.ts";

/** One record of a delivered batch: its place in the stream and either the event or why it is poison. */
export type DeliveredRecord =
  | { readonly position: string; readonly shardId: string; readonly event: StreamEvent }
  | { readonly position: string; readonly shardId: string; readonly poison: PoisonRecordError };

/**
 * The records of a Kinesis event-source-mapping batch, in delivery order. `position` is the sequence
 * number, which `batchItemFailures[].itemIdentifier` reports back; the shard id is the part of `eventID`
 * before its last colon (`shardId-000000000000:4954…`).
 */
export function kinesisDeliveredRecords(event: KinesisStreamEvent): DeliveredRecord[] {
  return event.Records.map((record) => {
    const position = record.kinesis.sequenceNumber;
    const shardId = shardIdOf(record.eventID);
    try {
      return { position, shardId, event: decodeStreamEvent(Buffer.from(record.kinesis.data, "base64")) };
    } catch (error) {
      if (error instanceof PoisonRecordError) return { position, shardId, poison: error };
      throw error;
    }
  });
}

function shardIdOf(eventId: string): string {
  const separator = eventId.lastIndexOf(":");
  return separator > 0 ? eventId.slice(0, separator) : "unknown-shard";
}

/**
 * The batch's correlation id, `shardId-…:<first sequence number>..<last>`, for every log line of the
 * invocation. Read before the batch is decoded, by the logging middleware: the event is not trusted.
 */
export function kinesisBatchCorrelationId(event: KinesisStreamEvent): string | undefined {
  const positions = (event.Records ?? []).flatMap((record) => {
    const position = record.kinesis?.sequenceNumber;
    return typeof position === "string" ? [{ shardId: shardIdOf(String(record.eventID)), position }] : [];
  });
  return streamBatchCorrelationId(positions);
}
