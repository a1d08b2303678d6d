import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import {
  createPopularItemsHandler,
  createRecommendationsHandler,
  createSimilarItemsHandler,
} from "../../../functions/api/create-serving-handlers.ts";
import {
  ErrorBodySchema,
  PopularItemsResponseSchema,
  RecommendationResponseSchema,
  SimilarItemsResponseSchema,
} from "../../../functions/api/openapi/schemas.ts";
import { DependencyError } from "../../../layers/domain/errors/domain-errors.ts";
import type { Ranker } from "../../../layers/ports/ranker.ts";
import { createManualClock } from "../../contract/manual-clock.ts";
import { malformedRequests, type RequestTemplate } from "../../support/malformed-requests.ts";
import { expectResponseMatchesDocument } from "../../support/openapi-check.ts";
import {
  categoryOf,
  type EmbeddedServing,
  embeddedServing,
  HOUR,
  rankByInnerProduct,
  vectorOf,
} from "../../support/serving-fixture.ts";
import { foldInModelOf, smallFactorModel } from "../../support/streaming-fixture.ts";
import { lambdaContext } from "../functions/api-gateway-event.ts";
import { apiRequestEvent, OPENAPI_DOCUMENT } from "../functions/api-request.ts";

// The three serving routes called as API Gateway calls them, over the embedded adapters: every answer is
// checked against the OpenAPI document the API serves, the cascade is followed tier by tier with
// dependencies failing under it, and each route is fuzzed with malformed requests (issue 5, "Reliability
// tests" and "Auth and errors").

const RECOMMENDATIONS = "/v1/users/{userId}/recommendations";
const SIMILAR = "/v1/items/{itemId}/similar";
const POPULAR = "/v1/popular";

const model = foldInModelOf(smallFactorModel({ items: 60, factors: 8, seed: 11, version: "m-1" }));

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

interface RouteRequest {
  readonly pathParameters?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string>>;
  readonly requestId?: string;
}

interface RouteAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, unknown>>;
  /** The parsed JSON, already checked against the document; read it typed through `asList` and the like. */
  readonly body: unknown;
  readonly rawBody: string;
}

/** A GET of the route with path and query parameters, its answer checked against the document. */
async function get(handler: Handler, route: string, request: RouteRequest = {}): Promise<RouteAnswer> {
  const base = apiRequestEvent({
    method: "GET",
    route,
    ...(request.pathParameters === undefined ? {} : { pathParameters: request.pathParameters }),
  });
  const query = request.query;
  const event: APIGatewayProxyEvent = {
    ...base,
    queryStringParameters: query === undefined ? null : { ...query },
    multiValueQueryStringParameters:
      query === undefined
        ? null
        : Object.fromEntries(Object.entries(query).map(([name, value]) => [name, [value]])),
    requestContext: { ...base.requestContext, requestId: request.requestId ?? "request-1" },
  };
  const response = await handler(event, lambdaContext());
  expectResponseMatchesDocument(OPENAPI_DOCUMENT, { method: "GET", path: route }, response);
  return {
    status: response.statusCode,
    headers: response.headers ?? {},
    body: JSON.parse(response.body),
    rawBody: response.body,
  };
}

/** The embedded world with model m-1 active, indexed and in the catalog. */
async function servingWorld(options: Parameters<typeof embeddedServing>[1] = {}): Promise<EmbeddedServing> {
  const world = embeddedServing(createManualClock(), options);
  await world.activate(model);
  await world.catalogModelItems(model);
  return world;
}

/** A taste vector that likes what these items are like. */
function tasteOf(...itemIds: string[]): Float32Array {
  const taste = new Float32Array(model.factors);
  for (const itemId of itemIds) {
    const vector = vectorOf(model, itemId);
    for (let f = 0; f < taste.length; f++) taste[f] = (taste[f] ?? 0) + (vector[f] ?? 0) * 10;
  }
  return taste;
}

/** A user with a vector of the active model and one recent click on item-3. */
async function warmUser(world: EmbeddedServing, userId = "u1"): Promise<Float32Array> {
  const taste = tasteOf("item-3", "item-7");
  await world.putProfile(userId, taste, model.version);
  await world.interact(userId, "item-3");
  return taste;
}

const NIGHTLY = [
  { itemId: "item-20", score: 3 },
  { itemId: "item-21", score: 2 },
  { itemId: "item-22", score: 1 },
];

