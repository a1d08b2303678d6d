import { describe, expect, it } from "vitest";
import { impressionEventOf, servedListOf } from "../../../layers/domain/events/impression-event.ts";
import {
  type PositionedEvent,
  processStreamBatch,
} from "../../../layers/domain/streaming/process-stream-batch.ts";
import type { StreamEvent } from "../../../layers/ports/event-bus.ts";
import { RECENT_INTERACTIONS_RETENTION_MS } from "../../../layers/ports/interaction-log.ts";
import { createManualClock } from "../../contract/manual-clock.ts";
import {
  type EmbeddedStreaming,
  embeddedStreaming,
  foldInModelOf,
  smallFactorModel,
  streamEvent,
} from "../../support/streaming-fixture.ts";

const HOUR = 3600_000;
const model = foldInModelOf(smallFactorModel({ items: 40, factors: 8, seed: 7, version: "m-1" }));

function positioned(events: readonly StreamEvent[]): PositionedEvent[] {
  return events.map((event, index) => ({ position: String(1000 + index), event }));
}

/** Everything the stream writes, in comparable form (revisions and times included). */
async function snapshot(world: EmbeddedStreaming, users: readonly string[], now: number) {
  return {
    profiles: await Promise.all(users.map((user) => world.profiles.get(user))),
    logs: await Promise.all(users.map((user) => world.interactionLog.recentByUser(user))),
    trending: await world.trending.top({ windowMs: 7 * 24 * HOUR, now, limit: 100 }),
    sports: await world.trending.top({ category: "sports", windowMs: 7 * 24 * HOUR, now, limit: 100 }),
    counters: await world.recommendationLog.counters(),
  };
}

