import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { PutRecordCommand } from "@aws-sdk/client-kinesis";
import { ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createEventsHandler } from "../../../functions/api/create-events-handler.ts";
import { streamingDependenciesFromEnvironment } from "../../../functions/stream/streaming-dependencies.ts";
import { createKinesisClient } from "../../../layers/adapters/aws/kinesis/kinesis-client.ts";
import { KinesisEventBus } from "../../../layers/adapters/aws/kinesis/kinesis-event-bus.ts";
import { readArchive } from "../../../layers/domain/archive/read-archive.ts";
import type { StreamingDependencies } from "../../../layers/domain/streaming/process-stream-batch.ts";
import type { StreamEvent } from "../../../layers/ports/event-bus.ts";
import {
  activateModel,
  deleteStreamingResources,
  type LocalStreamingPath,
  type LocalStreamingResources,
  provisionStreamingResources,
  startLocalStreamingPath,
} from "../../../local/runtime/local-streaming-path.ts";
import { uniqueId } from "../../contract/unique-id.ts";
import { foldInModelOf, smallFactorModel } from "../../support/streaming-fixture.ts";
import { apiGatewayEvent, lambdaContext } from "../../unit/functions/api-gateway-event.ts";
import { eventually } from "../local-cloud/wait-until.ts";

// The streaming path end to end on the local cloud: POST /v1/events → Kinesis (kinesis-mock) → the local
// event-source mapping → the stream handler over DynamoDB Local, Redis and S3 (moto), with SQS (moto) as
// the dead-letter queue.

const ITEMS = 200;
const model = smallFactorModel({ items: ITEMS, factors: 16, seed: 11, version: "m-stream-1" });
const foldIn = foldInModelOf(model);
const WEEK = 7 * 24 * 3600_000;

let resources: LocalStreamingResources;
let path: LocalStreamingPath;

beforeAll(async () => {
  // The stream handler logs one line per batch: thousands here.
  vi.spyOn(console, "info").mockImplementation(() => {});
  resources = await provisionStreamingResources(uniqueId("flywheel-stream"));
  await activateModel(resources, model);
  path = await startLocalStreamingPath(resources, { log: () => {} });
}, 120_000);

afterAll(async () => {
  await path?.stop();
  if (resources !== undefined) await deleteStreamingResources(resources);
}, 60_000);

/**
 * Everything the stream writes for these users and items, in comparable form. Read 20 users at a time:
 * 400 reads at once make DynamoDB Local, on a busy 2-core machine, miss the adapters' 1 s timeout.
 */
async function snapshot(deps: StreamingDependencies, users: readonly string[]) {
  const now = Date.now();
  return {
    profiles: await inChunks(users, (user) => deps.profiles.get(user)),
    logs: await inChunks(users, (user) => deps.interactionLog.recentByUser(user)),
    trending: await deps.trending.top({ windowMs: WEEK, now, limit: ITEMS + 50 }),
  };
}

async function inChunks<T, R>(items: readonly T[], read: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += 20)
    results.push(...(await Promise.all(items.slice(i, i + 20).map(read))));
  return results;
}

function generatedEvents(prefix: string, count: number, users: number): StreamEvent[] {
  const now = Date.now();
  const types = ["view", "click", "add_to_cart", "purchase", "dismiss"] as const;
  return Array.from({ length: count }, (_, i) => ({
    eventId: `${prefix}-e${i}`,
    userId: `${prefix}-u${(i * 7919) % users}`,
    itemId: i % 97 === 0 ? `${prefix}-new-item` : `item-${(i * 31) % ITEMS}`,
    type: types[i % types.length] ?? "view",
    timestamp: now - (count - i) * 10,
    receivedAt: now,
  }));
}

/**
 * A publisher patient enough for kinesis-mock on a loaded 2-core CI machine, where one PutRecords of 250 records
 * can take seconds while the consumers read. A repeated request only duplicates records, which the stream absorbs.
 */
function patientBus(streamName: string): KinesisEventBus {
  return new KinesisEventBus({
    client: createKinesisClient({ connectionTimeoutMs: 5_000, requestTimeoutMs: 30_000, maxAttempts: 1 }),
    stream: { streamName },
    maxAttempts: 6,
  });
}

