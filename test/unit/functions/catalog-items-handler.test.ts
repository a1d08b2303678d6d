import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createCatalogItemsHandler } from "../../../functions/api/create-catalog-items-handler.ts";
import { InMemoryItemCatalog } from "../../../layers/adapters/embedded/in-memory-item-catalog.ts";
import { InMemoryVectorIndex } from "../../../layers/adapters/embedded/in-memory-vector-index.ts";
import { CATALOG_LIMITS } from "../../../layers/domain/catalog/catalog-limits.ts";
import { ITEM_VECTORS_ALIAS } from "../../../layers/domain/catalog/item-vectors-alias.ts";
import { DependencyError } from "../../../layers/domain/errors/domain-errors.ts";
import type { VectorIndex } from "../../../layers/ports/vector-index.ts";
import { lambdaContext } from "./api-gateway-event.ts";
import { apiRequestEvent, callRoute } from "./api-request.ts";

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);
const INDEX = "items-v1";

interface Fixture {
  readonly catalog: InMemoryItemCatalog;
  readonly vectors: InMemoryVectorIndex;
  readonly handler: ReturnType<typeof createCatalogItemsHandler>;
}

/** A catalog and a served index (alias `items` → items-v1) holding vectors for i-1, i-2 and i-3. */
async function fixture(options: { vectors?: VectorIndex; withAlias?: boolean } = {}): Promise<Fixture> {
  const catalog = new InMemoryItemCatalog();
  const vectors = new InMemoryVectorIndex();
  await vectors.createIndex(INDEX, 2);
  await vectors.upsert(
    INDEX,
    ["i-1", "i-2", "i-3"].map((itemId, position) => ({
      itemId,
      vector: new Float32Array([1, position]),
      categories: [],
      available: true,
    })),
  );
  if (options.withAlias ?? true) await vectors.swapAlias(ITEM_VECTORS_ALIAS, INDEX);
  const handler = createCatalogItemsHandler({
    catalog,
    vectors: options.vectors ?? vectors,
    clock: () => NOW,
  });
  return { catalog, vectors, handler };
}

async function servedIds(vectors: VectorIndex): Promise<string[]> {
  const hits = await vectors.query(ITEM_VECTORS_ALIAS, { vector: new Float32Array([1, 0]), k: 10 });
  return hits.map((hit) => hit.itemId).sort();
}

const put = (handler: Fixture["handler"], itemId: string, body: unknown) =>
  callRoute(handler, { method: "PUT", route: "/v1/items/{itemId}", pathParameters: { itemId }, body });
const post = (handler: Fixture["handler"], body: unknown) =>
  callRoute(handler, { method: "POST", route: "/v1/items", body });
const remove = (handler: Fixture["handler"], itemId: string) =>
  callRoute(handler, { method: "DELETE", route: "/v1/items/{itemId}", pathParameters: { itemId } });

