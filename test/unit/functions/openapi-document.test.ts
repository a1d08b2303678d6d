import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type * as z from "zod/mini";
import { createEventsHandler } from "../../../functions/api/create-events-handler.ts";
import { buildOpenApiDocument } from "../../../functions/api/openapi/build-openapi-document.ts";
import {
  PopularItemsQuerySchema,
  REQUEST_COMPONENT_SCHEMAS,
  type RecommendationResponseSchema,
  RecommendationsQuerySchema,
} from "../../../functions/api/openapi/schemas.ts";
import { PLANNED_ROUTES, ROUTES, type RouteDefinition } from "../../../functions/api/route-table.ts";
import { httpErrorOf } from "../../../functions/commons/http-errors.ts";
import { InMemoryEventBus } from "../../../layers/adapters/embedded/in-memory-event-bus.ts";
import {
  ConflictError,
  DependencyError,
  ForbiddenError,
  InvalidInputError,
  MalformedRowError,
  NotFoundError,
  PayloadTooLargeError,
  ThrottledError,
  UnauthenticatedError,
} from "../../../layers/domain/errors/domain-errors.ts";
import {
  expectResponseMatchesDocument,
  isPlainObject,
  operationOf,
  responseProblems,
  schemaProblems,
  unsupportedSchemaKeywords,
} from "../../support/openapi-check.ts";
import { apiGatewayEvent, lambdaContext } from "./api-gateway-event.ts";
import { OPENAPI_DOCUMENT as document } from "./api-request.ts";

const ALL_ROUTES = [...ROUTES, ...PLANNED_ROUTES];

/** Every operation of the document as `METHOD path`. */
function documentedOperations(): string[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
  );
}

