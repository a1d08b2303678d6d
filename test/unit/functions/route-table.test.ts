import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  API_ROUTE_TABLE,
  HANDLERS,
  type HandlerDefinition,
  PLANNED_HANDLERS,
  PLANNED_ROUTES,
  ROUTES,
  type RouteDefinition,
  type RouteTable,
} from "../../../functions/api/route-table.ts";
import {
  parsePathTemplate,
  RouteTableError,
  validateRouteTable,
} from "../../../functions/api/route-table-validation.ts";

const FUNCTIONS_DIRECTORY = fileURLToPath(new URL("../../../functions/", import.meta.url));
const handler: HandlerDefinition = {
  entry: "api/x.ts",
  description: "",
  timeoutSeconds: 3,
  memorySizeMb: 256,
};

function problemsOf(table: RouteTable): readonly string[] {
  try {
    validateRouteTable(table);
    return [];
  } catch (error) {
    if (error instanceof RouteTableError) return error.problems;
    throw error;
  }
}

function tableOf(
  routes: readonly RouteDefinition[],
  handlers: RouteTable["handlers"] = { h: handler },
): RouteTable {
  return { routes, handlers };
}

describe("the route table", () => {
  it("is valid, and stays valid with every planned route moved in", () => {
    expect(() => validateRouteTable(API_ROUTE_TABLE)).not.toThrow();
    expect(() =>
      validateRouteTable({
        routes: [...ROUTES, ...PLANNED_ROUTES],
        handlers: { ...HANDLERS, ...PLANNED_HANDLERS },
      }),
    ).not.toThrow();
  });

  it("names only handler modules that exist; planned ones do not exist yet", () => {
    for (const definition of Object.values(HANDLERS))
      expect(existsSync(`${FUNCTIONS_DIRECTORY}${definition.entry}`), definition.entry).toBe(true);
    for (const definition of Object.values(PLANNED_HANDLERS))
      expect(existsSync(`${FUNCTIONS_DIRECTORY}${definition.entry}`), definition.entry).toBe(false);
  });

  it("holds every endpoint of issues 4, 5 and 6 (served or planned), each once", () => {
    const all = [...ROUTES, ...PLANNED_ROUTES].map((route) => `${route.method} ${route.path} ${route.auth}`);
    expect(all.sort()).toEqual(
      [
        "GET /v1/health api-key",
        "GET /v1/openapi.json api-key",
        "GET /v1/users/{userId}/recommendations api-key",
        "GET /v1/items/{itemId}/similar api-key",
        "GET /v1/popular api-key",
        "PUT /v1/items/{itemId} api-key",
        "POST /v1/items api-key",
        "DELETE /v1/items/{itemId} api-key",
        "PUT /v1/users/{userId} api-key",
        "DELETE /v1/users/{userId} api-key",
        "POST /v1/events api-key",
        "POST /v1/admin/training-runs admin",
        "GET /v1/admin/training-runs admin",
        "GET /v1/admin/training-runs/{runId} admin",
        "GET /v1/admin/models admin",
      ].sort(),
    );
  });

  it("puts a credential on every route (DESIGN.md: auth on every route)", () => {
    for (const route of [...ROUTES, ...PLANNED_ROUTES]) expect(route.auth).not.toBe("none");
  });
});

describe("parsePathTemplate", () => {
  it("splits literals and variables", () => {
    expect(parsePathTemplate("/v1/users/{userId}/recommendations")).toEqual([
      { kind: "literal", value: "v1" },
      { kind: "literal", value: "users" },
      { kind: "variable", name: "userId" },
      { kind: "literal", value: "recommendations" },
    ]);
    expect(parsePathTemplate("/")).toEqual([]);
    expect(parsePathTemplate("/v1/openapi.json")).toEqual([
      { kind: "literal", value: "v1" },
      { kind: "literal", value: "openapi.json" },
    ]);
  });

  it.each([
    ["v1/health", /must start with/],
    ["/v1/health/", /must not end with/],
    ["/v1//health", /segment ""/],
    ["/v1/{proxy+}", /greedy/],
    ["/v1/items/x{id}", /not a plain \{name\} variable/],
    ["/v1/it ems", /must be letters, digits/],
  ])("refuses %s", (path, message) => {
    expect(parsePathTemplate(path)).toMatch(message);
  });
});

describe("validateRouteTable refuses", () => {
  it("a duplicate route", () => {
    const route = { method: "GET", path: "/v1/x", handler: "h", auth: "api-key" } as const;
    expect(problemsOf(tableOf([route, route]))).toEqual(["GET /v1/x: declared twice"]);
  });

  it("sibling variables with different names, which API Gateway refuses", () => {
    expect(
      problemsOf(
        tableOf([
          { method: "GET", path: "/v1/items/{itemId}", handler: "h", auth: "api-key" },
          { method: "GET", path: "/v1/items/{id}/similar", handler: "h", auth: "api-key" },
        ]),
      ),
    ).toEqual([expect.stringMatching(/\{id\} beside \{itemId\} under "\/v1\/items"/)]);
  });

  it("a route naming an unknown handler, and a handler no route uses", () => {
    expect(
      problemsOf(
        tableOf([{ method: "GET", path: "/v1/x", handler: "nope", auth: "api-key" }], { h: handler }),
      ),
    ).toEqual([
      'GET /v1/x: handler "nope" is not in the handler map',
      'handler "h" is not used by any route',
    ]);
  });

  it("an admin path that is not admin-authorized", () => {
    expect(
      problemsOf(tableOf([{ method: "GET", path: "/v1/admin/models", handler: "h", auth: "api-key" }])),
    ).toEqual([expect.stringMatching(/must use auth "admin"/)]);
  });

  it("Lambda settings out of range and a non-TypeScript entry", () => {
    const bad: HandlerDefinition = {
      entry: "api/x.js",
      description: "",
      timeoutSeconds: 0,
      memorySizeMb: 64,
    };
    expect(
      problemsOf(tableOf([{ method: "GET", path: "/v1/x", handler: "h", auth: "api-key" }], { h: bad })),
    ).toEqual([
      expect.stringMatching(/must be a \.ts module/),
      expect.stringMatching(/timeoutSeconds/),
      expect.stringMatching(/memorySizeMb/),
    ]);
  });

  it("an unsupported method and a malformed path, reporting both", () => {
    const routes: RouteDefinition[] = [
      { method: "GET", path: "/v1/a/", handler: "h", auth: "api-key" },
      // A method outside the type, as a table from JSON could have.
      JSON.parse('{"method":"TRACE","path":"/v1/b","handler":"h","auth":"api-key"}'),
    ];
    expect(problemsOf(tableOf(routes))).toEqual([
      expect.stringMatching(/must not end with/),
      "TRACE /v1/b: unsupported method TRACE",
    ]);
  });
});