// The error middleware logs every refused request; keep the test output readable.
beforeEach(() => {
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("PUT /v1/items/{itemId}", () => {
  it("stores the item with defaults and answers it, as the document describes", async () => {
    const { catalog, handler } = await fixture();
    const response = await put(handler, "i-1", { title: "Dune" });
    expect(response.status).toBe(200);
    const expected = {
      itemId: "i-1",
      title: "Dune",
      categories: [],
      available: true,
      hidden: false,
      attributes: {},
      updatedAt: NOW,
    };
    expect(response.body).toEqual(expected);
    expect(await catalog.get("i-1")).toEqual(expected);
  });

  it("replaces the whole item: fields left out go back to their defaults", async () => {
    const { catalog, handler } = await fixture();
    await put(handler, "i-1", {
      title: "Dune",
      categories: ["books", "sf"],
      attributes: { author: "Herbert" },
    });
    await put(handler, "i-1", { categories: ["books"] });
    expect(await catalog.get("i-1")).toEqual({
      itemId: "i-1",
      categories: ["books"],
      available: true,
      hidden: false,
      attributes: {},
      updatedAt: NOW,
    });
  });

  it("takes an unavailable item out of k-NN at once, and puts it back when available again", async () => {
    const { vectors, handler } = await fixture();
    await put(handler, "i-2", { available: false });
    expect(await servedIds(vectors)).toEqual(["i-1", "i-3"]);
    await put(handler, "i-2", { available: true });
    expect(await servedIds(vectors)).toEqual(["i-1", "i-2", "i-3"]);
  });

  it("makes a hidden item visible again (the client's catalog says it exists)", async () => {
    const { catalog, handler } = await fixture();
    await remove(handler, "i-1");
    await put(handler, "i-1", { title: "back" });
    expect(await catalog.get("i-1")).toMatchObject({ hidden: false, title: "back" });
  });

  it("writes the catalog even before any model (no `items` alias yet)", async () => {
    const { catalog, handler } = await fixture({ withAlias: false });
    expect((await put(handler, "i-9", { available: false })).status).toBe(200);
    expect(await catalog.get("i-9")).toMatchObject({ available: false });
  });

  it.each([
    ["an unknown field", { title: "x", categroies: ["a"] }, "body", /categroies/],
    ["a title of the wrong type", { title: 5 }, "body.title", /string/],
    ["an empty title", { title: "" }, "body.title", /empty/],
    ["a title over the limit", { title: "t".repeat(CATALOG_LIMITS.maxTitleLength + 1) }, "body.title", /500/],
    [
      "too many categories",
      { categories: Array.from({ length: 21 }, (_, i) => `c${i}`) },
      "body.categories",
      /20/,
    ],
    ["a repeated category", { categories: ["a", "a"] }, "body.categories", /repeat/],
    ["a category that is no id", { categories: ["a b"] }, "body.categories.0", /letters/],
    ["available as a string", { available: "yes" }, "body.available", /boolean/],
    ["a non-string attribute", { attributes: { year: 1965 } }, "body.attributes.year", /string/],
    ["an attribute named __proto__", JSON.parse('{"attributes":{"__proto__":"x"}}'), "body", /__proto__/],
    ["an attribute name that starts with a symbol", { attributes: { _x: "v" } }, "body.attributes._x", /key/],
    [
      "JSON nested 40 deep",
      { attributes: { a: JSON.parse(`${"[".repeat(40)}${"]".repeat(40)}`) } },
      "body",
      /nested/,
    ],
    [
      "too many attributes",
      { attributes: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`a${i}`, "v"])) },
      "body.attributes",
      /50 entries/,
    ],
    [
      "attributes over 8 KiB",
      { attributes: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`a${i}`, "v".repeat(900)])) },
      "body.attributes",
      /8192 bytes/,
    ],
    ["an array body", [], "body", /object/],
  ])("answers 400 for %s, naming the field, and writes nothing", async (_, body, field, message) => {
    const { catalog, handler } = await fixture();
    const response = await put(handler, "i-1", body);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      error: "invalid_input",
      field,
      message: expect.stringMatching(message),
    });
    expect(await catalog.get("i-1")).toBeUndefined();
  });

  it.each([
    ["..", "a dot-segment"],
    [".", "a dot-segment"],
    ["%2e%2e", "an encoded dot-segment API Gateway did not decode"],
    ["../x", "a traversal"],
    ["", "an empty id"],
    ["x".repeat(201), "an id over 200 characters"],
    ["a\u202eb", "a bidi control character"],
  ])("answers 400 for the item id %j (%s)", async (itemId) => {
    const { handler } = await fixture();
    const response = await put(handler, itemId, { title: "x" });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ field: "pathParameters.itemId" });
  });

  it("answers 400 for a body that is missing or not JSON", async () => {
    const { handler } = await fixture();
    for (const body of [undefined, "", "{", "{'title':'x'}"]) {
      const response = await put(handler, "i-1", body);
      expect(response.status, String(body)).toBe(400);
      expect(response.body).toMatchObject({ field: "body" });
    }
  });

  it("answers 413 for a body over 64 KiB, before reading it", async () => {
    const { handler } = await fixture();
    const response = await put(handler, "i-1", { title: "x".repeat(CATALOG_LIMITS.maxSingleRequestBytes) });
    expect(response.status).toBe(413);
    expect(response.body).toMatchObject({
      error: "payload_too_large",
      message: expect.stringMatching(/65536/),
    });
  });
});

