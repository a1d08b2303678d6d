import { setTimeout as delay } from "node:timers/promises";
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
} from "@aws-sdk/client-kinesis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKinesisClient } from "../../../layers/adapters/aws/kinesis/kinesis-client.ts";
import { KinesisEventBus } from "../../../layers/adapters/aws/kinesis/kinesis-event-bus.ts";
import { KINESIS_MAX_RECORD_BYTES } from "../../../layers/adapters/aws/kinesis/kinesis-record-batches.ts";
import { KinesisStreamReader } from "../../../layers/adapters/aws/kinesis/kinesis-stream-reader.ts";
import type { StreamEvent } from "../../../layers/ports/event-bus.ts";
import { describeEventBusContract } from "../../contract/event-bus-contract.ts";
import { uniqueId } from "../../contract/unique-id.ts";

// The Kinesis event bus against a Kinesis endpoint (AWS_ENDPOINT_URL_KINESIS), on a stream of its own with
// several shards, read back the way the event-source mapping reads it (GetRecords on every shard).

const streamName = uniqueId("flywheel-it");
const stream = { streamName };
let client: KinesisClient | undefined;

function kinesis(): KinesisClient {
  if (client === undefined) throw new Error("the Kinesis client is created in beforeAll");
  return client;
}

beforeAll(async () => {
  client = createKinesisClient();
  await client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: 3 }));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
    if (summary.StreamDescriptionSummary?.StreamStatus === "ACTIVE") break;
    if (Date.now() > deadline) throw new Error(`stream ${streamName} not ACTIVE within 30 s`);
    await delay(100);
  }
});

afterAll(async () => {
  const finished = client;
  client = undefined;
  await finished?.send(new DeleteStreamCommand({ StreamName: streamName, EnforceConsumerDeletion: true }));
  finished?.destroy();
});

function decode(data: Uint8Array): StreamEvent {
  return JSON.parse(Buffer.from(data).toString("utf8")) as StreamEvent;
}

describeEventBusContract("kinesis", async () => {
  const reader = new KinesisStreamReader({ client: kinesis(), stream });
  const mark = await reader.mark();
  return {
    subject: new KinesisEventBus({ client: kinesis(), stream }),
    maxRecordBytes: KINESIS_MAX_RECORD_BYTES,
    readPublished: async (userIds, expectedCount) => {
      const users = new Set(userIds);
      const records = await reader.read(mark, {
        expectedCount,
        select: (record) => users.has(record.partitionKey),
      });
      return records.map((record) => decode(record.data));
    },
    cleanup: async () => {},
  };
});

describe("KinesisEventBus on a Kinesis endpoint", () => {
  it("partitions by user id and hashes a user id too long to be a partition key", async () => {
    const reader = new KinesisStreamReader({ client: kinesis(), stream });
    const mark = await reader.mark();
    const bus = new KinesisEventBus({ client: kinesis(), stream });
    const shortUser = uniqueId("user");
    const longUser = `${uniqueId("user")}-${"ü".repeat(300)}`;
    const events = [shortUser, longUser].map((userId) => ({
      eventId: uniqueId("event"),
      userId,
      itemId: "item",
      type: "view" as const,
      timestamp: Date.now(),
      receivedAt: Date.now(),
    }));
    expect(await bus.publish(events)).toEqual({ failed: [] });
    const records = await reader.read(mark, {
      expectedCount: 2,
      select: (record) => [shortUser, longUser].includes(decode(record.data).userId),
    });
    const byUser = new Map(records.map((record) => [decode(record.data).userId, record.partitionKey]));
    expect(byUser.get(shortUser)).toBe(shortUser);
    expect(byUser.get(longUser)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("reads back only what was published after the reader's mark", async () => {
    const reader = new KinesisStreamReader({ client: kinesis(), stream });
    const bus = new KinesisEventBus({ client: kinesis(), stream });
    const userId = uniqueId("user");
    const event = (eventId: string): StreamEvent => ({
      eventId,
      userId,
      itemId: "item",
      type: "click",
      timestamp: Date.now(),
      receivedAt: Date.now(),
    });
    expect(await bus.publish([event("before-the-mark")])).toEqual({ failed: [] });
    const mark = await reader.mark();
    expect(await bus.publish([event("after-the-mark")])).toEqual({ failed: [] });
    const records = await reader.read(mark, {
      expectedCount: 1,
      select: (record) => record.partitionKey === userId,
    });
    expect(records.map((record) => decode(record.data).eventId)).toEqual(["after-the-mark"]);
  });

  it("addresses the stream by ARN as well as by name", async () => {
    const summary = await kinesis().send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
    const streamArn = summary.StreamDescriptionSummary?.StreamARN;
    if (streamArn === undefined) throw new Error("the stream has no ARN");
    const byArn = { streamArn };
    const reader = new KinesisStreamReader({ client: kinesis(), stream: byArn });
    const mark = await reader.mark();
    const userId = uniqueId("user");
    const event: StreamEvent = {
      eventId: uniqueId("event"),
      userId,
      itemId: "item",
      type: "purchase",
      value: 2,
      timestamp: Date.now(),
      receivedAt: Date.now(),
    };
    expect(await new KinesisEventBus({ client: kinesis(), stream: byArn }).publish([event])).toEqual({
      failed: [],
    });
    const records = await reader.read(mark, {
      expectedCount: 1,
      select: (record) => record.partitionKey === userId,
    });
    expect(records.map((record) => decode(record.data))).toEqual([event]);
  });
});
