import type { MSKEvent } from "aws-lambda";
import { decodeStreamEvent, PoisonRecordError } from "../../layers/domain/events/stream-event-codec.ts";
import { streamBatchCorrelationId } from "../commons/correlation-id.ts";
import type { DeliveredRecord } from "./kinesis-event-records.ts";

/**
 * The records of an MSK (Kafka) event-source-mapping batch. The event groups records under
 * `<topic>-<partition>` keys; within a partition they come in offset order, and one user's events share a
 * partition (the key is the user id), so the domain sees each user's events in order, as with Kinesis.
 * `position` is `<topic>-<partition>:<offset>`.
 */
export function mskDeliveredRecords(event: MSKEvent): DeliveredRecord[] {
  return Object.entries(event.records).flatMap(([topicPartition, records]) =>
    records.map((record): DeliveredRecord => {
      const position = `${topicPartition}:${record.offset}`;
      try {
        const bytes = Buffer.from(record.value ?? "", "base64");
        return { position, shardId: topicPartition, event: decodeStreamEvent(bytes) };
      } catch (error) {
        if (error instanceof PoisonRecordError) return { position, shardId: topicPartition, poison: error };
        throw error;
      }
    }),
  );
}

/** The raw value of a record, by position, for the dead-letter queue. */
export function mskPayloads(event: MSKEvent): Map<string, Uint8Array> {
  const payloads = new Map<string, Uint8Array>();
  for (const [topicPartition, records] of Object.entries(event.records))
    for (const record of records)
      payloads.set(`${topicPartition}:${record.offset}`, Buffer.from(record.value ?? "", "base64"));
  return payloads;
}

/**
 * The batch's correlation id, `<topic>-<partition>:<first offset>..<last>` of its first partition, for every
 * log line of the invocation. Read before the batch is decoded, by the logging middleware: nothing is trusted.
 */
export function mskBatchCorrelationId(event: MSKEvent): string | undefined {
  const [first] = Object.entries(event.records ?? {});
  if (first === undefined) return undefined;
  const [topicPartition, records] = first;
  return streamBatchCorrelationId(
    (records ?? []).map((record) => ({ shardId: topicPartition, position: String(record.offset) })),
  );
}
