import { type KinesisClient, ListShardsCommand, UpdateShardCountCommand } from "@aws-sdk/client-kinesis";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { KinesisStreamEvent } from "aws-lambda";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createKinesisClient } from "../../../layers/adapters/aws/kinesis/kinesis-client.ts";
import {
  type KinesisEventSourcePoller,
  type KinesisEventSourcePollerOptions,
  startKinesisEventSourcePoller,
} from "../../../local/streaming/kinesis-event-source-poller.ts";
import {
  createSqsDeadLetterDestination,
  readDiscardedRecords,
} from "../../../local/streaming/sqs-dead-letter-destination.ts";
import {
  createTestQueue,
  createTestSqsClient,
  createTestStream,
  decodeData,
  deleteTestQueue,
  deleteTestStream,
  putRecords,
  receiveFailureMessages,
  type TestStream,
  waitUntilActive,
} from "./streaming-fixtures.ts";

// The local event-source mapping against kinesis-mock, with moto's SQS as the on-failure destination: each
// test has a stream (and a queue) of its own, the poller runs the handler as Lambda would, and the tests
// look at what the handler received and what reached the queue.

let kinesis: KinesisClient;
let sqs: SQSClient;
const pollers: KinesisEventSourcePoller[] = [];
const streams: TestStream[] = [];
const queues: string[] = [];

beforeAll(() => {
  kinesis = createKinesisClient();
  sqs = createTestSqsClient();
});

afterEach(async () => {
  await Promise.all(pollers.splice(0).map((poller) => poller.stop()));
  await Promise.all(streams.splice(0).map((stream) => deleteTestStream(kinesis, stream)));
  await Promise.all(queues.splice(0).map((queueUrl) => deleteTestQueue(sqs, queueUrl)));
});

afterAll(() => {
  kinesis.destroy();
  sqs.destroy();
});

async function newStream(shards = 1): Promise<TestStream> {
  const stream = await createTestStream(kinesis, shards);
  streams.push(stream);
  return stream;
}

async function newQueue(): Promise<string> {
  const queueUrl = await createTestQueue(sqs);
  queues.push(queueUrl);
  return queueUrl;
}

async function startPoller(
  options: Partial<KinesisEventSourcePollerOptions> &
    Pick<KinesisEventSourcePollerOptions, "stream" | "handler">,
): Promise<KinesisEventSourcePoller> {
  const poller = await startKinesisEventSourcePoller({
    client: kinesis,
    startingPosition: "TRIM_HORIZON",
    pollIntervalMs: 50,
    shardDiscoveryIntervalMs: 250,
    retryBackoff: { baseMs: 20, maxMs: 100 },
    log: () => {},
    ...options,
  });
  pollers.push(poller);
  return poller;
}

/** Each invocation's records, decoded. */
function recordInvocations(invocations: string[][]) {
  return (event: KinesisStreamEvent) => {
    const data = event.Records.map((record) => decodeData(record.kinesis.data));
    invocations.push(data);
    return data;
  };
}

const names = (prefix: string, count: number, from = 0) =>
  Array.from({ length: count }, (_, index) => `${prefix}${String(from + index).padStart(2, "0")}`);

