/**
 * The HTTP API's route table: the one definition that both the CDK stack (infra/constructs/api-routes.ts)
 * and the local API Gateway front (local/api/local-api-gateway.ts) read. Plain data, no CDK and no Node
 * APIs, so either side can import it.
 *
 * A route is moved from PLANNED_ROUTES to ROUTES (and its handler from PLANNED_HANDLERS to HANDLERS) in the
 * change that adds the handler module. The front refuses to start and synthesis fails when a route in
 * ROUTES names a handler module that does not exist; PLANNED_* are ignored by both until then.
 */

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * - `api-key`: a client route. In AWS the method has `apiKeyRequired` and the key belongs to a usage plan
 *   (throttling); locally the front checks `x-api-key` and throttles with the same numbers.
 * - `admin`: an operator route, authorized with IAM (SigV4-signed requests; see docs/api-gateway.md).
 * - `none`: no credential at all. No route uses it: DESIGN.md asks for auth on every route.
 */
export type RouteAuth = "api-key" | "admin" | "none";

export interface RouteDefinition<HandlerIdType extends string = string> {
  readonly method: HttpMethod;
  /** An API Gateway resource path template: `/v1/users/{userId}/recommendations`. */
  readonly path: string;
  /** Which Lambda serves the route; several routes may share one. */
  readonly handler: HandlerIdType;
  readonly auth: RouteAuth;
}

export interface HandlerDefinition {
  /** The handler module, relative to `functions/` (absolute paths are allowed, for tests). */
  readonly entry: string;
  /** One line for the Lambda's description. */
  readonly description: string;
  /** The Lambda timeout; the local front enforces it too. At most 29 s is useful behind API Gateway. */
  readonly timeoutSeconds: number;
  readonly memorySizeMb: number;
}

export interface RouteTable {
  readonly routes: readonly RouteDefinition[];
  readonly handlers: Readonly<Record<string, HandlerDefinition>>;
}

/** Handlers that exist. The module of each must export `handler`. */
export const HANDLERS = {
  health: {
    entry: "api/health-handler.ts",
    description: "GET /v1/health: liveness and the deployed version",
    timeoutSeconds: 3,
    memorySizeMb: 256,
  },
  events: {
    entry: "api/events-handler.ts",
    description: "POST /v1/events: validate and publish interaction events to the stream",
    timeoutSeconds: 10,
    memorySizeMb: 512,
  },
  "catalog-items": {
    entry: "api/catalog-items-handler.ts",
    description: "PUT/POST/DELETE /v1/items: catalog upserts and hiding",
    timeoutSeconds: 29,
    memorySizeMb: 512,
  },
  users: {
    entry: "api/users-handler.ts",
    description: "PUT/DELETE /v1/users/{userId}: user attributes and erasure",
    timeoutSeconds: 29,
    memorySizeMb: 512,
  },
  openapi: {
    entry: "api/openapi-handler.ts",
    description: "GET /v1/openapi.json: the API's OpenAPI 3.1 document",
    timeoutSeconds: 3,
    memorySizeMb: 256,
  },
  recommendations: {
    entry: "api/recommendations-handler.ts",
    description: "GET /v1/users/{userId}/recommendations: the serving cascade",
    timeoutSeconds: 10,
    memorySizeMb: 1024,
  },
  "similar-items": {
    entry: "api/similar-items-handler.ts",
    description: "GET /v1/items/{itemId}/similar: item-to-item k-NN",
    timeoutSeconds: 10,
    memorySizeMb: 1024,
  },
  "popular-items": {
    entry: "api/popular-items-handler.ts",
    description: "GET /v1/popular: trending and popular items",
    timeoutSeconds: 10,
    memorySizeMb: 512,
  },
  "admin-training-runs": {
    entry: "api/admin-training-runs-handler.ts",
    description: "POST/GET /v1/admin/training-runs: start and inspect nightly pipeline runs",
    timeoutSeconds: 10,
    memorySizeMb: 256,
  },
  "admin-models": {
    entry: "api/admin-models-handler.ts",
    description: "GET /v1/admin/models: model versions, metrics and the active one",
    timeoutSeconds: 10,
    memorySizeMb: 256,
  },
} as const satisfies Record<string, HandlerDefinition>;

export type HandlerId = keyof typeof HANDLERS;

/** Routes that are served: by API Gateway in AWS and by the local front. */
export const ROUTES = [
  { method: "GET", path: "/v1/health", handler: "health", auth: "api-key" },
  { method: "POST", path: "/v1/events", handler: "events", auth: "api-key" },
  // Catalog and user writes come from the client's own backend, which holds an API key like any client.
  { method: "PUT", path: "/v1/items/{itemId}", handler: "catalog-items", auth: "api-key" },
  { method: "POST", path: "/v1/items", handler: "catalog-items", auth: "api-key" },
  { method: "DELETE", path: "/v1/items/{itemId}", handler: "catalog-items", auth: "api-key" },
  { method: "PUT", path: "/v1/users/{userId}", handler: "users", auth: "api-key" },
  { method: "DELETE", path: "/v1/users/{userId}", handler: "users", auth: "api-key" },
  { method: "GET", path: "/v1/openapi.json", handler: "openapi", auth: "api-key" },
  {
    method: "GET",
    path: "/v1/users/{userId}/recommendations",
    handler: "recommendations",
    auth: "api-key",
  },
  { method: "GET", path: "/v1/items/{itemId}/similar", handler: "similar-items", auth: "api-key" },
  { method: "GET", path: "/v1/popular", handler: "popular-items", auth: "api-key" },
  { method: "POST", path: "/v1/admin/training-runs", handler: "admin-training-runs", auth: "admin" },
  { method: "GET", path: "/v1/admin/training-runs", handler: "admin-training-runs", auth: "admin" },
  {
    method: "GET",
    path: "/v1/admin/training-runs/{runId}",
    handler: "admin-training-runs",
    auth: "admin",
  },
  { method: "GET", path: "/v1/admin/models", handler: "admin-models", auth: "admin" },
] as const satisfies readonly RouteDefinition<HandlerId>[];

/** Handlers whose modules do not exist yet (none now: every planned one has shipped). */
export const PLANNED_HANDLERS: Readonly<Record<string, HandlerDefinition>> = {};

export type PlannedHandlerId = keyof typeof PLANNED_HANDLERS;

/** Routes whose handlers are not built yet; neither the front nor CDK serves them. None now. */
export const PLANNED_ROUTES = [] as const satisfies readonly RouteDefinition<HandlerId | PlannedHandlerId>[];

/** What is served today. */
export const API_ROUTE_TABLE: RouteTable = { routes: ROUTES, handlers: HANDLERS };
