import { describe, expect, it } from "vitest";
import { InMemoryRecommendationLog } from "../../../layers/adapters/embedded/in-memory-recommendation-log.ts";
import { RuntimeStats, summarize } from "../../../local/start/runtime-stats.ts";
import { createManualClock } from "../../contract/manual-clock.ts";

describe("the local runtime's counters", () => {
  it("summarizes latencies by nearest rank", () => {
    const samples = Array.from({ length: 100 }, (_, index) => index + 1);
    expect(summarize(samples)).toEqual({ count: 100, p50Ms: 50, p99Ms: 99 });
    expect(summarize([7])).toEqual({ count: 1, p50Ms: 7, p99Ms: 7 });
    expect(summarize([])).toEqual({ count: 0, p50Ms: null, p99Ms: null });
  });

  it("counts lists by source, the cache hit ratio and the catalog coverage", async () => {
    const stats = new RuntimeStats({
      processedEvents: () => 0,
      recommendationLog: new InMemoryRecommendationLog(),
      catalogItems: () => 10,
    });
    stats.recordRecommendations("batch", ["a", "b"]);
    stats.recordRecommendations("cache", ["a", "b"]);
    stats.recordRecommendations("realtime", ["b", "c"]);
    stats.recordRecommendations("cache", ["b", "c"]);
    const snapshot = await stats.snapshot();
    expect(snapshot.recommendations.bySource).toEqual({ batch: 1, cache: 2, realtime: 1 });
    expect(snapshot.recommendations.served).toBe(4);
    expect(snapshot.recommendations.cacheHitRatio).toBe(0.5);
    expect(snapshot.coverage).toEqual({ recommendedItems: 3, catalogItems: 10, ratio: 0.3 });
  });

  it("keeps latencies and 5xx answers per handler", async () => {
    const stats = new RuntimeStats({
      processedEvents: () => 0,
      recommendationLog: new InMemoryRecommendationLog(),
      catalogItems: () => 0,
    });
    stats.recordRequest("recommendations", 200, 4);
    stats.recordRequest("recommendations", 200, 2);
    stats.recordRequest("events", 503, 9);
    const snapshot = await stats.snapshot();
    expect(snapshot.requests).toEqual({
      total: 3,
      errors: 1,
      byHandler: {
        recommendations: { count: 2, p50Ms: 2, p99Ms: 4, errors: 0 },
        events: { count: 1, p50Ms: 9, p99Ms: 9, errors: 1 },
      },
    });
    expect(snapshot.recommendations.latency).toEqual({ count: 2, p50Ms: 2, p99Ms: 4 });
    expect(snapshot.coverage.ratio).toBeNull();
  });

  it("derives events per second from the consumer's count over the last ten seconds", async () => {
    const clock = createManualClock(1_000_000);
    let processed = 0;
    const stats = new RuntimeStats({
      processedEvents: () => processed,
      recommendationLog: new InMemoryRecommendationLog(),
      catalogItems: () => 1,
      clock: clock.now,
    });
    for (let second = 0; second < 30; second++) {
      stats.sampleProcessed();
      clock.advance(1_000);
      processed += second < 20 ? 1 : 5;
    }
    const snapshot = await stats.snapshot();
    expect(snapshot.events.processed).toBe(70);
    // The last ten seconds only: five a second, whatever came before.
    expect(snapshot.events.perSecond).toBeCloseTo(5, 5);
  });

  it("turns the recommendation log's counters into CTR per source and model version", async () => {
    const log = new InMemoryRecommendationLog();
    const served = (recommendationId: string, source: "batch" | "realtime") =>
      log.recordServed({
        recommendationId,
        userId: "u1",
        source,
        modelVersion: "v1",
        itemIds: ["a"],
        servedAt: 1,
      });
    await served("r1", "batch");
    await served("r2", "batch");
    await served("r3", "realtime");
    for (const id of ["r1", "r2", "r3"]) await log.recordFeedback(id, "impression", `${id}-i`);
    await log.recordFeedback("r1", "click", "c1");
    const stats = new RuntimeStats({
      processedEvents: () => 0,
      recommendationLog: log,
      catalogItems: () => 1,
    });
    expect((await stats.snapshot()).ctr).toEqual([
      { source: "batch", modelVersion: "v1", impressions: 2, clicks: 1, conversions: 0, ctr: 0.5 },
      { source: "realtime", modelVersion: "v1", impressions: 1, clicks: 0, conversions: 0, ctr: 0 },
    ]);
  });

  it("counts the client events accepted by type", async () => {
    const stats = new RuntimeStats({
      processedEvents: () => 0,
      recommendationLog: new InMemoryRecommendationLog(),
      catalogItems: () => 1,
    });
    stats.recordAcceptedEvents(["click", "rate", "click"]);
    expect((await stats.snapshot()).events).toMatchObject({
      accepted: 3,
      acceptedByType: { click: 2, rate: 1 },
    });
  });
});
