import type { KinesisStreamEvent, MSKEvent } from "aws-lambda";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createKinesisStreamHandler } from "../../../functions/stream/create-kinesis-stream-handler.ts";
import {
  createMskStreamHandler,
  StreamBatchFailedError,
} from "../../../functions/stream/create-msk-stream-handler.ts";
import { InMemoryDeadLetterQueue } from "../../../layers/adapters/embedded/in-memory-dead-letter-queue.ts";
import type { StreamEvent } from "../../../layers/ports/event-bus.ts";
import { createManualClock } from "../../contract/manual-clock.ts";
import { kinesisBatch, payloadOf } from "../../support/kinesis-batch.ts";
import {
  embeddedStreaming,
  foldInModelOf,
  smallFactorModel,
  streamEvent,
} from "../../support/streaming-fixture.ts";

const model = foldInModelOf(smallFactorModel({ items: 20, factors: 8, seed: 3 }));
const base64 = (value: string | StreamEvent) =>
  Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64");

function kinesisEvent(payloads: ReadonlyArray<string | StreamEvent>): KinesisStreamEvent {
  return kinesisBatch(payloads.map(payloadOf), {
    partitionKeyOf: (index) => {
      const payload = payloads[index];
      return typeof payload === "string" || payload === undefined ? "x" : payload.userId;
    },
  });
}

function mskEvent(payloads: ReadonlyArray<string | StreamEvent>): MSKEvent {
  return {
    eventSource: "aws:kafka",
    eventSourceArn: "arn:aws:kafka:us-east-1:000000000000:cluster/flywheel/x",
    bootstrapServers: "b-1:9098",
    records: {
      "events-0": payloads.map((payload, index) => ({
        topic: "events",
        partition: 0,
        offset: 100 + index,
        timestamp: 1_700_000_000_000,
        timestampType: "CREATE_TIME" as const,
        key: base64(typeof payload === "string" ? "x" : payload.userId),
        value: base64(payload),
        headers: [],
      })),
    },
  };
}

beforeEach(() => {
  vi.spyOn(console, "info").mockImplementation(() => {});
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("the stream handlers: one domain, two event shapes", () => {
  it("Kinesis and MSK batches of the same events leave the same state", async () => {
    const clock = createManualClock();
    const now = clock.now();
    const events = [
      streamEvent({ userId: "u1", itemId: "item-1", at: now - 2000 }),
      streamEvent({ userId: "u2", itemId: "item-2", type: "purchase", at: now - 1000 }),
      streamEvent({ userId: "u1", itemId: "item-3", type: "view", at: now }),
    ];
    const viaKinesis = embeddedStreaming(clock, model);
    const viaMsk = embeddedStreaming(clock, model);
    const kinesisResponse = await createKinesisStreamHandler(
      viaKinesis.deps,
      new InMemoryDeadLetterQueue(),
    )(kinesisEvent(events));
    await createMskStreamHandler(viaMsk.deps, new InMemoryDeadLetterQueue())(mskEvent(events));
    expect(kinesisResponse).toEqual({ batchItemFailures: [] });
    for (const user of ["u1", "u2"]) {
      const a = await viaKinesis.profiles.get(user);
      const b = await viaMsk.profiles.get(user);
      expect(a?.vector).not.toBeNull();
      expect(Array.from(b?.vector ?? [])).toEqual(Array.from(a?.vector ?? []));
      expect(await viaMsk.interactionLog.recentByUser(user)).toEqual(
        await viaKinesis.interactionLog.recentByUser(user),
      );
    }
  });

  it("sends a poison record to the dead-letter queue and processes the rest of its batch", async () => {
    const clock = createManualClock();
    const world = embeddedStreaming(clock, model);
    const deadLetters = new InMemoryDeadLetterQueue();
    const good = streamEvent({ userId: "u1", itemId: "item-1", at: clock.now() });
    const response = await createKinesisStreamHandler(
      world.deps,
      deadLetters,
    )(kinesisEvent(["{ not json", good, JSON.stringify({ ...good, eventId: "e-x", type: "teleport" })]));
    expect(response).toEqual({ batchItemFailures: [] });
    expect(deadLetters.letters.map(({ position, source }) => ({ position, source }))).toEqual([
      { position: "100", source: "shardId-000000000000" },
      { position: "102", source: "shardId-000000000000" },
    ]);
    expect(deadLetters.letters[1]?.reason).toMatch(/type/);
    expect(Buffer.from(deadLetters.letters[0]?.payload ?? []).toString()).toBe("{ not json");
    expect(await world.interactionLog.recentByUser("u1")).toHaveLength(1);
  });

  it("reports a poison record as failed when the dead-letter queue is down, so it is not lost", async () => {
    const clock = createManualClock();
    const world = embeddedStreaming(clock, model);
    const good = streamEvent({ userId: "u1", itemId: "item-1", at: clock.now() });
    const response = await createKinesisStreamHandler(world.deps, {
      send: async () => {
        throw new Error("sqs down");
      },
    })(kinesisEvent([good, "\u0000garbage"]));
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: "101" }] });
  });

  it("Kinesis reports failed sequence numbers in delivery order; MSK fails the whole invocation", async () => {
    const clock = createManualClock();
    const now = clock.now();
    const events = [
      streamEvent({ userId: "u1", itemId: "item-1", at: now }),
      streamEvent({ userId: "u2", itemId: "item-2", at: now }),
      streamEvent({ userId: "u1", itemId: "item-3", at: now }),
    ];
    const broken = embeddedStreaming(clock, model);
    const put = broken.profiles.put.bind(broken.profiles);
    broken.profiles.put = async (profile, options) => {
      if (profile.userId === "u1") throw new Error("throttled");
      return put(profile, options);
    };
    const response = await createKinesisStreamHandler(
      broken.deps,
      new InMemoryDeadLetterQueue(),
    )(kinesisEvent(events));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: "100" }, { itemIdentifier: "102" }]);
    await expect(
      createMskStreamHandler(broken.deps, new InMemoryDeadLetterQueue())(mskEvent(events)),
    ).rejects.toThrow(StreamBatchFailedError);
  });
});
