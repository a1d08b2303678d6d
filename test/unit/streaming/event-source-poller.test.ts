import type { KinesisStreamEvent } from "aws-lambda";
import { afterEach, describe, expect, it } from "vitest";
import { InMemoryCheckpointStore } from "../../../local/streaming/checkpoint-store.ts";
import {
  type EventSourcePollerOptions,
  type KinesisEventSourcePoller,
  startEventSourcePoller,
} from "../../../local/streaming/kinesis-event-source-poller.ts";
import type { KinesisFailureMessage } from "../../../local/streaming/kinesis-failure-message.ts";
import type { OnFailureDestination } from "../../../local/streaming/on-failure-destination.ts";
import { InMemoryStream } from "./in-memory-stream.ts";

// The poller's loop on an in-memory stream: the same code as on Kinesis, minus the SDK. Short intervals keep
// it quick; the assertions are on what was delivered, never on time.

const running: KinesisEventSourcePoller[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((poller) => poller.stop()));
});

/** The data of each invocation's records, in order. */
type Deliveries = string[][];

function recordingHandler(deliveries: Deliveries, behaviour: (data: string[]) => unknown = () => undefined) {
  return async (event: KinesisStreamEvent) => {
    const data = event.Records.map((record) => Buffer.from(record.kinesis.data, "base64").toString("utf8"));
    deliveries.push(data);
    return behaviour(data) as undefined;
  };
}

function collectingDestination(): OnFailureDestination & { readonly messages: KinesisFailureMessage[] } {
  const messages: KinesisFailureMessage[] = [];
  return { description: "memory", messages, send: async (message) => void messages.push(message) };
}

async function start(
  stream: InMemoryStream,
  options: Partial<EventSourcePollerOptions> & Pick<EventSourcePollerOptions, "handler">,
) {
  const poller = await startEventSourcePoller(stream, {
    startingPosition: "TRIM_HORIZON",
    maximumBatchingWindowMs: 0,
    pollIntervalMs: 5,
    shardDiscoveryIntervalMs: 20,
    retryBackoff: { baseMs: 1, maxMs: 5 },
    log: () => {},
    ...options,
  });
  running.push(poller);
  return poller;
}

function putAll(stream: InMemoryStream, shardId: string, data: readonly string[]): void {
  for (const item of data) stream.put(shardId, item);
}

const range = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, index) => `${prefix}${index}`);

