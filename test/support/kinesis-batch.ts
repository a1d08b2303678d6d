import type { KinesisStreamEvent } from "aws-lambda";
import { toKinesisStreamRecord } from "../../local/streaming/kinesis-lambda-record.ts";

export interface KinesisBatchOptions {
  /** @default "shardId-000000000000" */
  readonly shardId?: string;
  /** The first record's sequence number; the others count up from it. @default 100 */
  readonly firstSequence?: bigint;
  /** @default Date.now() */
  readonly arrivalMs?: number;
  /** Each record's partition key. @default "partition" */
  readonly partitionKeyOf?: (index: number) => string;
}

const IDENTITY = {
  eventSourceArn: "arn:aws:kinesis:us-east-1:000000000000:stream/flywheel-events",
  awsRegion: "us-east-1",
  invokeIdentityArn: "arn:aws:iam::000000000000:role/flywheel-stream",
};

/**
 * A Kinesis event-source-mapping batch of one shard, one record per payload, in exactly the shape the local
 * event-source mapping delivers (the same shaping function), for calling stream handlers directly.
 */
export function kinesisBatch(
  payloads: readonly Uint8Array[],
  options: KinesisBatchOptions = {},
): KinesisStreamEvent {
  const first = options.firstSequence ?? 100n;
  const arrivalMs = options.arrivalMs ?? Date.now();
  return {
    Records: payloads.map((data, index) =>
      toKinesisStreamRecord(
        {
          shardId: options.shardId ?? "shardId-000000000000",
          sequenceNumber: String(first + BigInt(index)),
          partitionKey: options.partitionKeyOf?.(index) ?? "partition",
          data,
          approximateArrivalMs: arrivalMs,
        },
        IDENTITY,
      ),
    ),
  };
}

/** The UTF-8 bytes of a JSON value or of a raw string, as a record payload. */
export function payloadOf(value: unknown): Uint8Array {
  return new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value));
}
