import { describe, expect, it } from "vitest";
import {
  buildKinesisFailureMessage,
  InvalidFailureMessageError,
  parseKinesisFailureMessage,
} from "../../../local/streaming/kinesis-failure-message.ts";
import {
  parseKinesisStreamArn,
  payloadBytesOf,
  type ShardRecord,
  toKinesisStreamRecord,
} from "../../../local/streaming/kinesis-lambda-record.ts";

// The values of the example record event in the Lambda developer guide (with-kinesis).
const exampleRecord: ShardRecord = {
  shardId: "shardId-000000000006",
  sequenceNumber: "49590338271490256608559692538361571095921575989136588898",
  partitionKey: "1",
  data: Buffer.from("Hello, this is a test.", "utf8"),
  approximateArrivalMs: 1545084650987,
};
const identity = {
  eventSourceArn: "arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream",
  awsRegion: "us-east-2",
  invokeIdentityArn: "arn:aws:iam::123456789012:role/lambda-role",
};

describe("toKinesisStreamRecord", () => {
  it("shapes a record exactly as the Kinesis event-source mapping does", () => {
    expect(toKinesisStreamRecord(exampleRecord, identity)).toStrictEqual({
      kinesis: {
        kinesisSchemaVersion: "1.0",
        partitionKey: "1",
        sequenceNumber: "49590338271490256608559692538361571095921575989136588898",
        data: "SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==",
        approximateArrivalTimestamp: 1545084650.987,
      },
      eventSource: "aws:kinesis",
      eventVersion: "1.0",
      eventID: "shardId-000000000006:49590338271490256608559692538361571095921575989136588898",
      eventName: "aws:kinesis:record",
      invokeIdentityArn: "arn:aws:iam::123456789012:role/lambda-role",
      awsRegion: "us-east-2",
      eventSourceARN: "arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream",
    });
  });

  it("encodes only the record's own bytes when its data is a view into a larger buffer", () => {
    const backing = Buffer.from("xxHIyy", "utf8");
    const record = { ...exampleRecord, data: new Uint8Array(backing.buffer, backing.byteOffset + 2, 2) };
    expect(Buffer.from(toKinesisStreamRecord(record, identity).kinesis.data, "base64").toString()).toBe("HI");
  });

  it("counts a record's payload as its JSON and a separator", () => {
    const shaped = toKinesisStreamRecord(exampleRecord, identity);
    expect(payloadBytesOf(shaped)).toBe(Buffer.byteLength(JSON.stringify(shaped)) + 1);
  });
});

describe("parseKinesisStreamArn", () => {
  it("reads region, account and name", () => {
    expect(parseKinesisStreamArn("arn:aws:kinesis:us-east-1:000000000000:stream/flywheel-events")).toEqual({
      region: "us-east-1",
      accountId: "000000000000",
      streamName: "flywheel-events",
    });
  });

  it("rejects what is not a stream ARN", () => {
    expect(parseKinesisStreamArn("flywheel-events")).toBeUndefined();
    expect(parseKinesisStreamArn("arn:aws:sqs:us-east-1:000000000000:queue")).toBeUndefined();
  });
});

describe("the on-failure message", () => {
  const later: ShardRecord = {
    ...exampleRecord,
    sequenceNumber: "49590338271490256608559692540925702759324208523137515618",
    approximateArrivalMs: 1545084711166,
  };
  const input = {
    records: [exampleRecord, later],
    streamArn: identity.eventSourceArn,
    functionArn: "arn:aws:lambda:us-east-2:123456789012:function:myfunction",
    condition: "RetryAttemptsExhausted" as const,
    invokeCount: 4,
    lastFailure: "function-error" as const,
    requestId: "c9b8fa9f-5a7f-4a3c-af9c-0c604cde93a5",
    nowMs: Date.UTC(2019, 10, 14, 0, 38, 6, 21),
  };

  it("has AWS's layout: request and response context, version, timestamp and KinesisBatchInfo", () => {
    expect(buildKinesisFailureMessage(input)).toStrictEqual({
      requestContext: {
        requestId: "c9b8fa9f-5a7f-4a3c-af9c-0c604cde93a5",
        functionArn: "arn:aws:lambda:us-east-2:123456789012:function:myfunction",
        condition: "RetryAttemptsExhausted",
        approximateInvokeCount: 4,
      },
      responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
      version: "1.0",
      timestamp: "2019-11-14T00:38:06.021Z",
      KinesisBatchInfo: {
        shardId: "shardId-000000000006",
        startSequenceNumber: "49590338271490256608559692538361571095921575989136588898",
        endSequenceNumber: "49590338271490256608559692540925702759324208523137515618",
        approximateArrivalOfFirstRecord: "2018-12-17T22:10:50.987Z",
        approximateArrivalOfLastRecord: "2018-12-17T22:11:51.166Z",
        batchSize: 2,
        streamArn: "arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream",
      },
    });
  });

  it("has no functionError when the function returned a failure report", () => {
    const message = buildKinesisFailureMessage({ ...input, lastFailure: "reported-item-failures" });
    expect(message.responseContext).toEqual({ statusCode: 200, executedVersion: "$LATEST" });
  });

  it("has no responseContext for records that aged out before any invocation", () => {
    const message = buildKinesisFailureMessage({
      ...input,
      condition: "RecordAgeExceeded",
      invokeCount: 0,
      lastFailure: undefined,
    });
    expect(message.responseContext).toBeUndefined();
    expect(message.requestContext).toMatchObject({
      condition: "RecordAgeExceeded",
      approximateInvokeCount: 0,
    });
  });

  it("needs at least one record", () => {
    expect(() => buildKinesisFailureMessage({ ...input, records: [] })).toThrow(/at least one record/);
  });

  it("reads back what it wrote", () => {
    const message = buildKinesisFailureMessage(input);
    expect(parseKinesisFailureMessage(JSON.stringify(message))).toStrictEqual(message);
  });

  it.each([
    ["not JSON", "{"],
    ["another message", JSON.stringify({ hello: "world" })],
    [
      "a message of another source",
      JSON.stringify({ ...buildKinesisFailureMessage(input), KinesisBatchInfo: undefined }),
    ],
  ])("refuses %s", (_, body) => {
    expect(() => parseKinesisFailureMessage(body)).toThrow(InvalidFailureMessageError);
  });
});
