// `npm run bench -- streaming`: the streaming path's freshness (POST /v1/events returning → profile and cache
// updated) through the local event-source mapping, and the stream handler's throughput on one core against
// the emulators, with the time spent in each dependency (which part bounds it), beside the same handler on
// the embedded adapters (the domain's own bound).
import { createEventsHandler } from "../functions/api/create-events-handler.ts";
import { createKinesisStreamHandler } from "../functions/stream/create-kinesis-stream-handler.ts";
import { InMemoryDeadLetterQueue } from "../layers/adapters/embedded/in-memory-dead-letter-queue.ts";
import type { StreamingDependencies } from "../layers/domain/streaming/process-stream-batch.ts";
import type { StreamEvent } from "../layers/ports/event-bus.ts";
import { startLocalCloud } from "../local/cloud/local-cloud.ts";
import {
  activateModel,
  deleteStreamingResources,
  provisionStreamingResources,
  startLocalStreamingPath,
} from "../local/runtime/local-streaming-path.ts";
import { createManualClock } from "../test/contract/manual-clock.ts";
import { kinesisBatch, payloadOf } from "../test/support/kinesis-batch.ts";
import { embeddedStreaming, foldInModelOf, smallFactorModel } from "../test/support/streaming-fixture.ts";
import { apiGatewayEvent, lambdaContext } from "../test/unit/functions/api-gateway-event.ts";
import { type BenchFigure, round } from "./bench-figure.ts";

const ITEMS = 10_000;
const FACTORS = 64;
const FRESHNESS_EVENTS = 1_000;
const FRESHNESS_IN_FLIGHT = 20;
const THROUGHPUT_EVENTS = 20_000;
const THROUGHPUT_USERS = 5_000;
const BATCH = 100;

export async function runStreamingBench(print: (figure: BenchFigure) => void): Promise<void> {
  const model = smallFactorModel({ items: ITEMS, factors: FACTORS, seed: 5, version: "bench-stream" });
  const figure = (metric: string, value: number, unit: string, context: Record<string, unknown> = {}) =>
    print({ bench: "streaming", metric, value, unit, ...context });

  // The domain's own bound: the same handler on the embedded adapters.
  {
    const clock = createManualClock(Date.now());
    const world = embeddedStreaming(clock, foldInModelOf(model));
    const rate = await measureThroughput(
      world.deps,
      generatedEvents("emb", THROUGHPUT_EVENTS, THROUGHPUT_USERS),
    );
    figure("handler_throughput", Math.round(rate.eventsPerSecond), "events/s", {
      adapters: "embedded",
      events: THROUGHPUT_EVENTS,
      users: THROUGHPUT_USERS,
      batch: BATCH,
      factors: FACTORS,
    });
  }

  // The handler logs one line per batch; the bench prints figures only.
  const info = console.info;
  console.info = () => {};
  const cloud = await startLocalCloud({ services: ["dynamodb", "kinesis", "s3", "redis"], log: () => {} });
  const previousEnv = { ...process.env };
  Object.assign(process.env, cloud.env);
  const resources = await provisionStreamingResources(`bench-${Date.now().toString(36)}`);
  try {
    await activateModel(resources, model);
    const path = await startLocalStreamingPath(resources, { log: () => {} });
    try {
      await measureFreshness(path, figure);
    } finally {
      await path.stop();
    }
    // Throughput: the handler alone on this process's one core, timed per dependency.
    const timing = new Map<string, number>();
    const deps = timedDependencies(path.deps, timing);
    const rate = await measureThroughput(deps, generatedEvents("emu", THROUGHPUT_EVENTS, THROUGHPUT_USERS));
    figure("handler_throughput", Math.round(rate.eventsPerSecond), "events/s", {
      adapters: "emulators (DynamoDB Local, Redis, S3 on moto)",
      events: THROUGHPUT_EVENTS,
      users: THROUGHPUT_USERS,
      batch: BATCH,
      factors: FACTORS,
    });
    const total = [...timing.values()].reduce((sum, ms) => sum + ms, 0);
    for (const [step, ms] of [...timing].sort((a, b) => b[1] - a[1])) {
      figure("handler_time_share", round((100 * ms) / total, 1), "%", {
        step,
        note: "summed over concurrent calls: shares of dependency time, not of wall time",
      });
    }
  } finally {
    await deleteStreamingResources(resources);
    await cloud.stop();
    for (const key of Object.keys(process.env)) if (!(key in previousEnv)) delete process.env[key];
    Object.assign(process.env, previousEnv);
    console.info = info;
  }
}

