import { once } from "node:events";
import { createServer } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  type PutRecordsCommandInput,
  type PutRecordsCommandOutput,
} from "@aws-sdk/client-kinesis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKinesisClient } from "../../../layers/adapters/aws/kinesis/kinesis-client.ts";
import { KinesisEventBus } from "../../../layers/adapters/aws/kinesis/kinesis-event-bus.ts";
import {
  KinesisStreamReader,
  type StreamMark,
} from "../../../layers/adapters/aws/kinesis/kinesis-stream-reader.ts";
import { DependencyError, ThrottledError } from "../../../layers/domain/errors/domain-errors.ts";
import type { StreamEvent } from "../../../layers/ports/event-bus.ts";
import { uniqueId } from "../../contract/unique-id.ts";

// Failed records and failed calls, injected into a real Kinesis client by an SDK middleware that sits in
// front of the real request: it holds back the records it is told to refuse and answers for them with the
// error code Kinesis would, or fails the whole call. Everything it lets through reaches the stream.

const streamName = uniqueId("flywheel-it-faults");
const stream = { streamName };
const clients: KinesisClient[] = [];

beforeAll(async () => {
  const client = createKinesisClient();
  clients.push(client);
  await client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: 2 }));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
    if (summary.StreamDescriptionSummary?.StreamStatus === "ACTIVE") break;
    if (Date.now() > deadline) throw new Error(`stream ${streamName} not ACTIVE within 30 s`);
    await delay(100);
  }
});

afterAll(async () => {
  await clients[0]?.send(new DeleteStreamCommand({ StreamName: streamName, EnforceConsumerDeletion: true }));
  for (const client of clients.splice(0)) client.destroy();
});

interface PutRecordsFaults {
  /** An error code to refuse this record with on this call (1-based), or undefined to let it through. */
  refuse?(event: StreamEvent, call: number): string | undefined;
  /** An error to fail this whole call with, or undefined. */
  fail?(call: number): Error | undefined;
}

/** A real client whose PutRecords calls go through `faults` first; `sent` lists each call's events. */
function faultyClient(faults: PutRecordsFaults): { client: KinesisClient; sent: StreamEvent[][] } {
  const client = createKinesisClient();
  clients.push(client);
  const sent: StreamEvent[][] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== "PutRecordsCommand") return next(args);
      const call = sent.length + 1;
      const input = args.input as PutRecordsCommandInput;
      const records = input.Records ?? [];
      const events = records.map((record) => decode(record.Data ?? new Uint8Array()));
      sent.push(events);
      const failure = faults.fail?.(call);
      if (failure !== undefined) throw failure;
      const codes = events.map((event) => faults.refuse?.(event, call));
      const passed = records.filter((_, position) => codes[position] === undefined);
      const result =
        passed.length === 0
          ? { output: { Records: [], FailedRecordCount: 0, $metadata: {} }, response: {} }
          : await next({ ...args, input: { ...input, Records: passed } });
      const output = result.output as PutRecordsCommandOutput;
      const accepted = [...(output.Records ?? [])];
      const merged = codes.map((code) =>
        code === undefined ? (accepted.shift() ?? {}) : { ErrorCode: code, ErrorMessage: `injected ${code}` },
      );
      return {
        ...result,
        output: {
          ...output,
          Records: merged,
          FailedRecordCount: codes.filter((code) => code !== undefined).length,
        },
      };
    },
    { step: "initialize", name: "injectPutRecordsFaults" },
  );
  return { client, sent };
}

function decode(data: Uint8Array): StreamEvent {
  return JSON.parse(Buffer.from(data).toString("utf8")) as StreamEvent;
}

function eventsOf(userId: string, count: number, extra: Partial<StreamEvent> = {}): StreamEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    eventId: `${userId}-event-${i}`,
    userId,
    itemId: `item-${i}`,
    type: "click" as const,
    timestamp: Date.now() - 1000 + i,
    receivedAt: Date.now(),
    ...extra,
  }));
}

function plainClient(): KinesisClient {
  const client = clients[0];
  if (client === undefined) throw new Error("the Kinesis client is created in beforeAll");
  return client;
}

async function delivered(mark: StreamMark, userId: string, count: number): Promise<string[]> {
  const reader = new KinesisStreamReader({ client: plainClient(), stream });
  const records = await reader.read(mark, { expectedCount: count, select: (r) => r.partitionKey === userId });
  return records.map((record) => decode(record.data).eventId);
}

async function markNow(): Promise<StreamMark> {
  return new KinesisStreamReader({ client: plainClient(), stream }).mark();
}

/** Quick retries: the tests check what is retried, not how long the backoff waits. */
const fastRetries = { baseDelayMs: 1, maxDelayMs: 5 };