describe("the event-source poller on an in-memory stream", () => {
  it("delivers each shard in order, in batches of at most BatchSize, from one shard each", async () => {
    const stream = new InMemoryStream();
    stream.addShard("shardId-000000000000");
    stream.addShard("shardId-000000000001");
    putAll(stream, "shardId-000000000000", range("a", 25));
    putAll(stream, "shardId-000000000001", range("b", 7));
    const events: KinesisStreamEvent[] = [];
    const poller = await start(stream, {
      batchSize: 10,
      handler: async (event) => void events.push(event),
    });
    const stats = await poller.whenIdle();

    expect(events.every((event) => event.Records.length <= 10)).toBe(true);
    for (const [shardId, prefix, count] of [
      ["shardId-000000000000", "a", 25],
      ["shardId-000000000001", "b", 7],
    ] as const) {
      const batches = events.filter((event) => event.Records[0]?.eventID.startsWith(`${shardId}:`));
      expect(
        batches.every((event) => event.Records.every((record) => record.eventID.startsWith(`${shardId}:`))),
      ).toBe(true);
      const data = batches.flatMap((event) =>
        event.Records.map((record) => Buffer.from(record.kinesis.data, "base64").toString()),
      );
      expect(data).toEqual(range(prefix, count));
    }
    expect(stats).toMatchObject({ batches: 4, records: 32, invocations: 4, retries: 0, discardedRecords: 0 });
    expect(events[0]?.Records[0]).toMatchObject({
      eventSource: "aws:kinesis",
      eventName: "aws:kinesis:record",
      eventVersion: "1.0",
      awsRegion: "us-east-1",
      eventSourceARN: stream.streamArn,
      invokeIdentityArn: "arn:aws:iam::000000000000:role/flywheel-stream-role",
    });
  });

  it("starts at the tip with LATEST and delivers only what arrives after", async () => {
    const stream = new InMemoryStream();
    stream.addShard("shardId-0");
    putAll(stream, "shardId-0", ["old"]);
    const deliveries: Deliveries = [];
    const poller = await start(stream, { startingPosition: "LATEST", handler: recordingHandler(deliveries) });
    await poller.whenIdle();
    putAll(stream, "shardId-0", ["new"]);
    await poller.whenIdle();
    expect(deliveries.flat()).toEqual(["new"]);
  });

  it("renews an expired iterator after the last record read, losing and repeating nothing", async () => {
    const stream = new InMemoryStream();
    stream.addShard("shardId-0");
    putAll(stream, "shardId-0", range("r", 3));
    const deliveries: Deliveries = [];
    const poller = await start(stream, { handler: recordingHandler(deliveries) });
    await poller.whenIdle();
    stream.expireIterators();
    putAll(stream, "shardId-0", range("s", 3));
    await poller.whenIdle();
    expect(deliveries.flat()).toEqual([...range("r", 3), ...range("s", 3)]);
    // The renewed iterator started after r2 (index 3), not at the start of the shard.
    expect(stream.reads.filter((read) => read === "shardId-0@0")).toHaveLength(1);
  });

  it("retries failed reads and carries on", async () => {
    const stream = new InMemoryStream();
    stream.addShard("shardId-0");
    stream.failNextReads(3);
    putAll(stream, "shardId-0", range("r", 2));
    const deliveries: Deliveries = [];
    const poller = await start(stream, { handler: recordingHandler(deliveries) });
    const stats = await poller.whenIdle();
    expect(deliveries.flat()).toEqual(range("r", 2));
    expect(stats.readErrors).toBe(3);
  });

  it("reads a parent shard to its end before its children, which it finds after a reshard", async () => {
    const stream = new InMemoryStream();
    stream.addShard("shardId-0");
    putAll(stream, "shardId-0", range("parent", 3));
    const deliveries: Deliveries = [];
    const poller = await start(stream, { handler: recordingHandler(deliveries) });
    await poller.whenIdle();

    // A split: the parent closes; writes go to the children, which the poller has never seen.
    stream.close("shardId-0");
    stream.addShard("shardId-1", ["shardId-0"]);
    stream.addShard("shardId-2", ["shardId-0"]);
    putAll(stream, "shardId-1", range("left", 2));
    putAll(stream, "shardId-2", range("right", 2));
    const stats = await poller.whenIdle();

    const flat = deliveries.flat();
    expect(flat.slice(0, 3)).toEqual(range("parent", 3));
    expect(flat.filter((data) => data.startsWith("left"))).toEqual(range("left", 2));
    expect(flat.filter((data) => data.startsWith("right"))).toEqual(range("right", 2));
    expect(stats.shards["shardId-0"]?.finished).toBe(true);
  });

  it("holds children back until an unfinished parent is read to its end", async () => {
    const stream = new InMemoryStream();
    stream.addShard("shardId-0");
    putAll(stream, "shardId-0", range("parent", 4));
    stream.close("shardId-0");
    stream.addShard("shardId-1", ["shardId-0"]);
    putAll(stream, "shardId-1", range("child", 2));
    const deliveries: Deliveries = [];
    const poller = await start(stream, { batchSize: 1, handler: recordingHandler(deliveries) });
    await poller.whenIdle();
    expect(deliveries.flat()).toEqual([...range("parent", 4), ...range("child", 2)]);
  });

  it("resumes after its checkpoint when restarted with the same checkpoint store", async () => {
    const stream = new InMemoryStream();
    stream.addShard("shardId-0");
    putAll(stream, "shardId-0", range("first", 3));
    const checkpointStore = new InMemoryCheckpointStore();
    const deliveries: Deliveries = [];
    const first = await start(stream, { checkpointStore, handler: recordingHandler(deliveries) });
    await first.whenIdle();
    await first.stop();

    putAll(stream, "shardId-0", range("second", 2));
    const second = await start(stream, { checkpointStore, handler: recordingHandler(deliveries) });
    await second.whenIdle();
    expect(deliveries.flat()).toEqual([...range("first", 3), ...range("second", 2)]);
  });

  it("abandons a batch when stopped mid-invocation, without checkpointing it, so it is delivered again", async () => {
    const stream = new InMemoryStream();
    stream.addShard("shardId-0");
    const done = stream.put("shardId-0", "done");
    stream.put("shardId-0", "slow");
    const checkpointStore = new InMemoryCheckpointStore();
    const started = Promise.withResolvers<void>();
    const deliveries: Deliveries = [];
    const first = await start(stream, {
      checkpointStore,
      batchSize: 1,
      stopGraceMs: 50,
      handler: recordingHandler(deliveries, (data) => {
        if (data.includes("slow")) {
          started.resolve();
          return new Promise(() => {}); // never settles
        }
        return undefined;
      }),
    });
    await started.promise;
    await first.stop();
    expect(first.stats().shards["shardId-0"]?.checkpoint).toBe(done.sequenceNumber);
    stream.put("shardId-0", "later");

    const again: Deliveries = [];
    const second = await start(stream, { checkpointStore, handler: recordingHandler(again) });
    await second.whenIdle();
    expect(again.flat()).toEqual(["slow", "later"]);
  });

  it("lets an invocation in flight finish within the grace period, and checkpoints it", async () => {
    const stream = new InMemoryStream();
    stream.addShard("shardId-0");
    putAll(stream, "shardId-0", ["only"]);
    const checkpointStore = new InMemoryCheckpointStore();
    const started = Promise.withResolvers<void>();
    const release = Promise.withResolvers<void>();
    const first = await start(stream, {
      checkpointStore,
      stopGraceMs: 5_000,
      handler: async () => {
        started.resolve();
        await release.promise;
      },
    });
    await started.promise;
    const stopping = first.stop();
    release.resolve();
    await stopping;
    expect(first.stats()).toMatchObject({ batches: 1, records: 1 });

    const again: Deliveries = [];
    const second = await start(stream, { checkpointStore, handler: recordingHandler(again) });
    await second.whenIdle();
    expect(again).toEqual([]);
  });

  it("treats a handler that outlives its timeout as a function error", async () => {
    const stream = new InMemoryStream();
    stream.addShard("shardId-0");
    const record = stream.put("shardId-0", "hangs");
    const destination = collectingDestination();
    const poller = await start(stream, {
      handlerTimeoutMs: 20,
      maximumRetryAttempts: 1,
      onFailure: destination,
      handler: () => new Promise(() => {}),
    });
    const stats = await poller.whenIdle();
    expect(stats).toMatchObject({ invocations: 2, functionErrors: 2, retries: 1, discardedRecords: 1 });
    expect(destination.messages).toHaveLength(1);
    expect(destination.messages[0]).toMatchObject({
      requestContext: {
        condition: "RetryAttemptsExhausted",
        approximateInvokeCount: 2,
        functionArn: "arn:aws:lambda:us-east-1:000000000000:function:flywheel-stream",
      },
      responseContext: { functionError: "Unhandled" },
      KinesisBatchInfo: {
        shardId: "shardId-0",
        startSequenceNumber: record.sequenceNumber,
        endSequenceNumber: record.sequenceNumber,
        batchSize: 1,
        streamArn: stream.streamArn,
      },
    });
  });

  it("passes a context whose remaining time counts down from the timeout", async () => {
    const stream = new InMemoryStream();
    stream.addShard("shardId-0");
    stream.put("shardId-0", "x");
    const remaining: number[] = [];
    const poller = await start(stream, {
      handlerTimeoutMs: 30_000,
      functionName: "flywheel-stream-local",
      handler: async (_, context) => {
        remaining.push(context.getRemainingTimeInMillis());
        expect(context.functionName).toBe("flywheel-stream-local");
      },
    });
    await poller.whenIdle();
    expect(remaining).toHaveLength(1);
    expect(remaining[0]).toBeGreaterThan(0);
    expect(remaining[0]).toBeLessThanOrEqual(30_000);
  });

  it("keeps retrying a destination that refuses messages, and checkpoints only once one is stored", async () => {
    const stream = new InMemoryStream();
    stream.addShard("shardId-0");
    putAll(stream, "shardId-0", ["poison", "fine"]);
    const stored: KinesisFailureMessage[] = [];
    let refusals = 2;
    const flaky: OnFailureDestination = {
      description: "flaky",
      send: async (message) => {
        if (refusals-- > 0) throw new Error("queue unavailable");
        stored.push(message);
      },
    };
    const deliveries: Deliveries = [];
    const poller = await start(stream, {
      batchSize: 1,
      maximumRetryAttempts: 0,
      onFailure: flaky,
      handler: recordingHandler(deliveries, (data) => {
        if (data.includes("poison")) throw new Error("cannot parse");
      }),
    });
    const stats = await poller.whenIdle();
    expect(stored).toHaveLength(1);
    expect(deliveries.flat()).toEqual(["poison", "fine"]);
    expect(stats).toMatchObject({ deadLetterMessages: 1, discardedRecords: 1, batches: 2 });
  });

  it("logs a discard and moves on when there is no destination", async () => {
    const stream = new InMemoryStream();
    stream.addShard("shardId-0");
    putAll(stream, "shardId-0", ["poison", "fine"]);
    const lines: string[] = [];
    const deliveries: Deliveries = [];
    const poller = await start(stream, {
      batchSize: 1,
      maximumRetryAttempts: 0,
      log: (line) => lines.push(line),
      handler: recordingHandler(deliveries, (data) => {
        if (data.includes("poison")) throw new Error("cannot parse");
      }),
    });
    const stats = await poller.whenIdle();
    expect(deliveries.flat()).toEqual(["poison", "fine"]);
    expect(stats).toMatchObject({ discardedRecords: 1, deadLetterMessages: 0 });
    expect(lines.some((line) => /discarded 1 record\(s\).*no on-failure destination/.test(line))).toBe(true);
  });

  it("refuses to start on a stream it cannot describe", async () => {
    const stream = new InMemoryStream();
    stream.describeStream = async () => {
      throw new Error("ResourceNotFoundException: no such stream");
    };
    await expect(start(stream, { handler: async () => {} })).rejects.toThrow(/no such stream/);
  });

  it("rejects whenIdle once stopped", async () => {
    const stream = new InMemoryStream();
    stream.addShard("shardId-0");
    const poller = await start(stream, { handler: async () => {} });
    await poller.stop();
    await expect(poller.whenIdle()).rejects.toThrow(/stopped/);
  });
});
