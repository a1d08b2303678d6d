import type * as z from "zod/mini";
import {
  CatalogItemBodySchema,
  CatalogItemsBatchSchema,
} from "../../../layers/domain/catalog/catalog-item-schema.ts";
import { CATALOG_LIMITS } from "../../../layers/domain/catalog/catalog-limits.ts";
import { EVENT_LIMITS } from "../../../layers/domain/events/event-limits.ts";
import {
  ADMIN_BODY_MAX_BYTES,
  StartTrainingRunBodySchema,
} from "../../../layers/domain/training-runs/training-run-request-schema.ts";
import { UserAttributesBodySchema } from "../../../layers/domain/users/user-attributes-schema.ts";
import type { PLANNED_ROUTES, ROUTES } from "../route-table.ts";
import {
  CatalogItemResponseSchema,
  CatalogUpsertResponseSchema,
  EventsAcceptedResponseSchema,
  EventsRequestDocumentSchema,
  HealthResponseSchema,
  ItemPathSchema,
  ModelListResponseSchema,
  ModelsQuerySchema,
  OpenApiDocumentSchema,
  PopularItemsQuerySchema,
  PopularItemsResponseSchema,
  RecommendationResponseSchema,
  RecommendationsQuerySchema,
  SimilarItemsQuerySchema,
  SimilarItemsResponseSchema,
  TrainingRunListResponseSchema,
  TrainingRunPathSchema,
  TrainingRunResponseSchema,
  TrainingRunStartedResponseSchema,
  TrainingRunsQuerySchema,
  UserPathSchema,
  UserResponseSchema,
} from "./schemas.ts";

type AnyRoute = (typeof ROUTES)[number] | (typeof PLANNED_ROUTES)[number];
/** `GET /v1/health`: one key per route of the table, served or planned (distributed over the union). */
export type RouteKey = AnyRoute extends infer Route
  ? Route extends { readonly method: infer Method extends string; readonly path: infer Path extends string }
    ? `${Method} ${Path}`
    : never
  : never;

export type SuccessStatus = 200 | 202 | 204;
/**
 * Error statuses an operation adds to the ones every operation has (403, 429, 500) and the ones its
 * inputs imply (400 with any parameter or body, 413 with a body).
 */
export type ExtraErrorStatus = 401 | 404 | 409 | 503;

export type OperationTag =
  | "health"
  | "events"
  | "recommendations"
  | "catalog"
  | "users"
  | "documentation"
  | "admin";

export interface OperationDescription {
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tag: OperationTag;
  /** An object schema; each key is a path parameter. */
  readonly pathParameters?: z.ZodMiniObject;
  /** An object schema; each key is a query parameter. */
  readonly query?: z.ZodMiniObject;
  readonly requestBody?: {
    readonly schema: z.ZodMiniType;
    /** The handler's body limit: larger bodies get a 413. */
    readonly maxBytes: number;
    /** @default true */
    readonly required?: boolean;
  };
  readonly success: {
    readonly status: SuccessStatus;
    readonly description: string;
    /** Absent for 204. */
    readonly schema?: z.ZodMiniType;
  };
  readonly errors?: readonly ExtraErrorStatus[];
}

/**
 * What each route does, takes and answers: the OpenAPI document is built from this and the route table.
 * Typed by the route table, so a route without an operation (or an operation without a route) does not
 * compile.
 */