const recommend = (world: EmbeddedServing, userId = "u1", query: Record<string, string> = { limit: "5" }) =>
  get(createRecommendationsHandler(world.deps), RECOMMENDATIONS, { pathParameters: { userId }, query });

// The bodies as the schemas the document was built from type them (parsing also re-checks them).
const asList = (answer: RouteAnswer) => RecommendationResponseSchema.parse(answer.body);
const asSimilar = (answer: RouteAnswer) => SimilarItemsResponseSchema.parse(answer.body);
const asPopular = (answer: RouteAnswer) => PopularItemsResponseSchema.parse(answer.body);
const asError = (answer: RouteAnswer) => ErrorBodySchema.parse(answer.body);

/** The item ids of any of the three lists, in order. */
const itemIdsOf = (answer: RouteAnswer): string[] =>
  z
    .looseObject({ items: z.array(z.looseObject({ itemId: z.string() })) })
    .parse(answer.body)
    .items.map(({ itemId }) => itemId);
const steps = (world: EmbeddedServing): string[] => world.degraded.map(({ step }) => step);

/** Words that would tell a caller which dependency failed: none may reach a 5xx body. */
const DEPENDENCY_WORDS =
  /cache|redis|valkey|vector|index|opensearch|batch|dynamo|trending|catalog|model|ranker|profile|interaction|injected|down/i;

function expectGenericUnavailable(answer: RouteAnswer, requestId: string): void {
  expect(answer.status).toBe(503);
  expect(answer.body).toEqual({
    error: "dependency_unavailable",
    message: "The service is temporarily unavailable.",
    requestId,
  });
  expect(answer.rawBody).not.toMatch(DEPENDENCY_WORDS);
}

beforeEach(() => {
  // The error middleware logs every refused or failed request; degraded steps may be logged too.
  vi.spyOn(console, "error").mockImplementation(() => {});
  vi.spyOn(console, "warn").mockImplementation(() => {});
  vi.spyOn(console, "info").mockImplementation(() => {});
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("GET /v1/users/{userId}/recommendations: each tier, as the document describes it", () => {
  it("realtime: the best unseen items for the user's vector, private to the user", async () => {
    const world = await servingWorld();
    const taste = await warmUser(world);
    const answer = await recommend(world);
    expect(answer.status).toBe(200);
    expect(answer.headers["cache-control"]).toBe("private, no-store");
    expect(answer.body).toMatchObject({ userId: "u1", source: "realtime", modelVersion: "m-1" });
    expect(itemIdsOf(answer)).toEqual(rankByInnerProduct(model, taste, (id) => id !== "item-3").slice(0, 5));
    // What was served is reported under the id the client quotes in its events.
    expect(world.served).toEqual([
      expect.objectContaining({
        recommendationId: asList(answer).recommendationId,
        source: "realtime",
        itemIds: itemIdsOf(answer),
      }),
    ]);
  });

  it("realtime with a category, excludes and each diversity mode", async () => {
    const world = await servingWorld();
    await warmUser(world);
    for (const diversity of ["none", "mmr", "category-cap"]) {
      const answer = await recommend(world, "u1", {
        limit: "6",
        category: "cat-2",
        exclude: "item-2,item-5",
        diversity,
      });
      expect(answer.status, diversity).toBe(200);
      expect(asList(answer).source, diversity).toBe("realtime");
      expect(asList(answer).items, diversity).toHaveLength(6);
      for (const itemId of itemIdsOf(answer)) {
        expect(categoryOf(itemId)).toBe("cat-2");
        expect(["item-2", "item-5"]).not.toContain(itemId);
      }
    }
  });

  it("cache: the same list again under a new recommendation id", async () => {
    const world = await servingWorld();
    await warmUser(world);
    const first = await recommend(world);
    const second = await recommend(world);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ source: "cache", modelVersion: "m-1", items: asList(first).items });
    expect(asList(second).recommendationId).not.toBe(asList(first).recommendationId);
  });

  it("batch: the nightly list of a user without a vector", async () => {
    const world = await servingWorld();
    await world.putBatch("u2", "m-1", NIGHTLY);
    const answer = await recommend(world, "u2");
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ userId: "u2", source: "batch", modelVersion: "m-1", items: NIGHTLY });
  });

  it("popular: trending items for a new user, and an empty list when nothing trends", async () => {
    const world = await servingWorld();
    expect((await recommend(world, "new-user")).body).toMatchObject({ source: "popular", items: [] });
    await world.trend("item-30", 4);
    await world.trend("item-31", 2);
    const answer = await recommend(world, "new-user");
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      userId: "new-user",
      source: "popular",
      modelVersion: null,
      items: [
        { itemId: "item-30", score: 4 },
        { itemId: "item-31", score: 2 },
      ],
    });
  });

  it("answers a user id with odd but allowed characters", async () => {
    const world = await servingWorld();
    const userId = "user:ü@example.com+1";
    const answer = await recommend(world, userId);
    expect(answer.status).toBe(200);
    expect(asList(answer).userId).toBe(userId);
  });
});

