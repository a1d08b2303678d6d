/** A stream by name (this account and region) or by ARN (any account, as IAM allows). */
export type KinesisStreamRef = { readonly streamName: string } | { readonly streamArn: string };

/** The request fields that name the stream, for any Kinesis data-plane command. */
export function streamParameters(stream: KinesisStreamRef): { StreamName?: string; StreamARN?: string } {
  return "streamArn" in stream ? { StreamARN: stream.streamArn } : { StreamName: stream.streamName };
}

export function describeStream(stream: KinesisStreamRef): string {
  return "streamArn" in stream ? stream.streamArn : stream.streamName;
}
