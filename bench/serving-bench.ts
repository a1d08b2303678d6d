// `npm run bench -- serving`: in-process latency of GET /v1/users/{id}/recommendations per cascade tier, on the
// embedded adapters at 100K items × 64 factors and 50K users: cache hit, realtime (profile vector → embedded
// k-NN → filters → diversity), batch (nightly list), popular (trending). The handler is called as Lambda would
// call it (an API Gateway proxy event through the middy stack), one request at a time.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createRecommendationsHandler } from "../functions/api/create-serving-handlers.ts";
import { HANDLERS, ROUTES } from "../functions/api/route-table.ts";
import { TrendingSnapshots } from "../layers/domain/serving/trending-snapshots.ts";
import { startLocalApiGateway } from "../local/api/local-api-gateway.ts";
import { createManualClock } from "../test/contract/manual-clock.ts";
import { embeddedServing } from "../test/support/serving-fixture.ts";
import { foldInModelOf, smallFactorModel } from "../test/support/streaming-fixture.ts";
import { apiGatewayEvent, lambdaContext } from "../test/unit/functions/api-gateway-event.ts";
import { type BenchFigure, round } from "./bench-figure.ts";

const ITEMS = 100_000;
const FACTORS = 64;
const USERS = 50_000;
const REQUESTS_PER_TIER = 2_000;
const HTTP_RATE_PER_SECOND = 500;
const HTTP_DURATION_SECONDS = 30;

type Tier = "cache" | "realtime" | "batch" | "popular";

export async function runServingBench(print: (figure: BenchFigure) => void): Promise<void> {
  const clock = createManualClock(Date.now());
  const world = embeddedServing(clock);
  const model = foldInModelOf(
    smallFactorModel({ items: ITEMS, factors: FACTORS, seed: 9, version: "bench-serve" }),
  );
  await world.activate(model);
  await world.catalogModelItems(model);
  // A fifth of users have a realtime vector, a fifth only a nightly list, the rest neither (cold).
  const userVector = (u: number) => {
    const row = (u * 7919) % ITEMS;
    return model.itemFactors.slice(row * FACTORS, (row + 1) * FACTORS);
  };
  for (let u = 0; u < USERS; u++) {
    if (u % 5 === 0) await world.putProfile(`u${u}`, userVector(u), model.version);
    else if (u % 5 === 1)
      await world.putBatch(
        `u${u}`,
        model.version,
        Array.from({ length: 50 }, (_, k) => ({
          itemId: `item-${(u * 31 + k * 977) % ITEMS}`,
          score: 1 - k / 50,
        })),
      );
  }
  for (let i = 0; i < 2_000; i++) await world.trend(`item-${(i * 104_729) % ITEMS}`, 1 + (i % 17));

  // As deployed (serving-dependencies-from-environment.ts): trending lists shared for a few seconds.
  const handler = createRecommendationsHandler({
    ...world.deps,
    trending: new TrendingSnapshots({ counters: world.deps.trending, clock: clock.now }),
  });
  const call = async (userId: string) => {
    const started = performance.now();
    const response = await handler(
      {
        ...apiGatewayEvent({ path: `/v1/users/${userId}/recommendations` }),
        pathParameters: { userId },
        queryStringParameters: { limit: "10" },
      },
      lambdaContext(),
    );
    const ms = performance.now() - started;
    if (response.statusCode !== 200) throw new Error(`answered ${response.statusCode}: ${response.body}`);
    return { ms, source: (JSON.parse(response.body) as { source: Tier }).source };
  };
  const usersOf: Record<Tier, (i: number) => string> = {
    realtime: (i) => `u${(i * 5) % USERS}`,
    cache: (i) => `u${(i * 5) % USERS}`,
    batch: (i) => `u${(i * 5 + 1) % USERS}`,
    popular: (i) => `u${(i * 5 + 2) % USERS}`,
  };
  // Realtime first (it fills the cache the cache tier then hits).
  for (const tier of ["realtime", "cache", "batch", "popular"] as const) {
    for (let i = 0; i < 100; i++) await call(usersOf[tier](REQUESTS_PER_TIER + i)); // warm-up, other users
    const samples: number[] = [];
    for (let i = 0; i < REQUESTS_PER_TIER; i++) {
      const { ms, source } = await call(usersOf[tier](i));
      if (source !== tier) throw new Error(`expected the ${tier} tier, got ${source}`);
      samples.push(ms);
    }
    samples.sort((a, b) => a - b);
    const at = (q: number) =>
      samples[Math.min(samples.length - 1, Math.ceil(q * samples.length) - 1)] ?? Number.NaN;
    const context = {
      tier,
      requests: REQUESTS_PER_TIER,
      items: ITEMS,
      factors: FACTORS,
      users: USERS,
      adapters: "embedded",
    };
    print({
      bench: "serving",
      metric: "handler_latency_p50",
      value: round(at(0.5), 3),
      unit: "ms",
      ...context,
    });
    print({
      bench: "serving",
      metric: "handler_latency_p99",
      value: round(at(0.99), 3),
      unit: "ms",
      ...context,
    });
  }

  await measureOverHttp(handler, usersOf, print);
}