describe("GET /v1/items/{itemId}/similar and GET /v1/popular, as the document describes them", () => {
  it("similar from the model: cosine neighbours, shared for a minute", async () => {
    const world = await servingWorld();
    const answer = await get(createSimilarItemsHandler(world.deps), SIMILAR, {
      pathParameters: { itemId: "item-4" },
      query: { limit: "5" },
    });
    expect(answer.status).toBe(200);
    expect(answer.headers["cache-control"]).toBe("public, max-age=60");
    expect(answer.body).toMatchObject({ itemId: "item-4", source: "model", modelVersion: "m-1" });
    expect(asSimilar(answer).items).toHaveLength(5);
    expect(itemIdsOf(answer)).not.toContain("item-4");
  });

  it("similar from popular: an item the model does not know gets what trends in its categories", async () => {
    const world = await servingWorld();
    await world.putCatalogItem({ itemId: "brand-new", categories: ["cat-1"] });
    await world.trend("item-1", 9);
    await world.trend("item-4", 5);
    await world.trend("item-2", 7); // cat-2
    const answer = await get(createSimilarItemsHandler(world.deps), SIMILAR, {
      pathParameters: { itemId: "brand-new" },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      itemId: "brand-new",
      source: "popular",
      modelVersion: null,
      items: [
        { itemId: "item-1", score: 9 },
        { itemId: "item-4", score: 5 },
      ],
    });
  });

  it("popular overall, with the default window", async () => {
    const world = await servingWorld();
    await world.trend("item-1", 9);
    await world.trend("item-2", 7);
    await world.trend("item-9", 50, { ago: 2 * 24 * HOUR }); // outside the 24 h window
    const answer = await get(createPopularItemsHandler(world.deps), POPULAR);
    expect(answer.status).toBe(200);
    expect(answer.headers["cache-control"]).toBe("public, max-age=60");
    expect(answer.body).toEqual({
      windowHours: 24,
      items: [
        { itemId: "item-1", score: 9 },
        { itemId: "item-2", score: 7 },
      ],
    });
  });

  it("popular in one category over a longer window", async () => {
    const world = await servingWorld();
    await world.trend("item-1", 9);
    await world.trend("item-2", 7); // cat-2
    await world.trend("item-4", 50, { ago: 2 * 24 * HOUR });
    const answer = await get(createPopularItemsHandler(world.deps), POPULAR, {
      query: { category: "cat-1", window: "72", limit: "3" },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      category: "cat-1",
      windowHours: 72,
      items: [
        { itemId: "item-4", score: 50 },
        { itemId: "item-1", score: 9 },
      ],
    });
  });
});

