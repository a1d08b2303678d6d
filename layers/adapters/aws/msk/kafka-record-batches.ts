import { murmur2 } from "@platformatic/kafka";
import type { StreamEvent } from "../../../ports/event-bus.ts";
import { sizedBatches } from "../sized-batches.ts";

// Defined with the rest of the Kafka configuration, which must not load the Kafka library.
export { KAFKA_DEFAULT_MAX_MESSAGE_BYTES } from "./kafka-config.ts";

/** A record batch's header (format v2: base offset through record count). */
export const RECORD_BATCH_HEADER_BYTES = 61;

/**
 * The most framing one record adds inside a batch (format v2, no headers): its length, attributes,
 * timestamp delta, offset delta, key length, value length and header count as varints, at their widest.
 */
export const MAX_RECORD_FRAMING_BYTES = 5 + 1 + 10 + 5 + 5 + 5 + 5;

/** The largest key plus value that fits in a batch of its own under `maxMessageBytes`. */
export function maxRecordBytesFor(maxMessageBytes: number): number {
  return maxMessageBytes - RECORD_BATCH_HEADER_BYTES - MAX_RECORD_FRAMING_BYTES;
}

/** One event ready to send: where it came from, its key and value, and where it goes. */
export interface PreparedKafkaRecord {
  readonly index: number;
  /** The user id: one user's events share a partition, in order. */
  readonly key: string;
  readonly value: Buffer;
  /** Key plus value plus the most framing a record can add: what counts against a batch. */
  readonly bytes: number;
}

export type KafkaPreparation =
  | { readonly ok: true; readonly record: PreparedKafkaRecord }
  | { readonly ok: false; readonly reason: string };

/**
 * The record for one event: key = userId, value = the event as UTF-8 JSON. An event whose key and value are
 * over the record limit, or that cannot be serialised, is refused with the reason and never sent.
 */
export function prepareKafkaRecord(
  event: StreamEvent,
  index: number,
  maxRecordBytes: number,
): KafkaPreparation {
  if (typeof event.userId !== "string" || event.userId.length === 0) {
    return { ok: false, reason: "userId must be a non-empty string (it is the record key)" };
  }
  let json: string;
  try {
    json = JSON.stringify(event);
  } catch (error) {
    return { ok: false, reason: `not serialisable as JSON: ${(error as Error).message}` };
  }
  const value = Buffer.from(json, "utf8");
  const size = value.byteLength + Buffer.byteLength(event.userId, "utf8");
  if (size > maxRecordBytes) {
    return {
      ok: false,
      reason: `record is ${size} bytes (key and value), over the ${maxRecordBytes}-byte Kafka record limit`,
    };
  }
  return {
    ok: true,
    record: { index, key: event.userId, value, bytes: size + MAX_RECORD_FRAMING_BYTES },
  };
}

/**
 * Splits records, in order, into sends of at most `maxRecords` records whose batch, framing included, stays
 * within `maxMessageBytes`. Bounding the whole send bounds each partition's batch in it, whatever the
 * partitioning.
 */
export function batchKafkaRecords(
  records: readonly PreparedKafkaRecord[],
  maxRecords: number,
  maxMessageBytes: number,
): PreparedKafkaRecord[][] {
  return sizedBatches(records, maxRecords, maxMessageBytes - RECORD_BATCH_HEADER_BYTES);
}

/**
 * The partition of a key, as the Java client's default partitioner computes it (murmur2 of the key bytes,
 * sign bit cleared, modulo the partition count), so producers in any language put one user in one place.
 * The client's own default partitioner reads the hash unsigned, which puts about half of all keys elsewhere
 * unless the partition count is a power of two.
 */
export function partitionForKey(key: string, partitionCount: number): number {
  return (murmur2(Buffer.from(key, "utf8")) & 0x7fffffff) % partitionCount;
}
