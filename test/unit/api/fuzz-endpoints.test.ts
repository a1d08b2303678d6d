import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createCatalogItemsHandler } from "../../../functions/api/create-catalog-items-handler.ts";
import { createEventsHandler } from "../../../functions/api/create-events-handler.ts";
import { createUsersHandler } from "../../../functions/api/create-users-handler.ts";
import { buildOpenApiDocument } from "../../../functions/api/openapi/build-openapi-document.ts";
import { InMemoryBatchRecStore } from "../../../layers/adapters/embedded/in-memory-batch-rec-store.ts";
import { InMemoryCache } from "../../../layers/adapters/embedded/in-memory-cache.ts";
import { InMemoryEventBus } from "../../../layers/adapters/embedded/in-memory-event-bus.ts";
import { InMemoryInteractionLog } from "../../../layers/adapters/embedded/in-memory-interaction-log.ts";
import { InMemoryItemCatalog } from "../../../layers/adapters/embedded/in-memory-item-catalog.ts";
import { InMemoryProfileStore } from "../../../layers/adapters/embedded/in-memory-profile-store.ts";
import { InMemoryVectorIndex } from "../../../layers/adapters/embedded/in-memory-vector-index.ts";
import { ITEM_VECTORS_ALIAS } from "../../../layers/domain/catalog/item-vectors-alias.ts";
import {
  type MalformationKind,
  malformedRequests,
  type RequestTemplate,
} from "../../support/malformed-requests.ts";
import { expectResponseMatchesDocument } from "../../support/openapi-check.ts";
import { apiGatewayEvent, lambdaContext } from "../functions/api-gateway-event.ts";

// Every write endpoint that does not depend on the serving cascade, called directly (built with embedded
// adapters) with generated malformed requests: each must get a 4xx that the OpenAPI document describes,
// never a 5xx, and no request may hang or write anything.

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);
const document = buildOpenApiDocument({ version: "0.0.0-fuzz", stageName: "fuzz" });
/** A call that takes longer than this is a hang, whatever the machine: each valid one takes milliseconds. */
const HANG_DEADLINE_MS = 10_000;

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

interface FuzzTally {
  readonly requests: number;
  readonly statuses: ReadonlySet<number>;
  readonly kinds: ReadonlySet<MalformationKind>;
}

/**
 * Sends `count` malformed requests for the route, one at a time, each awaited against a deadline, and
 * checks every answer: below 500, `accepts` it, and as the document describes it.
 */
async function fuzzRoute(
  handler: Handler,
  template: RequestTemplate,
  options: { readonly count: number; readonly seed: number },
  accepts: (status: number, body: unknown) => boolean = (status) => status >= 400 && status < 500,
): Promise<FuzzTally> {
  const statuses = new Set<number>();
  const kinds = new Set<MalformationKind>();
  let requests = 0;
  for (const request of malformedRequests(document, template, options)) {
    const response = await withDeadline(handler(request.event, lambdaContext()), request.description);
    const body: unknown = response.body === "" ? undefined : JSON.parse(response.body);
    expect(response.statusCode, `${request.kind}: ${request.description}`).toBeLessThan(500);
    expect(
      accepts(response.statusCode, body),
      `${request.kind}: ${request.description} → ${response.body}`,
    ).toBe(true);
    expectResponseMatchesDocument(document, template, response);
    statuses.add(response.statusCode);
    kinds.add(request.kind);
    requests++;
  }
  return { requests, statuses, kinds };
}

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

/** The port with every call to the named methods counted (a malformed request must make none). */
function countingCalls<Port extends object>(
  port: Port,
  methods: ReadonlyArray<keyof Port>,
): { port: Port; calls: () => number } {
  let calls = 0;
  const counted = new Proxy(port, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      if (!methods.includes(property as keyof Port)) return value.bind(target);
      return (...args: unknown[]) => {
        calls++;
        return value.apply(target, args);
      };
    },
  });
  return { port: counted, calls: () => calls };
}

beforeEach(() => {
  // The error middleware logs every refused request (thousands here).
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("fuzz: POST /v1/events", () => {
  const template: RequestTemplate = {
    method: "POST",
    path: "/v1/events",
    body: {
      events: [
        {
          eventId: "e-1",
          userId: "u-1",
          itemId: "i-1",
          type: "rate",
          value: 4,
          timestamp: NOW - 60_000,
          recommendationId: "r-1",
          context: { page: "home" },
        },
      ],
    },
  };

  it("1,000 malformed requests: a 4xx, or a 202 that accepted none of the events; nothing published", async () => {
    const bus = new InMemoryEventBus();
    const tally = await fuzzRoute(
      createEventsHandler(bus, () => NOW),
      template,
      { count: 1000, seed: 501 },
      // A well-formed batch of bad events is a 202 naming each rejection, by design.
      (status, body) =>
        (status >= 400 && status < 500) ||
        (status === 202 &&
          typeof body === "object" &&
          body !== null &&
          "accepted" in body &&
          body.accepted === 0),
    );
    expect(tally.requests).toBe(1000);
    expect([...tally.statuses].sort()).toEqual([202, 400, 413]);
    expect([...tally.kinds].sort()).toEqual(["body-field", "body-shape", "body-size", "body-syntax"]);
    expect(bus.pending).toBe(0);
  });

  it("an event whose context is nested thousands deep is rejected, not a 500", async () => {
    const bus = new InMemoryEventBus();
    const handler = createEventsHandler(bus, () => NOW);
    const depth = 20_000;
    const body = `{"events":[{"userId":"u","itemId":"i","type":"click","context":{"a":${"[".repeat(depth)}${"]".repeat(depth)}}}]}`;
    const response = await handler(
      { ...apiGatewayEvent({ path: "/v1/events" }), httpMethod: "POST", body },
      lambdaContext(),
    );
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body)).toMatchObject({ accepted: 0, rejected: [{ index: 0 }] });
  });
});

