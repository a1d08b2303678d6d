import type { KinesisStreamRecord } from "aws-lambda";

/** One record as GetRecords returned it, with the shard it was read from. */
export interface ShardRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly data: Uint8Array;
  /** Kinesis's ApproximateArrivalTimestamp, in epoch milliseconds. */
  readonly approximateArrivalMs: number;
}

/** What every record of one event-source mapping carries besides its own data. */
export interface EventSourceIdentity {
  /** The stream's ARN, `arn:aws:kinesis:<region>:<account>:stream/<name>`. */
  readonly eventSourceArn: string;
  readonly awsRegion: string;
  /** The role Lambda invokes the function with (its execution role). */
  readonly invokeIdentityArn: string;
}

/**
 * A record exactly as the Kinesis event-source mapping puts it in a Lambda event: data base64-encoded, the
 * arrival time in (fractional) epoch seconds, and the event id `<shardId>:<sequenceNumber>`, from which a
 * handler learns the shard.
 */
export function toKinesisStreamRecord(record: ShardRecord, source: EventSourceIdentity): KinesisStreamRecord {
  return {
    kinesis: {
      kinesisSchemaVersion: "1.0",
      partitionKey: record.partitionKey,
      sequenceNumber: record.sequenceNumber,
      data: Buffer.from(record.data.buffer, record.data.byteOffset, record.data.byteLength).toString(
        "base64",
      ),
      approximateArrivalTimestamp: record.approximateArrivalMs / 1000,
    },
    eventSource: "aws:kinesis",
    eventVersion: "1.0",
    eventID: `${record.shardId}:${record.sequenceNumber}`,
    eventName: "aws:kinesis:record",
    invokeIdentityArn: source.invokeIdentityArn,
    awsRegion: source.awsRegion,
    eventSourceARN: source.eventSourceArn,
  };
}

/** The bytes one record adds to the invocation payload: its JSON and the comma that separates it. */
export function payloadBytesOf(record: KinesisStreamRecord): number {
  return Buffer.byteLength(JSON.stringify(record), "utf8") + 1;
}

/** The parts of a Kinesis stream ARN; undefined when `arn` is not one. */
export function parseKinesisStreamArn(
  arn: string,
): { readonly region: string; readonly accountId: string; readonly streamName: string } | undefined {
  const match = /^arn:aws[a-zA-Z-]*:kinesis:([a-z0-9-]+):(\d{12}):stream\/([a-zA-Z0-9_.-]+)$/.exec(arn);
  if (match === null) return undefined;
  const [, region = "", accountId = "", streamName = ""] = match;
  return { region, accountId, streamName };
}
