import { randomUUID } from "node:crypto";
import {
  type _Record,
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordsCommand,
} from "@aws-sdk/client-kinesis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestKinesisClient } from "../../support/aws-clients.ts";
import { waitUntil } from "./wait-until.ts";

// The streaming path in miniature: the events Lambda writes with PutRecords, and the event-source mapping
// reads with GetShardIterator + GetRecords (polled, as Lambda does), in order within the shard.
describe("Kinesis (local cloud)", () => {
  const client = createTestKinesisClient();
  const streamName = `local-cloud-${randomUUID()}`;

  beforeAll(async () => {
    await client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: 1 }));
    // Like AWS, the emulator creates the stream asynchronously.
    await waitUntil("the stream is ACTIVE", async () => {
      const { StreamDescriptionSummary } = await client.send(
        new DescribeStreamSummaryCommand({ StreamName: streamName }),
      );
      return StreamDescriptionSummary?.StreamStatus === "ACTIVE" ? true : undefined;
    });
  });

  afterAll(async () => {
    await client.send(new DeleteStreamCommand({ StreamName: streamName }));
    client.destroy();
  });

  it("returns records put with PutRecords from GetRecords, in order", async () => {
    const events = Array.from({ length: 5 }, (_, index) => ({ eventId: `event-${index}`, userId: "user-1" }));
    const put = await client.send(
      new PutRecordsCommand({
        StreamName: streamName,
        Records: events.map((event) => ({
          PartitionKey: event.userId,
          Data: new TextEncoder().encode(JSON.stringify(event)),
        })),
      }),
    );
    expect(put.FailedRecordCount ?? 0).toBe(0);
    expect(put.Records?.every((record) => record.SequenceNumber !== undefined)).toBe(true);

    const { Shards } = await client.send(new ListShardsCommand({ StreamName: streamName }));
    const shardId = Shards?.[0]?.ShardId;
    expect(shardId).toBeDefined();
    const { ShardIterator } = await client.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: shardId,
        ShardIteratorType: "TRIM_HORIZON",
      }),
    );

    const received: _Record[] = [];
    let iterator = ShardIterator;
    await waitUntil("all records are read back", async () => {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 100 }));
      received.push(...(page.Records ?? []));
      iterator = page.NextShardIterator;
      return received.length >= events.length ? true : undefined;
    });

    const decoded = received.map((record) => JSON.parse(new TextDecoder().decode(record.Data)));
    expect(decoded).toEqual(events);
    expect(received.map((record) => record.SequenceNumber)).toEqual(
      put.Records?.map((record) => record.SequenceNumber),
    );
  });
});
