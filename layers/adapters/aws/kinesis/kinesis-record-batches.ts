import { createHash } from "node:crypto";
import type { StreamEvent } from "../../../ports/event-bus.ts";
import { sizedBatches } from "../sized-batches.ts";

/** Kinesis limits (PutRecords): per record, data plus partition key; per request, records and bytes. */
export const KINESIS_MAX_RECORD_BYTES = 1024 * 1024;
export const KINESIS_MAX_RECORDS_PER_REQUEST = 500;
export const KINESIS_MAX_REQUEST_BYTES = 5 * 1024 * 1024;
const MAX_PARTITION_KEY_CHARACTERS = 256;

/** One event ready to send: its position in the published array, its bytes and its partition key. */
export interface PreparedRecord {
  readonly index: number;
  readonly data: Uint8Array;
  readonly partitionKey: string;
  /** What counts against the record and request limits: data plus partition key, in bytes. */
  readonly bytes: number;
}

export type Preparation =
  | { readonly ok: true; readonly record: PreparedRecord }
  | { readonly ok: false; readonly reason: string };

/**
 * The record for one event: its UTF-8 JSON, partitioned by user so that one user's events land on one
 * shard, in order. A user id longer than a partition key may be is replaced by its SHA-256 (still one key
 * per user); an event over the record limit, or not serialisable, is refused with the reason.
 */
export function prepareRecord(event: StreamEvent, index: number, maxRecordBytes: number): Preparation {
  if (typeof event.userId !== "string" || event.userId.length === 0) {
    return { ok: false, reason: "userId must be a non-empty string (it is the partition key)" };
  }
  let json: string;
  try {
    json = JSON.stringify(event);
  } catch (error) {
    return { ok: false, reason: `not serialisable as JSON: ${(error as Error).message}` };
  }
  const partitionKey =
    [...event.userId].length <= MAX_PARTITION_KEY_CHARACTERS
      ? event.userId
      : createHash("sha256").update(event.userId).digest("hex");
  const data = Buffer.from(json, "utf8");
  const bytes = data.byteLength + Buffer.byteLength(partitionKey, "utf8");
  if (bytes > maxRecordBytes) {
    return {
      ok: false,
      reason: `record is ${bytes} bytes, over the ${maxRecordBytes}-byte Kinesis record limit`,
    };
  }
  return { ok: true, record: { index, data, partitionKey, bytes } };
}

/** Splits records, in order, into PutRecords requests within the record-count and byte limits. */
export function batchRecords(
  records: readonly PreparedRecord[],
  maxRecords = KINESIS_MAX_RECORDS_PER_REQUEST,
  maxBytes = KINESIS_MAX_REQUEST_BYTES,
): PreparedRecord[][] {
  return sizedBatches(records, maxRecords, maxBytes);
}