async function publishAll(events: readonly StreamEvent[]): Promise<void> {
  const bus = patientBus(resources.streamName);
  for (let start = 0; start < events.length; start += 250) {
    const { failed } = await bus.publish(events.slice(start, start + 250));
    expect(failed).toEqual([]);
  }
}

describe("the streaming path on the local cloud", () => {
  it("takes an event from POST /v1/events to the profile, the log, trending and the cache", async () => {
    const user = uniqueId("user");
    const handler = createEventsHandler(path.eventBus);
    const key = { userId: user, modelVersion: model.version, variant: "limit=10" };
    await path.deps.cache.set(key, "[]", 3600);
    const response = await handler(
      {
        ...apiGatewayEvent({ path: "/v1/events" }),
        httpMethod: "POST",
        body: JSON.stringify({
          events: [
            { userId: user, itemId: "item-3", type: "purchase" },
            { userId: user, itemId: "item-4", type: "click" },
          ],
        }),
      },
      lambdaContext(),
    );
    expect(response.statusCode).toBe(202);
    const profile = await eventually(
      () => path.deps.profiles.get(user),
      (stored) => stored?.interactionCount === 2,
    );
    expect(profile?.modelVersion).toBe(model.version);
    expect(Array.from(profile?.vector ?? [])).toEqual(Array.from(foldIn.solver.foldIn([3, 4], [8, 2])));
    expect(await path.deps.cache.get(key)).toBeUndefined();
    // Trending is written after the profile: wait for it too.
    const top = await eventually(
      () => path.deps.trending.top({ windowMs: 3600_000, now: Date.now(), limit: ITEMS }),
      (entries) => entries.some((entry) => entry.itemId === "item-4"),
    );
    expect(new Map(top.map((entry) => [entry.itemId, entry.count]))).toEqual(
      new Map([
        ["item-3", 8],
        ["item-4", 2],
      ]),
    );
  }, 60_000);

  it("leaves identical profiles, logs and counters when the same 10,000 events are replayed", async () => {
    const prefix = uniqueId("replay");
    const events = generatedEvents(prefix, 10_000, 400);
    const users = [...new Set(events.map((event) => event.userId))];
    await publishAll(events);
    await path.whenIdle(240_000);
    const first = await snapshot(path.deps, users);
    const archived = async () =>
      (await readArchive(path.archive)).filter((event) => event.eventId.startsWith(`${prefix}-`));
    const firstArchive = await archived();
    expect(firstArchive.map((event) => event.eventId).sort()).toEqual(
      events.map((event) => event.eventId).sort(),
    );
    expect(first.profiles.every((profile) => profile !== undefined)).toBe(true);
    expect(first.profiles.filter((profile) => profile?.vector != null).length).toBe(users.length);
    await publishAll(events);
    await path.whenIdle(240_000);
    expect(await snapshot(path.deps, users)).toEqual(first);
    // The archive holds the replay's records too (it is raw and at least once), and reads back the same.
    expect(await archived()).toEqual(firstArchive);
    expect(path.poller.stats().discardedRecords).toBe(0);
  }, 600_000);

  it("sends a poison record to the dead-letter queue without blocking its shard", async () => {
    const user = uniqueId("poisoned");
    const kinesis = createKinesisClient();
    await kinesis.send(
      new PutRecordCommand({
        StreamName: resources.streamName,
        PartitionKey: user,
        Data: Buffer.from("{ not an event"),
      }),
    );
    await path.eventBus.publish([
      {
        eventId: uniqueId("ok"),
        userId: user,
        itemId: "item-9",
        type: "view",
        timestamp: Date.now(),
        receivedAt: Date.now(),
      },
    ]);
    const profile = await eventually(
      () => path.deps.profiles.get(user),
      (stored) => stored !== undefined,
    );
    expect(profile?.interactionCount).toBe(1);
    const sqs = new SQSClient({});
    const bodies: string[] = [];
    await eventually(
      async () => {
        const received = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: resources.queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
          }),
        );
        for (const message of received.Messages ?? []) bodies.push(message.Body ?? "");
        return bodies;
      },
      (all) => all.some((body) => body.includes("poison-record")),
    );
    const letter = JSON.parse(bodies.find((body) => body.includes("poison-record")) ?? "{}");
    expect(letter).toMatchObject({ kind: "poison-record", payloadTruncated: false });
    expect(Buffer.from(letter.payloadBase64, "base64").toString()).toBe("{ not an event");
  }, 60_000);

  it("loses nothing and counts nothing twice when the handler's process is killed mid-stream", async () => {
    // A stream of its own, consumed only by the child process.
    const own = await provisionStreamingResources(uniqueId("flywheel-kill"));
    const directory = await mkdtemp(join(tmpdir(), "flywheel-kill-"));
    const children: ChildProcess[] = [];
    try {
      await activateModel(own, model);
      const env = {
        ...process.env,
        ...own.env,
        FLYWHEEL_CHECKPOINT_FILE: join(directory, "checkpoints.json"),
      };
      const start = (holdMs: number): Promise<ChildProcess> =>
        new Promise((resolve, reject) => {
          const child = spawn(process.execPath, ["local/runtime/stream-path-process.ts"], {
            env: { ...env, FLYWHEEL_HOLD_AFTER_BATCH_MS: String(holdMs) },
            stdio: ["ignore", "pipe", "inherit"],
          });
          children.push(child);
          child.on("error", reject);
          child.stdout?.on("data", (chunk: Buffer) => {
            if (chunk.toString().includes("ready")) resolve(child);
          });
        });
      const ownPath = streamingDependenciesFromEnvironment({ ...process.env, ...own.env });
      const prefix = uniqueId("kill");
      const events = generatedEvents(prefix, 2_000, 150);
      const users = [...new Set(events.map((event) => event.userId))];
      const bus = new KinesisEventBus({
        client: createKinesisClient(),
        stream: { streamName: own.streamName },
      });
      for (let i = 0; i < events.length; i += 500) await bus.publish(events.slice(i, i + 500));
      // The first host holds each batch 300 ms after its effects and before its checkpoint; it is killed
      // once a few batches went through, most likely inside that window.
      const first = await start(300);
      let batches = 0;
      await new Promise<void>((resolve) => {
        first.stdout?.on("data", (chunk: Buffer) => {
          batches += chunk.toString().split("batch ").length - 1;
          if (batches >= 3) resolve();
        });
      });
      await delay(150);
      first.kill("SIGKILL");
      await new Promise((resolve) => first.once("exit", resolve));
      await start(0);
      const everything = await eventually(
        () => snapshot(ownPath.deps, users),
        (state) => state.logs.reduce((sum, log) => sum + log.length, 0) === events.length,
        240_000,
      );
      // Nothing lost: every event is in the log once.
      expect(
        everything.logs
          .flat()
          .map((record) => record.eventId)
          .sort(),
      ).toEqual(events.map((event) => event.eventId).sort());
      // Nothing twice: trending equals the weights of the events, counted once each.
      const expected = new Map<string, number>();
      const weightOf: Record<string, number> = { view: 1, click: 2, add_to_cart: 4, purchase: 8, dismiss: 0 };
      for (const event of events) {
        const weight = weightOf[event.type] ?? 0;
        if (weight > 0) expected.set(event.itemId, (expected.get(event.itemId) ?? 0) + weight);
      }
      const expectedTotal = [...expected.values()].reduce((sum, count) => sum + count, 0);
      // Trending is a batch's last write after its profiles: once the total is reached (or passed, if
      // something counted twice), every batch has finished.
      const trending = await eventually(
        () => ownPath.deps.trending.top({ windowMs: WEEK, now: Date.now(), limit: ITEMS + 50 }),
        (top) => top.reduce((sum, entry) => sum + entry.count, 0) >= expectedTotal,
      );
      expect(new Map(trending.map((entry) => [entry.itemId, entry.count]))).toEqual(expected);
      // Profiles are what fold-in computes from the log.
      const settled = await snapshot(ownPath.deps, users);
      settled.profiles.forEach((profile, index) => {
        const log = settled.logs[index] ?? [];
        const known = log.filter((record) => foldIn.itemIndex.has(record.itemId) && record.weight !== 0);
        const vector = foldIn.solver.foldIn(
          known.map((record) => foldIn.itemIndex.get(record.itemId) ?? -1),
          known.map((record) => record.weight),
        );
        expect(Array.from(profile?.vector ?? [])).toEqual(Array.from(vector));
      });
    } finally {
      for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
      await rm(directory, { recursive: true, force: true });
      await deleteStreamingResources(own);
    }
  }, 600_000);
});