describe("KinesisEventBus when records or calls fail", () => {
  it("retries only the records a response refused, then delivers them", async () => {
    const userId = uniqueId("user");
    const events = eventsOf(userId, 5);
    const refusedOnce = new Set([events[1]?.eventId, events[3]?.eventId]);
    const { client, sent } = faultyClient({
      refuse: (event, call) =>
        call === 1 && refusedOnce.has(event.eventId) ? "ProvisionedThroughputExceededException" : undefined,
    });
    const mark = await markNow();
    const bus = new KinesisEventBus({ client, stream, ...fastRetries });
    expect(await bus.publish(events)).toEqual({ failed: [] });
    expect(sent.map((call) => call.map((event) => event.eventId))).toEqual([
      events.map((event) => event.eventId),
      [events[1]?.eventId, events[3]?.eventId],
    ]);
    expect((await delivered(mark, userId, 5)).sort()).toEqual(events.map((event) => event.eventId).sort());
  });

  it("reports a record still refused after its attempts, with the error code, at its index", async () => {
    const userId = uniqueId("user");
    const events = eventsOf(userId, 4);
    const { client, sent } = faultyClient({
      refuse: (event) => (event.eventId === events[2]?.eventId ? "InternalFailure" : undefined),
    });
    const mark = await markNow();
    const bus = new KinesisEventBus({ client, stream, maxAttempts: 3, ...fastRetries });
    const result = await bus.publish(events);
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]?.index).toBe(2);
    expect(result.failed[0]?.reason).toMatch(/^InternalFailure: .*after 3 attempts/);
    expect(sent).toHaveLength(3);
    expect(await delivered(mark, userId, 3)).toEqual(
      [events[0], events[1], events[3]].map((e) => e?.eventId),
    );
  });

  it("does not retry a record refused for good (a KMS key it may not use)", async () => {
    const userId = uniqueId("user");
    const events = eventsOf(userId, 3);
    const { client, sent } = faultyClient({
      refuse: (event) => (event.eventId === events[0]?.eventId ? "KMSAccessDeniedException" : undefined),
    });
    const bus = new KinesisEventBus({ client, stream, ...fastRetries });
    const result = await bus.publish(events);
    expect(result.failed.map((failure) => failure.index)).toEqual([0]);
    expect(result.failed[0]?.reason).toMatch(/^KMSAccessDeniedException/);
    expect(sent).toHaveLength(1);
  });

  it("does not send an oversized record, and reports it at its index", async () => {
    const userId = uniqueId("user");
    const events = eventsOf(userId, 3);
    const oversized = { ...events[1], context: { blob: "x".repeat(1024 * 1024) } } as StreamEvent;
    const { client, sent } = faultyClient({});
    const bus = new KinesisEventBus({ client, stream });
    const result = await bus.publish([events[0], oversized, events[2]] as StreamEvent[]);
    expect(result.failed.map((failure) => failure.index)).toEqual([1]);
    expect(result.failed[0]?.reason).toMatch(/record limit/);
    expect(sent.flat().map((event) => event.eventId)).toEqual([events[0]?.eventId, events[2]?.eventId]);
  });

  it("splits requests at 500 records and at the request byte limit", async () => {
    const { client, sent } = faultyClient({});
    const many = new KinesisEventBus({ client, stream });
    expect(await many.publish(eventsOf(uniqueId("user"), 1001))).toEqual({ failed: [] });
    expect(sent.map((call) => call.length)).toEqual([500, 500, 1]);
    sent.length = 0;
    const small = new KinesisEventBus({ client, stream, maxRecordBytes: 1000, maxRequestBytes: 2000 });
    const events = eventsOf(uniqueId("user"), 9, { context: { padding: "p".repeat(300) } });
    expect(await small.publish(events)).toEqual({ failed: [] });
    expect(sent.flat().map((event) => event.eventId)).toEqual(events.map((event) => event.eventId));
    for (const call of sent) {
      const bytes = call.reduce(
        (sum, event) => sum + Buffer.byteLength(JSON.stringify(event)) + event.userId.length,
        0,
      );
      expect(bytes).toBeLessThanOrEqual(2000);
    }
    expect(sent.length).toBeGreaterThan(1);
  });

  it("retries a call that failed as a whole, then succeeds", async () => {
    const userId = uniqueId("user");
    const events = eventsOf(userId, 3);
    const { client, sent } = faultyClient({
      fail: (call) =>
        call === 1 ? Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }) : undefined,
    });
    const mark = await markNow();
    const bus = new KinesisEventBus({ client, stream, ...fastRetries });
    expect(await bus.publish(events)).toEqual({ failed: [] });
    expect(sent).toHaveLength(2);
    expect(await delivered(mark, userId, 3)).toEqual(events.map((event) => event.eventId));
  });

  it("throws DependencyError when every attempt of a call fails", async () => {
    const { client, sent } = faultyClient({ fail: () => new Error("connect ECONNREFUSED") });
    const bus = new KinesisEventBus({ client, stream, maxAttempts: 3, ...fastRetries });
    await expect(bus.publish(eventsOf(uniqueId("user"), 2))).rejects.toBeInstanceOf(DependencyError);
    expect(sent).toHaveLength(3);
  });

  it("throws a non-retryable DependencyError at once when the stream does not exist", async () => {
    const { client, sent } = faultyClient({});
    const bus = new KinesisEventBus({
      client,
      stream: { streamName: uniqueId("no-such-stream") },
      ...fastRetries,
    });
    const failure = await bus.publish(eventsOf(uniqueId("user"), 1)).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DependencyError);
    expect(failure).not.toBeInstanceOf(ThrottledError);
    expect((failure as DependencyError).retryable).toBe(false);
    expect(sent).toHaveLength(1);
  });

  it("throws DependencyError when Kinesis cannot be reached", async () => {
    const closed = createServer();
    closed.listen(0, "127.0.0.1");
    await once(closed, "listening");
    const address = closed.address();
    await new Promise((resolve) => closed.close(resolve));
    if (address === null || typeof address === "string") throw new Error("no port");
    // A fault fixture, not an emulator: an endpoint where nothing listens.
    const unreachable = new KinesisClient({ endpoint: `http://127.0.0.1:${address.port}`, maxAttempts: 1 });
    clients.push(unreachable);
    const bus = new KinesisEventBus({ client: unreachable, stream, maxAttempts: 2, ...fastRetries });
    await expect(bus.publish(eventsOf(uniqueId("user"), 1))).rejects.toBeInstanceOf(DependencyError);
  });
});