describe("POST /v1/items", () => {
  it("upserts a batch and answers how many items it wrote", async () => {
    const { catalog, vectors, handler } = await fixture();
    const response = await post(handler, {
      items: [
        { itemId: "i-1", title: "one" },
        { itemId: "i-2", available: false },
        { itemId: "new", categories: ["c"] },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ upserted: 3 });
    expect((await catalog.getMany(["i-1", "i-2", "new"])).map((item) => item.itemId).sort()).toEqual([
      "i-1",
      "i-2",
      "new",
    ]);
    expect(await servedIds(vectors)).toEqual(["i-1", "i-3"]);
  });

  it("takes 1,000 items", async () => {
    const { catalog, handler } = await fixture();
    const items = Array.from({ length: CATALOG_LIMITS.maxItemsPerBatch }, (_, i) => ({ itemId: `b-${i}` }));
    expect((await post(handler, { items })).body).toEqual({ upserted: 1000 });
    expect(await catalog.getMany(items.map((item) => item.itemId))).toHaveLength(1000);
  });

  it.each([
    ["no items", { items: [] }, "body.items", /at least one/],
    [
      "1,001 items",
      { items: Array.from({ length: 1001 }, (_, i) => ({ itemId: `b-${i}` })) },
      "body.items",
      /at most 1000/,
    ],
    [
      "an id twice",
      { items: [{ itemId: "a" }, { itemId: "b" }, { itemId: "a" }] },
      "body.items.2.itemId",
      /repeats items\.0\.itemId/,
    ],
    ["an item without an id", { items: [{ title: "x" }] }, "body.items.0.itemId", /./],
    ["an item id that is a dot-segment", { items: [{ itemId: ".." }] }, "body.items.0.itemId", /dots/],
    [
      "a bad field deep in the batch",
      { items: [{ itemId: "a" }, { itemId: "b", available: 1 }] },
      "body.items.1.available",
      /boolean/,
    ],
    ["an unknown top-level field", { items: [{ itemId: "a" }], upsert: true }, "body", /upsert/],
  ])("answers 400 for %s, naming the field, and writes nothing", async (_, body, field, message) => {
    const { catalog, handler } = await fixture();
    const response = await post(handler, body);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ field, message: expect.stringMatching(message) });
    expect(await catalog.getMany(["a", "b", "b-0"])).toEqual([]);
  });

  it("answers 413 for a batch over 5 MiB", async () => {
    const { handler } = await fixture();
    const body = JSON.stringify({ items: [{ itemId: "a", title: "x" }] }).padEnd(
      CATALOG_LIMITS.maxBatchRequestBytes + 1,
      " ",
    );
    expect((await post(handler, body)).status).toBe(413);
  });
});

describe("DELETE /v1/items/{itemId}", () => {
  it("hides the item in the catalog and removes it from the served index: 204, no body", async () => {
    const { catalog, vectors, handler } = await fixture();
    await put(handler, "i-2", { title: "two" });
    const response = await remove(handler, "i-2");
    expect(response.status).toBe(204);
    expect(response.rawBody).toBe("");
    expect(await catalog.get("i-2")).toMatchObject({ hidden: true, title: "two", updatedAt: NOW });
    expect(await servedIds(vectors)).toEqual(["i-1", "i-3"]);
    expect(await vectors.count(INDEX)).toBe(2);
  });

  it("hides an item the catalog never had (known to the model only), so every filter catches it", async () => {
    const { catalog, vectors, handler } = await fixture();
    expect((await remove(handler, "i-3")).status).toBe(204);
    expect(await catalog.get("i-3")).toEqual({
      itemId: "i-3",
      categories: [],
      available: false,
      hidden: true,
      attributes: {},
      updatedAt: NOW,
    });
    expect(await servedIds(vectors)).toEqual(["i-1", "i-2"]);
  });

  it("is idempotent: hiding twice, or an unknown item, answers 204", async () => {
    const { handler } = await fixture();
    expect((await remove(handler, "i-1")).status).toBe(204);
    expect((await remove(handler, "i-1")).status).toBe(204);
    expect((await remove(handler, "never-seen")).status).toBe(204);
  });

  it("hides in the catalog first: a vector store that fails leaves the item hidden, answers 503, and a retry completes", async () => {
    const working = new InMemoryVectorIndex();
    let down = true;
    const flaky: VectorIndex = new Proxy(working, {
      get(target, property, receiver) {
        if (property === "remove" && down)
          return async () => {
            throw new DependencyError("opensearch", "connection refused");
          };
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const { catalog } = await fixture();
    await working.createIndex(INDEX, 2);
    await working.upsert(INDEX, [
      { itemId: "i-1", vector: new Float32Array([1, 0]), categories: [], available: true },
    ]);
    await working.swapAlias(ITEM_VECTORS_ALIAS, INDEX);
    const handler = createCatalogItemsHandler({ catalog, vectors: flaky, clock: () => NOW });

    const failed = await remove(handler, "i-1");
    expect(failed.status).toBe(503);
    expect(failed.headers).toMatchObject({ "retry-after": "1" });
    expect(JSON.stringify(failed.body)).not.toMatch(/opensearch|refused/);
    expect(await catalog.get("i-1")).toMatchObject({ hidden: true });

    down = false;
    expect((await remove(handler, "i-1")).status).toBe(204);
    expect(await servedIds(working)).toEqual([]);
  });

  it("answers 400 for a path id that is no id", async () => {
    const { handler } = await fixture();
    for (const itemId of ["..", "a/b", ""]) expect((await remove(handler, itemId)).status).toBe(400);
  });
});

it("answers 404 to a method the catalog routes do not have (a direct invoke)", async () => {
  const { handler } = await fixture();
  const response = await handler(
    { ...apiRequestEvent({ method: "GET", route: "/v1/items/{itemId}", pathParameters: { itemId: "i-1" } }) },
    lambdaContext(),
  );
  expect(response.statusCode).toBe(404);
});