describe("fuzz: PUT, POST and DELETE /v1/items", () => {
  async function catalogHandler() {
    const catalog = countingCalls(new InMemoryItemCatalog(), ["upsert", "hide"]);
    const index = new InMemoryVectorIndex();
    await index.createIndex("items-v1", 2);
    await index.upsert("items-v1", [
      { itemId: "i-1", vector: new Float32Array([1, 0]), categories: [], available: true },
    ]);
    await index.swapAlias(ITEM_VECTORS_ALIAS, "items-v1");
    const vectors = countingCalls(index, ["upsert", "remove", "setAvailability"]);
    const handler = createCatalogItemsHandler({
      catalog: catalog.port,
      vectors: vectors.port,
      clock: () => NOW,
    });
    return { handler, writes: () => catalog.calls() + vectors.calls() };
  }

  it("1,200 malformed requests over the three routes: each a 4xx, nothing written", async () => {
    const { handler, writes } = await catalogHandler();
    const put = await fuzzRoute(
      handler,
      {
        method: "PUT",
        path: "/v1/items/{itemId}",
        pathParameters: { itemId: "i-1" },
        body: {
          title: "Dune",
          categories: ["books", "sf"],
          available: true,
          attributes: { author: "Herbert" },
        },
      },
      { count: 500, seed: 502 },
    );
    const post = await fuzzRoute(
      handler,
      {
        method: "POST",
        path: "/v1/items",
        body: {
          items: [
            {
              itemId: "i-1",
              title: "Dune",
              categories: ["books"],
              available: false,
              attributes: { year: "1965" },
            },
            { itemId: "i-2" },
          ],
        },
      },
      { count: 400, seed: 503 },
    );
    const remove = await fuzzRoute(
      handler,
      { method: "DELETE", path: "/v1/items/{itemId}", pathParameters: { itemId: "i-1" } },
      { count: 300, seed: 504 },
    );
    expect(put.requests + post.requests + remove.requests).toBe(1200);
    expect([...put.statuses].sort()).toEqual([400, 413]);
    expect([...post.statuses].sort()).toEqual([400, 413]);
    expect([...remove.statuses]).toEqual([400]);
    expect(put.kinds.size).toBe(5);
    expect(writes()).toBe(0);
  });
});

describe("fuzz: PUT and DELETE /v1/users/{userId}", () => {
  it("1,100 malformed requests over the two routes: each a 4xx, nothing written or erased", async () => {
    const clock = () => NOW;
    const profiles = countingCalls(new InMemoryProfileStore(), ["put", "delete"]);
    const interactions = countingCalls(new InMemoryInteractionLog({ clock }), ["append", "deleteUser"]);
    const batchRecs = countingCalls(new InMemoryBatchRecStore({ clock }), ["putMany", "delete"]);
    const cache = countingCalls(new InMemoryCache({ clock }), ["set", "deleteUser"]);
    const handler = createUsersHandler({
      profiles: profiles.port,
      interactions: interactions.port,
      batchRecs: batchRecs.port,
      cache: cache.port,
      clock,
    });
    const put = await fuzzRoute(
      handler,
      {
        method: "PUT",
        path: "/v1/users/{userId}",
        pathParameters: { userId: "u-1" },
        body: { attributes: { locale: "de-AT", segment: "gold" } },
      },
      { count: 700, seed: 505 },
    );
    const erase = await fuzzRoute(
      handler,
      { method: "DELETE", path: "/v1/users/{userId}", pathParameters: { userId: "u-1" } },
      { count: 400, seed: 506 },
    );
    expect(put.requests + erase.requests).toBe(1100);
    expect([...put.statuses].sort()).toEqual([400, 413]);
    expect([...erase.statuses]).toEqual([400]);
    expect(profiles.calls() + interactions.calls() + batchRecs.calls() + cache.calls()).toBe(0);
  });
});

describe("the generator", () => {
  it("is deterministic for a seed, and differs between seeds", () => {
    const template: RequestTemplate = {
      method: "PUT",
      path: "/v1/users/{userId}",
      pathParameters: { userId: "u-1" },
      body: { attributes: { locale: "en" } },
    };
    const descriptions = (seed: number) =>
      [...malformedRequests(document, template, { count: 50, seed })].map((request) => request.description);
    expect(descriptions(7)).toEqual(descriptions(7));
    expect(descriptions(7)).not.toEqual(descriptions(8));
  });

  it("covers the traversal and dot-segment ids the issue names", () => {
    const values = new Set(
      [
        ...malformedRequests(
          document,
          { method: "DELETE", path: "/v1/items/{itemId}", pathParameters: { itemId: "i-1" } },
          { count: 1000, seed: 9 },
        ),
      ].map((request) => request.pathParameters?.itemId),
    );
    for (const id of ["..", "../x", "%2e%2e", ""]) expect(values, id).toContain(id);
    expect([...values].some((id) => id !== undefined && id.length > 200)).toBe(true);
  });
});