describe("the local Kinesis event-source mapping", () => {
  it("delivers every shard in order, in batches of at most BatchSize from one shard, in the AWS shape", async () => {
    const stream = await newStream(2);
    const keys = Array.from({ length: 8 }, (_, index) => `user-${index}`);
    const put = await putRecords(
      kinesis,
      stream.streamName,
      Array.from({ length: 120 }, (_, index) => {
        const partitionKey = keys[index % keys.length] ?? "user";
        return { partitionKey, data: JSON.stringify({ partitionKey, n: Math.floor(index / keys.length) }) };
      }),
    );
    expect(new Set(put.map((record) => record.shardId)).size).toBe(2);
    const events: KinesisStreamEvent[] = [];
    const poller = await startPoller({
      stream: { streamName: stream.streamName },
      batchSize: 25,
      maximumBatchingWindowMs: 200,
      handler: async (event) => void events.push(event),
    });
    const stats = await poller.whenIdle();

    const records = events.flatMap((event) => event.Records);
    expect(records).toHaveLength(120);
    for (const event of events) {
      expect(event.Records.length).toBeLessThanOrEqual(25);
      expect(new Set(event.Records.map((record) => record.eventID.split(":")[0])).size).toBe(1);
    }
    // Per shard: sequence numbers only grow, across batches too, and match what PutRecords answered.
    for (const shardId of new Set(put.map((record) => record.shardId))) {
      const delivered = records.filter((record) => record.eventID.startsWith(`${shardId}:`));
      const expected = put.filter((record) => record.shardId === shardId);
      expect(delivered.map((record) => record.kinesis.sequenceNumber)).toEqual(
        expected.map((record) => record.sequenceNumber),
      );
    }
    // Per partition key: the events in the order they were put.
    for (const key of keys) {
      const sequence = records
        .filter((record) => record.kinesis.partitionKey === key)
        .map((record) => (JSON.parse(decodeData(record.kinesis.data)) as { n: number }).n);
      expect(sequence).toEqual(Array.from({ length: 15 }, (_, n) => n));
    }
    const first = records[0];
    const firstPut = put.find((record) => record.sequenceNumber === first?.kinesis.sequenceNumber);
    expect(first).toStrictEqual({
      kinesis: {
        kinesisSchemaVersion: "1.0",
        partitionKey: firstPut?.partitionKey,
        sequenceNumber: firstPut?.sequenceNumber,
        data: Buffer.from(firstPut?.data ?? "").toString("base64"),
        approximateArrivalTimestamp: expect.any(Number),
      },
      eventSource: "aws:kinesis",
      eventVersion: "1.0",
      eventID: `${firstPut?.shardId}:${firstPut?.sequenceNumber}`,
      eventName: "aws:kinesis:record",
      invokeIdentityArn: "arn:aws:iam::000000000000:role/flywheel-stream-role",
      awsRegion: process.env.AWS_REGION,
      eventSourceARN: stream.streamArn,
    });
    expect(stream.streamArn).toBe(
      `arn:aws:kinesis:${process.env.AWS_REGION}:000000000000:stream/${stream.streamName}`,
    );
    // In seconds, not milliseconds: the Lambda event's unit.
    expect(first?.kinesis.approximateArrivalTimestamp).toBeLessThan(1e11);
    expect(stats).toMatchObject({ records: 120, retries: 0, functionErrors: 0, discardedRecords: 0 });
  });

  it("gathers records that arrive within the batching window into one batch", async () => {
    const stream = await newStream();
    const invocations: string[][] = [];
    const handle = recordInvocations(invocations);
    const poller = await startPoller({
      stream: { streamName: stream.streamName },
      maximumBatchingWindowMs: 1000,
      handler: async (event) => void handle(event),
    });
    await poller.whenIdle();
    for (const data of ["a", "b", "c"])
      await putRecords(kinesis, stream.streamName, [{ partitionKey: "k", data }]);
    await poller.whenIdle();
    expect(invocations).toEqual([["a", "b", "c"]]);
  });

  it("redelivers from the lowest reported failure, dead-letters it when retries run out, and goes on", async () => {
    const stream = await newStream();
    const queueUrl = await newQueue();
    const put = await putRecords(
      kinesis,
      stream.streamName,
      names("r", 10).map((data) => ({ partitionKey: "k", data })),
    );
    const sequenceOf = (data: string) => put.find((record) => record.data === data)?.sequenceNumber ?? "";
    const invocations: string[][] = [];
    const handle = recordInvocations(invocations);
    const poller = await startPoller({
      stream: { streamArn: stream.streamArn },
      batchSize: 10,
      maximumRetryAttempts: 2,
      reportBatchItemFailures: true,
      onFailure: createSqsDeadLetterDestination({ client: sqs, queueUrl }),
      handler: async (event) => {
        const data = handle(event);
        // r04 is poison; r07 is reported too, but the checkpoint is the lowest.
        const failed = ["r07", "r04"].filter((poison) => data.includes(poison));
        return { batchItemFailures: failed.map((poison) => ({ itemIdentifier: sequenceOf(poison) })) };
      },
    });
    await poller.whenIdle();

    expect(invocations).toEqual([names("r", 10), names("r", 6, 4), names("r", 6, 4)]);
    const [message, ...others] = await receiveFailureMessages(sqs, queueUrl, 1);
    expect(others).toEqual([]);
    expect(message).toStrictEqual({
      requestContext: {
        requestId: expect.any(String),
        functionArn: `arn:aws:lambda:${process.env.AWS_REGION}:000000000000:function:flywheel-stream`,
        condition: "RetryAttemptsExhausted",
        approximateInvokeCount: 3,
      },
      responseContext: { statusCode: 200, executedVersion: "$LATEST" },
      version: "1.0",
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      KinesisBatchInfo: {
        shardId: put[0]?.shardId,
        startSequenceNumber: sequenceOf("r04"),
        endSequenceNumber: sequenceOf("r09"),
        approximateArrivalOfFirstRecord: expect.stringMatching(/Z$/),
        approximateArrivalOfLastRecord: expect.stringMatching(/Z$/),
        batchSize: 6,
        streamArn: stream.streamArn,
      },
    });
    // An operator reads the poison records back from the stream with the message alone.
    if (message === undefined) throw new Error("no message");
    const discarded = await readDiscardedRecords(kinesis, message);
    expect(discarded.map((record) => Buffer.from(record.data).toString())).toEqual(names("r", 6, 4));

    // The shard is not blocked: later records are delivered.
    const later = await putRecords(kinesis, stream.streamName, [
      { partitionKey: "k", data: "r10" },
      { partitionKey: "k", data: "r11" },
    ]);
    const stats = await poller.whenIdle();
    expect(invocations.at(-1)).toEqual(["r10", "r11"]);
    expect(stats).toMatchObject({
      retries: 2,
      reportedFailures: 3,
      discardedRecords: 6,
      deadLetterMessages: 1,
    });
    expect(stats.shards[put[0]?.shardId ?? ""]?.checkpoint).toBe(later.at(-1)?.sequenceNumber);
  });

  it("bisects on function errors so that only the poison record is dead-lettered", async () => {
    const stream = await newStream();
    const queueUrl = await newQueue();
    const put = await putRecords(
      kinesis,
      stream.streamName,
      names("r", 8).map((data) => ({ partitionKey: "k", data })),
    );
    const succeeded: string[] = [];
    const invocations: string[][] = [];
    const handle = recordInvocations(invocations);
    const poller = await startPoller({
      stream: { streamName: stream.streamName },
      batchSize: 8,
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: 1,
      onFailure: createSqsDeadLetterDestination({ client: sqs, queueUrl }),
      handler: async (event) => {
        const data = handle(event);
        if (data.includes("r03")) throw new Error("cannot decode r03");
        succeeded.push(...data);
      },
    });
    const stats = await poller.whenIdle();

    expect(succeeded.sort()).toEqual(names("r", 8).filter((data) => data !== "r03"));
    expect(stats).toMatchObject({ bisections: 3, discardedRecords: 1, deadLetterMessages: 1 });
    const messages = await receiveFailureMessages(sqs, queueUrl, 1);
    const r03 = put.find((record) => record.data === "r03")?.sequenceNumber;
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      requestContext: { condition: "RetryAttemptsExhausted", approximateInvokeCount: 5 },
      responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
      KinesisBatchInfo: { startSequenceNumber: r03, endSequenceNumber: r03, batchSize: 1 },
    });
  });

  it("dead-letters a record that keeps failing once it is older than the maximum record age", async () => {
    const stream = await newStream();
    const queueUrl = await newQueue();
    const [stale] = await putRecords(kinesis, stream.streamName, [{ partitionKey: "k", data: "stale" }]);
    const succeeded: string[] = [];
    const poller = await startPoller({
      stream: { streamName: stream.streamName },
      maximumRetryAttempts: -1,
      maximumRecordAgeMs: 1_500,
      onFailure: createSqsDeadLetterDestination({ client: sqs, queueUrl }),
      handler: async (event) => {
        const data = event.Records.map((record) => decodeData(record.kinesis.data));
        if (data.includes("stale")) throw new Error("a dependency is down");
        succeeded.push(...data);
      },
    });
    const [message] = await receiveFailureMessages(sqs, queueUrl, 1);
    expect(message?.requestContext.condition).toBe("RecordAgeExceeded");
    expect(message?.requestContext.approximateInvokeCount).toBeGreaterThan(1);
    expect(message?.KinesisBatchInfo).toMatchObject({
      startSequenceNumber: stale?.sequenceNumber,
      endSequenceNumber: stale?.sequenceNumber,
      batchSize: 1,
    });

    await putRecords(kinesis, stream.streamName, [{ partitionKey: "k", data: "fresh" }]);
    await poller.whenIdle();
    expect(succeeded).toEqual(["fresh"]);
  });

  it("picks up the children of a reshard after reading their parent to its end", async () => {
    const stream = await newStream(1);
    const invocations: string[][] = [];
    const events: KinesisStreamEvent[] = [];
    const handle = recordInvocations(invocations);
    const poller = await startPoller({
      stream: { streamName: stream.streamName },
      maximumBatchingWindowMs: 0,
      handler: async (event) => {
        events.push(event);
        handle(event);
      },
    });
    const [parent] = await putRecords(
      kinesis,
      stream.streamName,
      names("before", 3).map((data) => ({ partitionKey: "user-1", data })),
    );
    await poller.whenIdle();

    await kinesis.send(
      new UpdateShardCountCommand({
        StreamName: stream.streamName,
        TargetShardCount: 2,
        ScalingType: "UNIFORM_SCALING",
      }),
    );
    await waitUntilActive(kinesis, stream.streamName);
    const after = await putRecords(
      kinesis,
      stream.streamName,
      names("after", 3).map((data) => ({ partitionKey: "user-1", data })),
    );
    const stats = await poller.whenIdle();

    expect(invocations.flat()).toEqual([...names("before", 3), ...names("after", 3)]);
    const child = after[0]?.shardId ?? "";
    expect(child).not.toBe(parent?.shardId);
    const shards = await kinesis.send(new ListShardsCommand({ StreamName: stream.streamName }));
    expect(shards.Shards?.find((shard) => shard.ShardId === child)?.ParentShardId).toBe(parent?.shardId);
    expect(stats.shards[parent?.shardId ?? ""]?.finished).toBe(true);
    expect(stats.shards[child]?.checkpoint).toBe(after.at(-1)?.sequenceNumber);
    expect(events.at(-1)?.Records.every((record) => record.eventID.startsWith(`${child}:`))).toBe(true);
  });
});