export const ROUTE_OPERATIONS = {
  "GET /v1/health": {
    operationId: "getHealth",
    summary: "Liveness and the deployed version",
    tag: "health",
    success: { status: 200, description: "The API answers.", schema: HealthResponseSchema },
  },
  "POST /v1/events": {
    operationId: "postEvents",
    summary: "Record interaction events",
    description:
      "Validates each event on its own and publishes the valid ones to the stream. A well-formed batch gets a 202 " +
      "even if some events were refused; `rejected` names each by index and field. Send the returned event ids " +
      "again on retry: the stream drops duplicates.",
    tag: "events",
    requestBody: { schema: EventsRequestDocumentSchema, maxBytes: EVENT_LIMITS.maxRequestBytes },
    success: {
      status: 202,
      description: "The batch was read; accepted events are on the stream.",
      schema: EventsAcceptedResponseSchema,
    },
    errors: [503],
  },
  "GET /v1/users/{userId}/recommendations": {
    operationId: "getRecommendations",
    summary: "Recommendations for a user",
    description:
      "Served by the first tier that can answer: cache, the user's real-time taste vector, the nightly batch, " +
      "or popular items. `source` says which. Quote `recommendationId` in later events.",
    tag: "recommendations",
    pathParameters: UserPathSchema,
    query: RecommendationsQuerySchema,
    success: { status: 200, description: "A recommendation list.", schema: RecommendationResponseSchema },
    errors: [503],
  },
  "GET /v1/items/{itemId}/similar": {
    operationId: "getSimilarItems",
    summary: "Items similar to an item",
    tag: "recommendations",
    pathParameters: ItemPathSchema,
    query: SimilarItemsQuerySchema,
    success: { status: 200, description: "Similar items, best first.", schema: SimilarItemsResponseSchema },
    errors: [404, 503],
  },
  "GET /v1/popular": {
    operationId: "getPopularItems",
    summary: "Trending and popular items",
    tag: "recommendations",
    query: PopularItemsQuerySchema,
    success: {
      status: 200,
      description: "Popular items, most popular first.",
      schema: PopularItemsResponseSchema,
    },
    errors: [503],
  },
  "PUT /v1/items/{itemId}": {
    operationId: "putCatalogItem",
    summary: "Create or replace a catalog item",
    description:
      "Replaces the whole item. An unavailable item leaves every list at once; a hidden item becomes visible again.",
    tag: "catalog",
    pathParameters: ItemPathSchema,
    requestBody: { schema: CatalogItemBodySchema, maxBytes: CATALOG_LIMITS.maxSingleRequestBytes },
    success: { status: 200, description: "The item as stored.", schema: CatalogItemResponseSchema },
    errors: [503],
  },
  "POST /v1/items": {
    operationId: "upsertCatalogItems",
    summary: `Create or replace up to ${CATALOG_LIMITS.maxItemsPerBatch} catalog items`,
    tag: "catalog",
    requestBody: { schema: CatalogItemsBatchSchema, maxBytes: CATALOG_LIMITS.maxBatchRequestBytes },
    success: { status: 200, description: "Every item was written.", schema: CatalogUpsertResponseSchema },
    errors: [503],
  },
  "DELETE /v1/items/{itemId}": {
    operationId: "hideCatalogItem",
    summary: "Hide a catalog item",
    description:
      "The item leaves every response at once and is kept, hidden, for history. Idempotent: hiding an unknown " +
      "or hidden item succeeds too.",
    tag: "catalog",
    pathParameters: ItemPathSchema,
    success: { status: 204, description: "The item is hidden." },
    errors: [503],
  },
  "PUT /v1/users/{userId}": {
    operationId: "putUserAttributes",
    summary: "Set a user's attributes",
    description: "Replaces the user's attributes; the taste vector and history are kept.",
    tag: "users",
    pathParameters: UserPathSchema,
    requestBody: { schema: UserAttributesBodySchema, maxBytes: CATALOG_LIMITS.maxSingleRequestBytes },
    success: { status: 200, description: "The user's attributes as stored.", schema: UserResponseSchema },
    errors: [409, 503],
  },
  "DELETE /v1/users/{userId}": {
    operationId: "eraseUser",
    summary: "Erase a user",
    description:
      "Erases the profile, recent interactions, nightly recommendations and cached lists of the user. " +
      "Idempotent: erasing an unknown user succeeds too.",
    tag: "users",
    pathParameters: UserPathSchema,
    success: { status: 204, description: "The user is erased." },
    errors: [503],
  },
  "GET /v1/openapi.json": {
    operationId: "getOpenApiDocument",
    summary: "This document",
    tag: "documentation",
    success: {
      status: 200,
      description: "The OpenAPI 3.1 document of the API.",
      schema: OpenApiDocumentSchema,
    },
  },
  "POST /v1/admin/training-runs": {
    operationId: "startTrainingRun",
    summary: "Start a nightly pipeline run now",
    description:
      "Starts the nightly state machine with the given (or the configured default) trainer and quality gate, " +
      "and answers at once; follow the run with GET /v1/admin/training-runs/{runId}. A run id given in the " +
      "body makes the start safe to retry: the same id and parameters while that run is running answer that " +
      "run, and any other reuse of an id is a 409 (Step Functions keeps execution names for 90 days).",
    tag: "admin",
    requestBody: { schema: StartTrainingRunBodySchema, maxBytes: ADMIN_BODY_MAX_BYTES, required: false },
    success: { status: 202, description: "The run started.", schema: TrainingRunStartedResponseSchema },
    errors: [401, 409, 503],
  },
  "GET /v1/admin/training-runs": {
    operationId: "listTrainingRuns",
    summary: "The most recent pipeline runs",
    tag: "admin",
    query: TrainingRunsQuerySchema,
    success: { status: 200, description: "Runs, newest first.", schema: TrainingRunListResponseSchema },
    errors: [401, 503],
  },
  "GET /v1/admin/training-runs/{runId}": {
    operationId: "getTrainingRun",
    summary: "A pipeline run: its status, steps and the model it produced",
    tag: "admin",
    pathParameters: TrainingRunPathSchema,
    success: { status: 200, description: "The run.", schema: TrainingRunResponseSchema },
    errors: [401, 404, 503],
  },
  "GET /v1/admin/models": {
    operationId: "listModels",
    summary: "Model versions, their metrics and the active one",
    tag: "admin",
    query: ModelsQuerySchema,
    success: { status: 200, description: "The model versions.", schema: ModelListResponseSchema },
    errors: [401, 503],
  },
} as const satisfies Record<RouteKey, OperationDescription>;