describe("processStreamBatch", () => {
  it("folds each user's vector in once against the active model, exactly as the solver does from the log", async () => {
    const clock = createManualClock();
    const world = embeddedStreaming(clock, model);
    const now = clock.now();
    const events = [
      streamEvent({ userId: "u1", itemId: "item-1", at: now - 3000 }),
      streamEvent({ userId: "u1", itemId: "item-2", type: "purchase", at: now - 2000 }),
      streamEvent({ userId: "u2", itemId: "item-3", type: "view", at: now - 1000 }),
    ];
    const outcome = await processStreamBatch(world.deps, positioned(events));
    expect(outcome).toMatchObject({ failedPositions: [], events: 3, users: 2, foldedIn: 2, redelivered: 0 });
    const profile = await world.profiles.get("u1");
    const expected = model.solver.foldIn([1, 2], [2, 8]);
    expect(profile?.modelVersion).toBe("m-1");
    expect(profile?.interactionCount).toBe(2);
    expect(profile?.lastInteractionAt).toBe(now - 2000);
    expect(Array.from(profile?.vector ?? [])).toEqual(Array.from(expected));
  });

  it("adds the interactions since the model's window to the nightly history of the same version", async () => {
    const clock = createManualClock();
    const now = clock.now();
    const trained = foldInModelOf(
      smallFactorModel({ items: 40, factors: 8, seed: 7, version: "m-2", trainedUntilMs: now - 10 * HOUR }),
    );
    const world = embeddedStreaming(clock, trained);
    await world.batchRecs.putMany([
      {
        userId: "u1",
        modelVersion: "m-2",
        items: [],
        history: [{ itemId: "item-5", weight: 3 }],
        generatedAt: now - 9 * HOUR,
        expiresAt: now + 24 * HOUR,
      },
    ]);
    // One event inside the training window (already in the history) and one after it.
    const events = [
      streamEvent({ userId: "u1", itemId: "item-5", type: "view", at: now - 11 * HOUR }),
      streamEvent({ userId: "u1", itemId: "item-6", at: now - HOUR }),
    ];
    await processStreamBatch(world.deps, positioned(events));
    const profile = await world.profiles.get("u1");
    expect(Array.from(profile?.vector ?? [])).toEqual(Array.from(trained.solver.foldIn([5, 6], [3, 2])));
  });

  it("changes nothing when the same batch is delivered again: profiles, log, trending and CTR counters", async () => {
    const clock = createManualClock();
    const world = embeddedStreaming(clock, model);
    await world.catalog.upsert([
      {
        itemId: "item-1",
        categories: ["sports"],
        available: true,
        hidden: false,
        attributes: {},
        updatedAt: 0,
      },
    ]);
    await world.recommendationLog.recordServed({
      recommendationId: "r-1",
      userId: "u1",
      source: "realtime",
      modelVersion: "m-1",
      itemIds: ["item-1", "item-2"],
      servedAt: clock.now() - 5000,
    });
    const now = clock.now();
    const events = [
      streamEvent({
        userId: "u1",
        itemId: "item-1",
        type: "impression",
        recommendationId: "r-1",
        at: now - 4000,
      }),
      streamEvent({ userId: "u1", itemId: "item-1", recommendationId: "r-1", at: now - 3000 }),
      streamEvent({ userId: "u2", itemId: "item-1", type: "add_to_cart", at: now - 2000 }),
      streamEvent({ userId: "u2", itemId: "item-9", at: now - 1000 }),
    ];
    await processStreamBatch(world.deps, positioned(events));
    const first = await snapshot(world, ["u1", "u2"], now);
    clock.advance(1000);
    const again = await processStreamBatch(world.deps, positioned(events));
    expect(again.redelivered).toBe(3);
    expect(await snapshot(world, ["u1", "u2"], now)).toEqual(first);
    expect(first.counters).toEqual([
      { source: "realtime", modelVersion: "m-1", impressions: 1, clicks: 1, conversions: 0 },
    ]);
    expect(first.sports).toEqual([{ itemId: "item-1", count: 2 + 4 }]);
  });

  it("keeps an item the model does not know in the log and in trending, and skips it in the fold-in", async () => {
    const clock = createManualClock();
    const world = embeddedStreaming(clock, model);
    const now = clock.now();
    const events = [
      streamEvent({ userId: "u1", itemId: "item-1", at: now - 2000 }),
      streamEvent({ userId: "u1", itemId: "brand-new", type: "purchase", at: now - 1000 }),
    ];
    await processStreamBatch(world.deps, positioned(events));
    expect((await world.interactionLog.recentByUser("u1")).map((record) => record.itemId)).toEqual([
      "brand-new",
      "item-1",
    ]);
    expect(await world.trending.top({ windowMs: HOUR, now, limit: 1 })).toEqual([
      { itemId: "brand-new", count: 8 },
    ]);
    const profile = await world.profiles.get("u1");
    expect(Array.from(profile?.vector ?? [])).toEqual(Array.from(model.solver.foldIn([1], [2])));
  });

  it("gives a user whose items are all unknown a profile without a vector", async () => {
    const clock = createManualClock();
    const world = embeddedStreaming(clock, model);
    await processStreamBatch(
      world.deps,
      positioned([streamEvent({ userId: "u1", itemId: "new-1", at: clock.now() })]),
    );
    expect(await world.profiles.get("u1")).toMatchObject({
      vector: null,
      modelVersion: "m-1",
      interactionCount: 1,
    });
  });

  it("without an active model keeps the interactions and counts, and leaves the vector unset", async () => {
    const clock = createManualClock();
    const world = embeddedStreaming(clock, undefined);
    const outcome = await processStreamBatch(
      world.deps,
      positioned([streamEvent({ userId: "u1", itemId: "item-1", at: clock.now() })]),
    );
    expect(outcome.foldedIn).toBe(0);
    expect(await world.profiles.get("u1")).toMatchObject({
      vector: null,
      modelVersion: null,
      interactionCount: 1,
    });
  });

  it("invalidates the cached recommendations of every user in the batch", async () => {
    const clock = createManualClock();
    const world = embeddedStreaming(clock, model);
    const key = { userId: "u1", modelVersion: "m-1", variant: "limit=10" };
    await world.cache.set(key, "[]", 3600);
    await processStreamBatch(
      world.deps,
      positioned([streamEvent({ userId: "u1", itemId: "item-1", at: clock.now() })]),
    );
    expect(await world.cache.get(key)).toBeUndefined();
  });

  it("does not depend on the order events arrive in", async () => {
    const clock = createManualClock();
    const now = clock.now();
    const events = [
      streamEvent({ userId: "u1", itemId: "item-1", at: now - 3000 }),
      streamEvent({ userId: "u1", itemId: "item-2", type: "purchase", at: now - 2000 }),
      streamEvent({ userId: "u1", itemId: "item-3", type: "dismiss", at: now - 1000 }),
    ];
    const inOrder = embeddedStreaming(clock, model);
    const reversed = embeddedStreaming(clock, model);
    await processStreamBatch(inOrder.deps, positioned(events));
    await processStreamBatch(reversed.deps, positioned([...events].reverse()));
    expect(await snapshot(reversed, ["u1"], now)).toEqual(await snapshot(inOrder, ["u1"], now));
  });

  it("archives-only events older than the retention: no log entry, no fold-in, feedback still counted", async () => {
    const clock = createManualClock();
    const world = embeddedStreaming(clock, model);
    const now = clock.now();
    await world.recommendationLog.recordServed({
      recommendationId: "r-old",
      userId: "u1",
      source: "batch",
      modelVersion: "m-0",
      itemIds: ["item-1"],
      servedAt: now - RECENT_INTERACTIONS_RETENTION_MS - 2 * HOUR,
    });
    const old = streamEvent({
      userId: "u1",
      itemId: "item-1",
      recommendationId: "r-old",
      at: now - RECENT_INTERACTIONS_RETENTION_MS - HOUR,
    });
    const outcome = await processStreamBatch(world.deps, positioned([old]));
    expect(outcome).toMatchObject({ tooOld: 1, users: 0, failedPositions: [] });
    expect(await world.interactionLog.recentByUser("u1")).toEqual([]);
    expect(await world.profiles.get("u1")).toBeUndefined();
    expect(await world.recommendationLog.counters()).toEqual([
      { source: "batch", modelVersion: "m-0", impressions: 0, clicks: 1, conversions: 0 },
    ]);
  });

  it("reports the positions of a user whose step failed, and a re-delivery then completes without double counting", async () => {
    const clock = createManualClock();
    const clean = embeddedStreaming(clock, model);
    const flaky = embeddedStreaming(clock, model);
    const now = clock.now();
    const events = [
      streamEvent({ userId: "u1", itemId: "item-1", at: now - 3000 }),
      streamEvent({ userId: "u2", itemId: "item-2", at: now - 2000 }),
      streamEvent({ userId: "u1", itemId: "item-3", at: now - 1000 }),
    ];
    await processStreamBatch(clean.deps, positioned(events));
    // The handler "dies" after the log and trending, while writing u1's profile.
    const put = flaky.profiles.put.bind(flaky.profiles);
    let failing = true;
    flaky.profiles.put = async (profile, options) => {
      if (failing && profile.userId === "u1") throw new Error("killed mid-batch");
      return put(profile, options);
    };
    const firstTry = await processStreamBatch(flaky.deps, positioned(events));
    expect(firstTry.failedPositions).toEqual(["1000", "1002"]);
    expect(flaky.errors).toEqual(["update a profile"]);
    failing = false;
    const retry = await processStreamBatch(flaky.deps, positioned(events));
    expect(retry.failedPositions).toEqual([]);
    const cleanState = await snapshot(clean, ["u1", "u2"], now);
    const flakyState = await snapshot(flaky, ["u1", "u2"], now);
    expect(flakyState.trending).toEqual(cleanState.trending);
    expect(flakyState.logs).toEqual(cleanState.logs);
    expect(flakyState.profiles.map((profile) => Array.from(profile?.vector ?? []))).toEqual(
      cleanState.profiles.map((profile) => Array.from(profile?.vector ?? [])),
    );
  });

  it("fails every interaction of the batch when the log cannot be written, and nothing is trended twice after", async () => {
    const clock = createManualClock();
    const world = embeddedStreaming(clock, model);
    const append = world.interactionLog.append.bind(world.interactionLog);
    world.interactionLog.append = async () => {
      throw new Error("log down");
    };
    const now = clock.now();
    const events = [streamEvent({ userId: "u1", itemId: "item-1", at: now })];
    expect((await processStreamBatch(world.deps, positioned(events))).failedPositions).toEqual(["1000"]);
    world.interactionLog.append = append;
    expect((await processStreamBatch(world.deps, positioned(events))).failedPositions).toEqual([]);
    expect(await world.trending.top({ windowMs: HOUR, now, limit: 5 })).toEqual([
      { itemId: "item-1", count: 2 },
    ]);
  });

  it("treats a repeated eventId within one batch as one event, and reports both positions on failure", async () => {
    const clock = createManualClock();
    const world = embeddedStreaming(clock, model);
    const event = streamEvent({ userId: "u1", itemId: "item-1", at: clock.now() });
    const outcome = await processStreamBatch(world.deps, [
      { position: "1", event },
      { position: "2", event },
    ]);
    expect(outcome.events).toBe(1);
    expect(await world.trending.top({ windowMs: HOUR, now: clock.now(), limit: 5 })).toEqual([
      { itemId: "item-1", count: 2 },
    ]);
  });
  it("records a served list from its impression event, then attributes the impression and a click to it", async () => {
    const clock = createManualClock();
    const world = embeddedStreaming(clock, model);
    const now = clock.now();
    const served = {
      recommendationId: "r-served",
      userId: "u1",
      source: "realtime" as const,
      modelVersion: "m-1",
      itemIds: ["item-4", "item-5"],
      servedAt: now - 2000,
    };
    const impression = impressionEventOf(served);
    if (impression === undefined) throw new Error("no impression event");
    const click = streamEvent({
      userId: "u1",
      itemId: "item-5",
      recommendationId: "r-served",
      at: now - 1000,
    });
    await processStreamBatch(world.deps, positioned([impression, click]));
    await processStreamBatch(world.deps, positioned([impression, click]));
    expect(await world.recommendationLog.get("r-served")).toEqual(served);
    expect(await world.recommendationLog.counters()).toEqual([
      { source: "realtime", modelVersion: "m-1", impressions: 1, clicks: 1, conversions: 0 },
    ]);
    expect(servedListOf(click)).toBeUndefined();
  });
});