describe("client mistakes: a 400 or 404 in the document's error schema", () => {
  const routes = [
    { name: "recommendations", route: RECOMMENDATIONS, pathParameters: { userId: "u1" } },
    { name: "similar", route: SIMILAR, pathParameters: { itemId: "item-4" } },
    { name: "popular", route: POPULAR, pathParameters: undefined },
  ] as const;
  const handlers = (world: EmbeddedServing): Record<(typeof routes)[number]["name"], Handler> => ({
    recommendations: createRecommendationsHandler(world.deps),
    similar: createSimilarItemsHandler(world.deps),
    popular: createPopularItemsHandler(world.deps),
  });

  it.each([["0"], ["101"], ["-1"], ["2.5"], ["ten"], [""]])(
    "a limit of %j is a 400 naming query.limit, on every route",
    async (limit) => {
      const world = await servingWorld();
      for (const { name, route, pathParameters } of routes) {
        const answer = await get(handlers(world)[name], route, {
          ...(pathParameters === undefined ? {} : { pathParameters }),
          query: { limit },
          requestId: `bad-limit-${name}`,
        });
        expect(answer.status, name).toBe(400);
        expect(answer.body, name).toMatchObject({
          error: "invalid_input",
          field: "query.limit",
          requestId: `bad-limit-${name}`,
        });
      }
      expect(world.served).toEqual([]);
    },
  );

  it.each([["0x10"], ["0o17"], ["0b101"], [" 5"], ["5\n"]])(
    "a number not written as a decimal number (%j) is a 400, as the document's integer says",
    async (text) => {
      const world = await servingWorld();
      for (const { name, route, pathParameters } of routes) {
        const answer = await get(handlers(world)[name], route, {
          ...(pathParameters === undefined ? {} : { pathParameters }),
          query: { limit: text },
        });
        expect(answer.status, name).toBe(400);
        expect(answer.body, name).toMatchObject({ error: "invalid_input", field: "query.limit" });
      }
      const window = await get(createPopularItemsHandler(world.deps), POPULAR, { query: { window: text } });
      expect(window.body).toMatchObject({ error: "invalid_input", field: "query.window" });
    },
  );

  it("numbers written as JSON writes them are taken: 1e1, 10.0", async () => {
    const world = await servingWorld();
    await world.trend("item-1", 1);
    for (const number of ["1e1", "10.0"]) {
      const answer = await get(createPopularItemsHandler(world.deps), POPULAR, {
        query: { limit: number, window: number },
      });
      expect(answer.status, number).toBe(200);
      expect(asPopular(answer).windowHours, number).toBe(10);
    }
  });

  it("an unknown diversity mode is a 400 naming query.diversity", async () => {
    const world = await servingWorld();
    const answer = await recommend(world, "u1", { diversity: "random" });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: "invalid_input", field: "query.diversity" });
  });

  it("an unknown query parameter is a 400, on every route", async () => {
    const world = await servingWorld();
    for (const { name, route, pathParameters } of routes) {
      const answer = await get(handlers(world)[name], route, {
        ...(pathParameters === undefined ? {} : { pathParameters }),
        query: { limit: "5", sort: "asc" },
      });
      expect(answer.status, name).toBe(400);
      expect(asError(answer).error, name).toBe("invalid_input");
      expect(asError(answer).message, name).toMatch(/sort/);
    }
  });

  it("a window outside 1–168 hours is a 400 naming query.window", async () => {
    const world = await servingWorld();
    for (const window of ["0", "169", "1.5"]) {
      const answer = await get(createPopularItemsHandler(world.deps), POPULAR, { query: { window } });
      expect(answer.status, window).toBe(400);
      expect(answer.body, window).toMatchObject({ error: "invalid_input", field: "query.window" });
    }
  });

  it("similar items of an item nobody knows is a 404; of a deleted one too", async () => {
    const world = await servingWorld();
    const handler = createSimilarItemsHandler(world.deps);
    const unknown = await get(handler, SIMILAR, {
      pathParameters: { itemId: "no-such-item" },
      requestId: "req-404",
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: "not_found", requestId: "req-404" });
    await world.catalog.port.hide("item-4", world.clock.now());
    expect((await get(handler, SIMILAR, { pathParameters: { itemId: "item-4" } })).status).toBe(404);
  });
});