/** POST → the handler has written the profile and dropped the cache for the batch holding the event. */
async function measureFreshness(
  path: Awaited<ReturnType<typeof startLocalStreamingPath>>,
  figure: (metric: string, value: number, unit: string, context?: Record<string, unknown>) => void,
): Promise<void> {
  const post = createEventsHandler(path.eventBus);
  const applied = new Map<string, (at: number) => void>();
  // Watch the handler's effects land: the cache entry of each user is dropped once its profile is written.
  const cacheDelete = path.deps.cache.deleteUser.bind(path.deps.cache);
  path.deps.cache.deleteUser = async (userId: string) => {
    await cacheDelete(userId);
    applied.get(userId)?.(performance.now());
  };
  const latencies: number[] = [];
  const run = Date.now().toString(36);

  let next = 0;
  const worker = async () => {
    while (next < FRESHNESS_EVENTS) {
      const index = next++;
      const userId = `fresh-${run}-${index}`;
      const landed = new Promise<number>((resolve) => applied.set(userId, resolve));
      const response = await post(
        {
          ...apiGatewayEvent({ path: "/v1/events" }),
          httpMethod: "POST",
          body: JSON.stringify({ events: [{ userId, itemId: `item-${index % ITEMS}`, type: "click" }] }),
        },
        lambdaContext(),
      );
      const returned = performance.now();
      if (response.statusCode !== 202) throw new Error(`POST /v1/events answered ${response.statusCode}`);
      latencies.push((await landed) - returned);
      applied.delete(userId);
    }
  };
  await Promise.all(Array.from({ length: FRESHNESS_IN_FLIGHT }, worker));
  latencies.sort((a, b) => a - b);
  const context = {
    events: FRESHNESS_EVENTS,
    in_flight: FRESHNESS_IN_FLIGHT,
    batching_window_ms: 100,
    poll_interval_ms: 50,
    shards: 2,
    path: "POST /v1/events → kinesis-mock → local event-source mapping → stream handler (DynamoDB Local, Redis)",
  };
  for (const [metric, q] of [
    ["freshness_p50", 0.5],
    ["freshness_p95", 0.95],
    ["freshness_p99", 0.99],
  ] as const) {
    figure(
      metric,
      round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0, 1),
      "ms",
      context,
    );
  }
}

async function measureThroughput(
  deps: StreamingDependencies,
  events: readonly StreamEvent[],
): Promise<{ eventsPerSecond: number }> {
  const handler = createKinesisStreamHandler(deps, new InMemoryDeadLetterQueue());
  const info = console.info;
  console.info = () => {};
  try {
    const started = performance.now();
    for (let start = 0; start < events.length; start += BATCH) {
      const batch = events.slice(start, start + BATCH);
      const response = await handler(
        kinesisBatch(batch.map(payloadOf), {
          firstSequence: BigInt(start),
          partitionKeyOf: (index) => batch[index]?.userId ?? "",
        }),
      );
      if (response.batchItemFailures.length > 0) throw new Error("a batch failed during the throughput run");
    }
    return { eventsPerSecond: events.length / ((performance.now() - started) / 1000) };
  } finally {
    console.info = info;
  }
}

function generatedEvents(prefix: string, count: number, users: number): StreamEvent[] {
  const now = Date.now();
  const types = ["view", "click", "view", "add_to_cart", "view", "purchase"] as const;
  return Array.from({ length: count }, (_, i) => ({
    eventId: `${prefix}-${now}-${i}`,
    userId: `${prefix}-u${(i * 7919) % users}`,
    itemId: `item-${(i * 2654435761) % ITEMS}`,
    type: types[i % types.length] ?? "view",
    timestamp: now - (count - i),
    receivedAt: now,
  }));
}

/** Wraps every port so the milliseconds spent in each method add up per `port.method`. */
function timedDependencies(deps: StreamingDependencies, timing: Map<string, number>): StreamingDependencies {
  const wrap = <T extends object>(name: string, port: T): T =>
    new Proxy(port, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (typeof value !== "function") return value;
        return async (...args: unknown[]) => {
          const started = performance.now();
          try {
            return await value.apply(target, args);
          } finally {
            const step = `${name}.${String(key)}`;
            timing.set(step, (timing.get(step) ?? 0) + performance.now() - started);
          }
        };
      },
    });
  return {
    ...deps,
    interactionLog: wrap("interactionLog", deps.interactionLog),
    profiles: wrap("profiles", deps.profiles),
    trending: wrap("trending", deps.trending),
    cache: wrap("cache", deps.cache),
    recommendationLog: wrap("recommendationLog", deps.recommendationLog),
    batchRecs: wrap("batchRecs", deps.batchRecs),
  };
}