/**
 * A fixed 500 requests/s for 30 s through the local API Gateway front (API key check, usage-plan token
 * bucket, proxy event, the handler in-process) over keep-alive HTTP on loopback, from a generator in its own
 * process (bench/fixed-rate-load.ts: open loop, latency from each request's due time). Users are drawn
 * across the tiers.
 */
async function measureOverHttp(
  handler: ReturnType<typeof createRecommendationsHandler>,
  usersOf: Record<Tier, (i: number) => string>,
  print: (figure: BenchFigure) => void,
): Promise<void> {
  const api = await startLocalApiGateway({
    routeTable: {
      routes: ROUTES.filter((route) => route.handler === "recommendations"),
      handlers: { recommendations: HANDLERS.recommendations },
    },
    handlers: { recommendations: handler as never },
    log: () => {},
  });
  const tiers: Tier[] = ["realtime", "batch", "popular", "cache", "popular"];
  const paths = Array.from({ length: 5_000 }, (_, i) => {
    const tier = tiers[i % tiers.length] ?? "popular";
    return `/v1/users/${usersOf[tier](Math.floor(i / tiers.length) % REQUESTS_PER_TIER)}/recommendations?limit=10`;
  });
  let result: { p50: number; p99: number; max: number; errors: Record<string, number>; achievedRate: number };
  try {
    const output = await new Promise<string>((resolve, reject) => {
      const plan = {
        url: api.url,
        headers: { "x-api-key": api.apiKeys[0]?.value ?? "" },
        rate: HTTP_RATE_PER_SECOND,
        seconds: HTTP_DURATION_SECONDS,
        paths,
      };
      const child = spawn(
        process.execPath,
        [fileURLToPath(new URL("./fixed-rate-load.ts", import.meta.url))],
        {
          stdio: ["pipe", "pipe", "inherit"],
        },
      );
      child.stdin.end(JSON.stringify(plan));
      let text = "";
      child.stdout.on("data", (chunk: Buffer) => {
        text += chunk.toString();
      });
      child.on("error", reject);
      child.on("exit", (code) =>
        code === 0 ? resolve(text) : reject(new Error(`load generator exited ${code}`)),
      );
    });
    result = JSON.parse(output);
  } finally {
    await api.stop();
  }
  const errorCount = Object.values(result.errors).reduce((sum, n) => sum + n, 0);
  const context = {
    rate_per_second: HTTP_RATE_PER_SECOND,
    seconds: HTTP_DURATION_SECONDS,
    achieved_rate: round(result.achievedRate, 1),
    mix: "realtime, batch, popular, cache, popular (round robin)",
    path: "load generator process → local API Gateway front → recommendations handler (embedded adapters)",
  };
  print({
    bench: "serving",
    metric: "http_latency_p50",
    value: round(result.p50, 2),
    unit: "ms",
    ...context,
  });
  print({
    bench: "serving",
    metric: "http_latency_p99",
    value: round(result.p99, 2),
    unit: "ms",
    ...context,
  });
  print({
    bench: "serving",
    metric: "http_errors",
    value: errorCount,
    unit: "requests",
    by_status: result.errors,
    ...context,
  });
}