describe("dependency failures through the handler: the next tier answers, with its source", () => {
  it("cache down: realtime", async () => {
    const world = await servingWorld();
    await warmUser(world);
    world.cache.failing.add("*");
    const answer = await recommend(world);
    expect(answer.status).toBe(200);
    expect(asList(answer).source).toBe("realtime");
    expect(steps(world)).toContain("cache-read");
  });

  it("vector index down: batch when the user has a nightly list", async () => {
    const world = await servingWorld();
    await warmUser(world);
    await world.putBatch("u1", "m-1", NIGHTLY);
    world.vectorIndex.failing.add("*");
    const answer = await recommend(world);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ source: "batch", items: NIGHTLY });
    expect(steps(world)).toEqual(["realtime"]);
  });

  it("vector index down and no nightly row: popular", async () => {
    const world = await servingWorld();
    await warmUser(world);
    await world.trend("item-30", 3);
    world.vectorIndex.failing.add("*");
    const answer = await recommend(world);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ source: "popular", items: [{ itemId: "item-30", score: 3 }] });
  });

  it("ranker that never answers: realtime in the k-NN order once the budget has passed", async () => {
    const ranker: Ranker = { score: () => new Promise<number[]>(() => {}) };
    const world = await servingWorld({ ranker, config: { rerankBudgetMs: 1 } });
    const taste = await warmUser(world);
    const answer = await recommend(world);
    expect(answer.status).toBe(200);
    expect(asList(answer).source).toBe("realtime");
    expect(itemIdsOf(answer)).toEqual(rankByInnerProduct(model, taste, (id) => id !== "item-3").slice(0, 5));
    expect(steps(world)).toEqual(["rerank"]);
  });

  it("ranker that throws, at once or asynchronously: realtime in the k-NN order", async () => {
    const rankers: Ranker[] = [
      {
        score: () => {
          throw new Error("synchronous failure");
        },
      },
      { score: async () => Promise.reject(new DependencyError("ranker", "endpoint down")) },
    ];
    for (const ranker of rankers) {
      const world = await servingWorld({ ranker });
      const taste = await warmUser(world);
      const answer = await recommend(world);
      expect(answer.status).toBe(200);
      expect(asList(answer).source).toBe("realtime");
      expect(itemIdsOf(answer)).toEqual(
        rankByInnerProduct(model, taste, (id) => id !== "item-3").slice(0, 5),
      );
    }
  });

  it("no nightly row for a user without a vector: popular", async () => {
    const world = await servingWorld();
    await world.putBatch("someone-else", "m-1", NIGHTLY);
    await world.trend("item-30", 3);
    const answer = await recommend(world, "u2");
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ source: "popular", items: [{ itemId: "item-30", score: 3 }] });
  });

  it("nightly store down: popular (for a user with a nightly row, and for a warm user)", async () => {
    const world = await servingWorld();
    await world.putBatch("u2", "m-1", NIGHTLY);
    await warmUser(world, "u1");
    await world.trend("item-30", 3);
    world.batchRecs.failing.add("*");
    for (const userId of ["u2", "u1"]) {
      const answer = await recommend(world, userId);
      expect(answer.status, userId).toBe(200);
      expect(asList(answer).source, userId).toBe("popular");
    }
  });

  it("model store down: batch for a user with a nightly row, popular for one without", async () => {
    const world = await servingWorld();
    await warmUser(world, "u1");
    await world.putBatch("u2", "m-1", NIGHTLY);
    await world.trend("item-30", 3);
    world.modelFails = true;
    expect((await recommend(world, "u2")).body).toMatchObject({ source: "batch", items: NIGHTLY });
    expect(asList(await recommend(world, "u1")).source).toBe("popular");
    expect(steps(world)).toContain("model");
  });

  it("model store down: similar items of a catalog item come from popular", async () => {
    const world = await servingWorld();
    await world.trend("item-1", 9);
    world.modelFails = true;
    const answer = await get(createSimilarItemsHandler(world.deps), SIMILAR, {
      pathParameters: { itemId: "item-4" },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ source: "popular", items: [{ itemId: "item-1", score: 9 }] });
  });

  it("every tier above popular down at once: popular", async () => {
    const world = await servingWorld();
    await warmUser(world);
    await world.putBatch("u1", "m-1", NIGHTLY);
    await world.trend("item-30", 3);
    world.cache.failing.add("*");
    world.vectorIndex.failing.add("*");
    world.profiles.failing.add("*");
    world.batchRecs.failing.add("*");
    const answer = await recommend(world);
    expect(answer.status).toBe(200);
    expect(asList(answer).source).toBe("popular");
  });
});

describe("only when popular itself fails: a 503 with a generic body and the request id", () => {
  it("recommendations: vector index and trending counters down", async () => {
    const world = await servingWorld();
    await warmUser(world);
    world.vectorIndex.failing.add("*");
    world.trending.failing.add("*");
    const answer = await get(createRecommendationsHandler(world.deps), RECOMMENDATIONS, {
      pathParameters: { userId: "u1" },
      requestId: "req-503-recs",
    });
    expectGenericUnavailable(answer, "req-503-recs");
    expect(answer.headers["retry-after"]).toBe("1");
    expect(world.served).toEqual([]);
  });

  it("popular: trending counters down", async () => {
    const world = await servingWorld();
    world.trending.failing.add("*");
    const answer = await get(createPopularItemsHandler(world.deps), POPULAR, { requestId: "req-503-pop" });
    expectGenericUnavailable(answer, "req-503-pop");
  });

  it("similar: the model is down and so are the trending counters", async () => {
    const world = await servingWorld();
    world.modelFails = true;
    world.trending.failing.add("*");
    const answer = await get(createSimilarItemsHandler(world.deps), SIMILAR, {
      pathParameters: { itemId: "item-4" },
      requestId: "req-503-similar",
    });
    expectGenericUnavailable(answer, "req-503-similar");
  });

  it("logs the detail the body leaves out, with the request id", async () => {
    const world = await servingWorld();
    world.trending.failing.add("*");
    await get(createPopularItemsHandler(world.deps), POPULAR, { requestId: "req-logged" });
    const logged = vi.mocked(console.error).mock.calls.map((call) => String(call[0]));
    expect(logged.some((line) => line.includes("req-logged") && line.includes("trending"))).toBe(true);
  });
});