describe("the OpenAPI document", () => {
  it("is OpenAPI 3.1 and describes every route of the table, served and planned, and nothing else", () => {
    expect(document.openapi).toBe("3.1.0");
    expect(documentedOperations().sort()).toEqual(
      ALL_ROUTES.map((route) => `${route.method} ${route.path}`).sort(),
    );
  });

  it("marks the planned routes, and only those", () => {
    for (const route of ROUTES)
      expect(operationOf(document, route.method, route.path)["x-flywheel-planned"]).toBeUndefined();
    // Typed wide: the table may have no planned route at all.
    const planned: readonly RouteDefinition[] = PLANNED_ROUTES;
    for (const route of planned)
      expect(operationOf(document, route.method, route.path)["x-flywheel-planned"], route.path).toBe(true);
  });

  it("puts security on every operation: the API key on client routes, SigV4 on admin routes", () => {
    const schemes = document.components.securitySchemes;
    expect(schemes.apiKey).toMatchObject({ type: "apiKey", in: "header", name: "x-api-key" });
    expect(schemes.sigv4).toMatchObject({ type: "apiKey", in: "header", name: "Authorization" });
    for (const route of ALL_ROUTES) {
      const security = operationOf(document, route.method, route.path).security;
      expect(security, `${route.method} ${route.path}`).toEqual(
        route.auth === "admin" ? [{ sigv4: [] }] : [{ apiKey: [] }],
      );
    }
  });

  it("gives each operation a unique id, a success response and the errors its inputs imply", () => {
    const ids = new Set<string>();
    for (const route of ALL_ROUTES) {
      const label = `${route.method} ${route.path}`;
      const operation = operationOf(document, route.method, route.path);
      expect(typeof operation.operationId, label).toBe("string");
      ids.add(String(operation.operationId));
      const statuses = Object.keys(isPlainObject(operation.responses) ? operation.responses : {});
      expect(
        statuses.filter((status) => ["200", "202", "204"].includes(status)),
        label,
      ).toHaveLength(1);
      expect(statuses, label).toEqual(expect.arrayContaining(["403", "429", "500"]));
      const hasInput = Array.isArray(operation.parameters) || operation.requestBody !== undefined;
      if (hasInput) expect(statuses, label).toContain("400");
      if (operation.requestBody !== undefined) {
        expect(statuses, label).toContain("413");
        expect(operation.requestBody, label).toMatchObject({ "x-flywheel-max-bytes": expect.any(Number) });
      }
      if (route.auth === "admin") expect(statuses, label).toContain("401");
    }
    expect(ids.size).toBe(ALL_ROUTES.length);
  });

  it("declares every variable of a path as a required path parameter", () => {
    for (const route of ALL_ROUTES) {
      const variables = [...route.path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
      const operation = operationOf(document, route.method, route.path);
      const declared = (Array.isArray(operation.parameters) ? operation.parameters : []).filter(
        (parameter) => isPlainObject(parameter) && parameter.in === "path",
      );
      expect(declared.map((parameter) => isPlainObject(parameter) && parameter.name)).toEqual(variables);
      for (const parameter of declared) expect(parameter).toMatchObject({ required: true });
    }
  });

  it("describes the routes of issue 5 with their query parameters and bodies", () => {
    const names = (method: string, path: string) =>
      (operationOf(document, method, path).parameters as Array<{ name: string; in: string }>).map(
        (parameter) => `${parameter.in}:${parameter.name}`,
      );
    expect(names("GET", "/v1/users/{userId}/recommendations")).toEqual([
      "path:userId",
      "query:limit",
      "query:category",
      "query:exclude",
      "query:diversity",
    ]);
    expect(names("GET", "/v1/items/{itemId}/similar")).toEqual(["path:itemId", "query:limit"]);
    expect(names("GET", "/v1/popular")).toEqual(["query:limit", "query:category", "query:window"]);
    expect(operationOf(document, "POST", "/v1/events").requestBody).toMatchObject({
      required: true,
      content: { "application/json": { schema: { $ref: "#/components/schemas/EventsRequest" } } },
      "x-flywheel-max-bytes": 1024 * 1024,
    });
    expect(document.components.schemas.EventsRequest).toMatchObject({
      properties: { events: { minItems: 1, maxItems: 500 } },
    });
    expect(document.components.schemas.RecommendationResponse).toMatchObject({
      required: expect.arrayContaining(["recommendationId", "userId", "source", "modelVersion", "items"]),
      properties: { source: { enum: ["cache", "realtime", "batch", "popular"] } },
    });
  });

  it("refers only to schemas it defines, with keywords the checker knows", () => {
    const references = [...JSON.stringify(document).matchAll(/"\$ref":"([^"]+)"/g)].map((match) => match[1]);
    expect(references.length).toBeGreaterThan(0);
    for (const reference of new Set(references))
      expect(reference?.replace("#/components/schemas/", ""), reference).toBeOneOf(
        Object.keys(document.components.schemas),
      );
    expect(unsupportedSchemaKeywords(document)).toEqual([]);
  });

  it("states the server's stage and the version", () => {
    const built = buildOpenApiDocument({ version: "4.5.6", stageName: "prod" });
    expect(built.info.version).toBe("4.5.6");
    expect(built.servers[0]).toMatchObject({ url: "/{stage}", variables: { stage: { default: "prod" } } });
  });
});

describe("the document's schemas agree with the zod schemas they come from", () => {
  const bodyCases: Array<[keyof typeof REQUEST_COMPONENT_SCHEMAS, unknown]> = [
    ["CatalogItemBody", { title: "Dune", categories: ["books"], available: false, attributes: { a: "b" } }],
    ["CatalogItemBody", {}],
    ["CatalogItemBody", { title: "" }],
    ["CatalogItemBody", { categories: ["a b"] }],
    ["CatalogItemBody", { attributes: { "-x": "v" } }],
    ["CatalogItemBody", { attributes: { x: 1 } }],
    ["CatalogItemBody", { colour: "red" }],
    ["CatalogItemsBatch", { items: [{ itemId: "a" }] }],
    ["CatalogItemsBatch", { items: [{ itemId: ".." }] }],
    ["CatalogItemsBatch", { items: [{ itemId: "ä-1", title: "Ä" }] }],
    ["CatalogItemsBatch", { items: [] }],
    ["UserAttributesBody", { attributes: { locale: "de" } }],
    ["UserAttributesBody", { attributes: { locale: 1 } }],
    ["EventsRequest", { events: [{ userId: "u", itemId: "i", type: "click" }] }],
    ["EventsRequest", { events: [{ userId: "u", itemId: "i", type: "like" }] }],
    [
      "EventsRequest",
      { events: [{ userId: "u", itemId: "i", type: "rate", value: 4, timestamp: "2026-01-01T00:00:00Z" }] },
    ],
    ["EventsRequest", { events: [{ userId: "u", itemId: "i", type: "view", timestamp: -1 }] }],
  ];

  it.each(bodyCases)("%s accepts %j exactly when zod does", (name, body) => {
    const zodAccepts = REQUEST_COMPONENT_SCHEMAS[name].safeParse(body).success;
    const documentAccepts =
      schemaProblems(document, { $ref: `#/components/schemas/${name}` }, body).length === 0;
    expect(documentAccepts).toBe(zodAccepts);
  });

  it.each([
    [
      RecommendationsQuerySchema,
      "/v1/users/{userId}/recommendations",
      { limit: "5", exclude: "a,b", diversity: "mmr" },
    ],
    [RecommendationsQuerySchema, "/v1/users/{userId}/recommendations", { limit: "0" }],
    [RecommendationsQuerySchema, "/v1/users/{userId}/recommendations", { limit: "101" }],
    [RecommendationsQuerySchema, "/v1/users/{userId}/recommendations", { exclude: "a,,b" }],
    [RecommendationsQuerySchema, "/v1/users/{userId}/recommendations", { diversity: "2" }],
    [PopularItemsQuerySchema, "/v1/popular", { window: "24", category: "books" }],
    [PopularItemsQuerySchema, "/v1/popular", { window: "721" }],
  ] as Array<[z.ZodMiniType, string, Record<string, string>]>)(
    "query of %# accepts %j exactly when zod does",
    (schema, path, query) => {
      const parameters = operationOf(document, "GET", path).parameters as Array<{
        name: string;
        schema: unknown;
      }>;
      const documentAccepts = Object.entries(query).every(([name, value]) => {
        const parameter = parameters.find((candidate) => candidate.name === name);
        const typed = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
        return parameter !== undefined && schemaProblems(document, parameter.schema, typed).length === 0;
      });
      expect(documentAccepts).toBe(schema.safeParse(query).success);
    },
  );

  it("the error body accepts every answer http-errors.ts maps an error to", () => {
    for (const error of [
      new InvalidInputError("bad", "body.x"),
      new MalformedRowError(3, "bad"),
      new UnauthenticatedError("who?"),
      new ForbiddenError("no"),
      new PayloadTooLargeError("big"),
      new NotFoundError("gone"),
      new ConflictError("raced"),
      new ThrottledError("dynamodb", "slow down"),
      new DependencyError("redis", "down"),
      new Error("bug"),
    ]) {
      const mapped = httpErrorOf(error, "request-1");
      expect(
        schemaProblems(document, { $ref: "#/components/schemas/ErrorBody" }, mapped.body),
        error.name,
      ).toEqual([]);
    }
  });
});

describe("openapi-check: real answers against the document", () => {
  beforeEach(() => {
    vi.spyOn(console, "error").mockImplementation(() => {});
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it("accepts what the events handler answers, 202 and 400 alike", async () => {
    const handler = createEventsHandler(new InMemoryEventBus(), () => Date.UTC(2026, 10, 21));
    const route = { method: "POST", path: "/v1/events" };
    for (const body of [
      JSON.stringify({ events: [{ userId: "u", itemId: "i", type: "click" }, { userId: "u" }] }),
      "{not json",
    ]) {
      const response = await handler(
        { ...apiGatewayEvent({ path: "/v1/events" }), httpMethod: "POST", body },
        lambdaContext(),
      );
      expect([202, 400]).toContain(response.statusCode);
      expectResponseMatchesDocument(document, route, response);
    }
  });

  it("serves the document from GET /v1/openapi.json, cacheable, and the answer matches the document", async () => {
    vi.stubEnv("FLYWHEEL_STAGE", "dev");
    vi.stubEnv("FLYWHEEL_VERSION", "1.2.3");
    const { handler } = await import("../../../functions/api/openapi-handler.ts");
    const response = await handler(apiGatewayEvent({ path: "/v1/openapi.json" }), lambdaContext());
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({ "cache-control": "public, max-age=300" });
    const served: unknown = JSON.parse(response.body);
    expect(served).toEqual(
      JSON.parse(JSON.stringify(buildOpenApiDocument({ version: "1.2.3", stageName: "dev" }))),
    );
    expectResponseMatchesDocument(served, { method: "GET", path: "/v1/openapi.json" }, response);
  });

  it("reports an undocumented status, a body that breaks the schema, a body on a 204 and a non-JSON type", () => {
    const json = { "content-type": "application/json; charset=utf-8" };
    const recommendations = { method: "GET", path: "/v1/users/{userId}/recommendations" };
    const valid: z.input<typeof RecommendationResponseSchema> = {
      recommendationId: "r-1",
      userId: "u-1",
      source: "batch",
      modelVersion: null,
      items: [{ itemId: "i-1", score: 0.5, reason: { kind: "similar-to-history", itemId: "i-0" } }],
    };
    expect(
      responseProblems(document, recommendations, {
        statusCode: 200,
        headers: json,
        body: JSON.stringify(valid),
      }),
    ).toEqual([]);
    expect(
      responseProblems(document, recommendations, { statusCode: 418, headers: json, body: "{}" })[0],
    ).toMatch(/status not documented/);
    expect(
      responseProblems(document, recommendations, {
        statusCode: 200,
        headers: json,
        body: JSON.stringify({ ...valid, source: "guess", extra: 1 }),
      }),
    ).toEqual([
      expect.stringMatching(/source: "guess" is not one of/),
      expect.stringMatching(/unexpected property "extra"/),
    ]);
    expect(
      responseProblems(
        document,
        { method: "DELETE", path: "/v1/items/{itemId}" },
        { statusCode: 204, headers: {}, body: "{}" },
      )[0],
    ).toMatch(/promises no body/);
    expect(
      responseProblems(document, recommendations, {
        statusCode: 200,
        headers: { "content-type": "text/html" },
        body: "{}",
      })[0],
    ).toMatch(/not application\/json/);
    expect(
      responseProblems(document, recommendations, {
        statusCode: 400,
        headers: json,
        body: JSON.stringify({ error: "invalid_input", message: "x" }),
      })[0],
    ).toMatch(/lacks "requestId"/);
  });

  it("takes API Gateway's own 403 and 429 bodies as documented", () => {
    const route = { method: "GET", path: "/v1/health" };
    for (const [statusCode, message] of [
      [403, "Forbidden"],
      [429, "Too Many Requests"],
    ] as const)
      expect(
        responseProblems(document, route, {
          statusCode,
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ message }),
        }),
      ).toEqual([]);
  });

  it("refuses to check a schema keyword it does not know", () => {
    expect(() => schemaProblems(document, { type: "string", contentMediaType: "text/plain" }, "x")).toThrow(
      /does not know the JSON Schema keyword "contentMediaType"/,
    );
  });
});
