import type { KinesisStreamEvent } from "aws-lambda";
import { decodeStreamEvent, PoisonRecordError } from "../../layers/domain/events/stream-event-codec.ts";
import type { StreamEvent } from "../../layers/ports/event-bus.ts";

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
    const separator = record.eventID.lastIndexOf(":");
    const shardId = separator > 0 ? record.eventID.slice(0, separator) : "unknown-shard";
    try {
      return { position, shardId, event: decodeStreamEvent(Buffer.from(record.kinesis.data, "base64")) };
    } catch (error) {
      if (error instanceof PoisonRecordError) return { position, shardId, poison: error };
      throw error;
    }
  });
}