describe("fuzz: malformed requests to the serving routes", () => {
  /** A call that takes longer than this is a hang, whatever the machine: each one takes milliseconds. */
  const HANG_DEADLINE_MS = 10_000;

  async function withDeadline<T>(call: Promise<T>, description: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${HANG_DEADLINE_MS} ms: ${description}`)),
        HANG_DEADLINE_MS,
      );
    });
    try {
      return await Promise.race([call, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends each malformed request, one at a time and awaited; returns the statuses seen, by count. */
  async function fuzzRoute(
    handler: Handler,
    template: RequestTemplate,
    seeds: readonly number[],
    countPerSeed: number,
  ): Promise<{ requests: number; statuses: Set<number>; kinds: Set<string> }> {
    const statuses = new Set<number>();
    const kinds = new Set<string>();
    let requests = 0;
    for (const seed of seeds) {
      for (const request of malformedRequests(OPENAPI_DOCUMENT, template, { count: countPerSeed, seed })) {
        const label = `seed ${seed}, ${request.kind}: ${request.description}`;
        const response = await withDeadline(handler(request.event, lambdaContext()), label);
        expect(response.statusCode, `${label} → ${response.body}`).toBeGreaterThanOrEqual(400);
        expect(response.statusCode, `${label} → ${response.body}`).toBeLessThan(500);
        expectResponseMatchesDocument(OPENAPI_DOCUMENT, template, response);
        statuses.add(response.statusCode);
        kinds.add(request.kind);
        requests++;
      }
    }
    return { requests, statuses, kinds };
  }

  /** A world where every valid request would be answered from a real tier. */
  async function fuzzWorld(): Promise<EmbeddedServing> {
    const world = await servingWorld();
    await warmUser(world);
    await world.putBatch("u2", "m-1", NIGHTLY);
    await world.trend("item-30", 3);
    await world.trend("item-4", 2);
    return world;
  }

  it("recommendations: 1,000 malformed requests, each a 400 from the document, nothing served", async () => {
    const world = await fuzzWorld();
    const tally = await fuzzRoute(
      createRecommendationsHandler(world.deps),
      {
        method: "GET",
        path: RECOMMENDATIONS,
        pathParameters: { userId: "u1" },
        query: { limit: "5", category: "cat-1", exclude: "item-1,item-2", diversity: "mmr" },
      },
      [701, 702],
      500,
    );
    expect(tally.requests).toBe(1000);
    expect([...tally.statuses]).toEqual([400]);
    expect([...tally.kinds].sort()).toEqual(["path-parameter", "query-parameter"]);
    expect(world.served).toEqual([]);
  });

  it("similar: 1,000 malformed requests, each a 400 from the document", async () => {
    const world = await fuzzWorld();
    const tally = await fuzzRoute(
      createSimilarItemsHandler(world.deps),
      { method: "GET", path: SIMILAR, pathParameters: { itemId: "item-4" }, query: { limit: "5" } },
      [703, 704],
      500,
    );
    expect(tally.requests).toBe(1000);
    expect([...tally.statuses]).toEqual([400]);
    expect([...tally.kinds].sort()).toEqual(["path-parameter", "query-parameter"]);
  });

  it("popular: 1,000 malformed requests, each a 400 from the document", async () => {
    const world = await fuzzWorld();
    const tally = await fuzzRoute(
      createPopularItemsHandler(world.deps),
      { method: "GET", path: POPULAR, query: { limit: "5", category: "cat-1", window: "24" } },
      [705, 706],
      500,
    );
    expect(tally.requests).toBe(1000);
    expect([...tally.statuses]).toEqual([400]);
    expect([...tally.kinds]).toEqual(["query-parameter"]);
  });
});
