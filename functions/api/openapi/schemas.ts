import {
  CatalogItemBodySchema,
  CatalogItemsBatchSchema,
} from "../../../layers/domain/catalog/catalog-item-schema.ts";
import { CATALOG_LIMITS } from "../../../layers/domain/catalog/catalog-limits.ts";
import { EVENT_LIMITS } from "../../../layers/domain/events/event-limits.ts";
import { ClientEventSchema, IdSchema } from "../../../layers/domain/events/event-schema.ts";
import {
  RunIdSchema,
  StartTrainingRunBodySchema,
} from "../../../layers/domain/training-runs/training-run-request-schema.ts";
import { UserAttributesBodySchema } from "../../../layers/domain/users/user-attributes-schema.ts";
import * as z from "../../../layers/domain/validation/zod.ts";
import type { ModelStatus } from "../../../layers/ports/model-registry.ts";
import {
  TRAINERS,
  TRAINING_RUN_STATUSES,
  TRAINING_STEP_STATUSES,
} from "../../../layers/ports/training-runs.ts";
import { HTTP_ERROR_CODES } from "../../commons/http-errors.ts";

/**
 * The zod schemas of the API's parameters and responses, shared by the handlers (which parse with them or
 * type their answers from them), the OpenAPI document (built from them) and the tests (which check real
 * answers against the document). Request bodies live with their domain (layers/domain/catalog, users,
 * events), as the events body already did.
 *
 * Responses are strict objects: a field a handler adds without documenting it fails the tests.
 */

// --- Path and query parameters: parameter-schemas.ts (the handlers' run-time imports), re-exported.

export * from "./parameter-schemas.ts";

// --- Errors.

/** A whole number at least `min` (counts, indexes, epoch times). */
function wholeNumber(min?: number) {
  return z.number().check(z.int(), ...(min === undefined ? [] : [z.gte(min)]));
}

/** OpenAPI's description of a schema (registered with zod's global registry, which the document reads). */
function described<Schema extends z.ZodMiniType>(schema: Schema, description: string): Schema {
  return schema.check(z.meta({ description })) as Schema;
}

/** The body of every error a handler answers (functions/commons/http-errors.ts). */
export const ErrorBodySchema = z.strictObject({
  error: z.enum(HTTP_ERROR_CODES),
  message: z.string(),
  requestId: z.string(),
  field: z.optional(z.string()),
  line: z.optional(wholeNumber(1)),
});

/**
 * API Gateway's own answers, before a handler runs: 403 for a missing or unknown API key or signature, 429
 * when the usage plan throttles the key.
 */
export const GatewayErrorBodySchema = z.strictObject({ message: z.string() });

// --- Recommendation lists (issue 5's serving path).

export const RecommendationSourceSchema = described(
  z.enum(["cache", "realtime", "batch", "popular"]),
  "The cascade tier that answered.",
);

export const RecommendationReasonSchema = described(
  z.strictObject({ kind: z.literal("similar-to-history"), itemId: IdSchema }),
  "Why the item is here: the item of the user's history that contributes most.",
);

export const RecommendedItemSchema = z.strictObject({
  itemId: IdSchema,
  score: described(z.number(), "The tier's own score, comparable only within one list."),
  reason: z.optional(RecommendationReasonSchema),
});

const ScoredItemSchema = z.strictObject({ itemId: IdSchema, score: z.number() });

export const RecommendationResponseSchema = z.strictObject({
  recommendationId: described(IdSchema, "Quote it in events to attribute clicks to this list."),
  userId: IdSchema,
  source: RecommendationSourceSchema,
  modelVersion: z.nullable(z.string()),
  items: z.array(RecommendedItemSchema),
});

export const SimilarItemsResponseSchema = z.strictObject({
  itemId: IdSchema,
  source: described(
    z.enum(["model", "popular"]),
    "`model`: cosine over the model's item vectors; `popular`: trending in the item's categories.",
  ),
  modelVersion: z.nullable(z.string()),
  items: z.array(ScoredItemSchema),
});

export const PopularItemsResponseSchema = z.strictObject({
  category: z.optional(IdSchema),
  windowHours: wholeNumber(1),
  items: z.array(ScoredItemSchema),
});

// --- Catalog and users.

const UpdatedAtSchema = described(wholeNumber(), "Epoch milliseconds of the last write.");

export const CatalogItemResponseSchema = z.strictObject({
  itemId: IdSchema,
  title: z.optional(z.string()),
  categories: z.array(IdSchema),
  available: z.boolean(),
  hidden: z.boolean(),
  attributes: z.record(z.string(), z.string()),
  updatedAt: UpdatedAtSchema,
});

export const CatalogUpsertResponseSchema = z.strictObject({
  upserted: described(
    wholeNumber(1).check(z.lte(CATALOG_LIMITS.maxItemsPerBatch)),
    "Items written, each visible in responses from now on.",
  ),
});

export const UserResponseSchema = z.strictObject({
  userId: IdSchema,
  attributes: z.record(z.string(), z.string()),
  updatedAt: UpdatedAtSchema,
});

// --- Events and health.

/**
 * POST /v1/events as the document states it. The handler checks the envelope with EventsRequestSchema and
 * each event with ClientEventSchema on its own, so one bad event is rejected by index in a 202 while the
 * others are accepted; the document states the contract each event must meet.
 */
export const EventsRequestDocumentSchema = z.strictObject({
  events: z.array(ClientEventSchema).check(z.minLength(1), z.maxLength(EVENT_LIMITS.maxEventsPerRequest)),
});

export const EventsAcceptedResponseSchema = z.strictObject({
  accepted: wholeNumber(0),
  rejected: z.array(z.strictObject({ index: wholeNumber(0), reason: z.string() })),
  eventIds: z.array(z.strictObject({ index: wholeNumber(0), eventId: IdSchema })),
});

export const HealthResponseSchema = z.strictObject({
  status: z.literal("ok"),
  version: z.string(),
  time: z.iso.datetime(),
});

export const OpenApiDocumentSchema = z.looseObject({
  openapi: z.literal("3.1.0"),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
});

// --- Admin: nightly pipeline runs and model versions.

const EpochMillisecondsSchema = described(wholeNumber(), "Epoch milliseconds.");
const MODEL_STATUSES = [
  "candidate",
  "active",
  "archived",
  "rejected",
] as const satisfies readonly ModelStatus[];

export const ModelVersionSchema = z.strictObject({
  version: z.string(),
  status: described(
    z.enum(MODEL_STATUSES),
    "`candidate`: trained, not (yet) serving; `active`: serving; `archived`: served before; `rejected`: failed the quality gate.",
  ),
  createdAt: EpochMillisecondsSchema,
  activatedAt: z.nullable(EpochMillisecondsSchema),
  factors: wholeNumber(1),
  users: wholeNumber(0),
  items: wholeNumber(0),
  metrics: described(
    z.record(z.string(), z.number()),
    "Offline metrics on the run's holdout, e.g. `ndcg@10`, `precision@10`.",
  ),
  artifactLocation: described(z.string(), "Where the model artifact is stored."),
});

export const ModelListResponseSchema = z.strictObject({
  activeVersion: described(z.nullable(z.string()), "The version serving now; null before the first."),
  models: described(z.array(ModelVersionSchema), "Newest first."),
});

export const TrainingRunStartedResponseSchema = z.strictObject({
  runId: described(RunIdSchema, "The run's id, also the version of the model it trains."),
  status: z.literal("RUNNING"),
  startedAt: EpochMillisecondsSchema,
});

const TrainingRunStatusSchema = z.enum(TRAINING_RUN_STATUSES);

export const TrainingRunStepSchema = z.strictObject({
  name: described(z.string(), "The state of the nightly definition."),
  type: described(z.string(), "Task, Choice, Pass, Parallel, Map, Wait, Succeed or Fail."),
  status: described(
    z.enum(TRAINING_STEP_STATUSES),
    "`retrying`: the last attempt failed and the run goes on; `caught`: failed, and the run moved on " +
      "to its failure path; `failed`: the run failed here; `aborted`: still open when the run stopped.",
  ),
  enteredAt: EpochMillisecondsSchema,
  exitedAt: z.optional(EpochMillisecondsSchema),
  attempts: described(wholeNumber(1), "Entries plus retries, summed over Map iterations."),
  error: z.optional(z.string()),
  cause: z.optional(z.string()),
  iterations: described(
    z.optional(
      z.strictObject({
        started: wholeNumber(0),
        succeeded: wholeNumber(0),
        failed: wholeNumber(0),
      }),
    ),
    "An inline Map's iterations (a distributed Map runs them as child executions).",
  ),
});

export const TrainingRunSummarySchema = z.strictObject({
  runId: z.string(),
  status: TrainingRunStatusSchema,
  startedAt: EpochMillisecondsSchema,
  stoppedAt: z.optional(EpochMillisecondsSchema),
});

export const TrainingRunResponseSchema = z.strictObject({
  runId: z.string(),
  status: TrainingRunStatusSchema,
  startedAt: EpochMillisecondsSchema,
  stoppedAt: z.optional(EpochMillisecondsSchema),
  input: described(
    z.optional(
      z.strictObject({
        trainer: z.enum(TRAINERS),
        qualityGate: z.strictObject({ maxNdcgDrop: z.number() }),
      }),
    ),
    "What the run was started with (absent for a run started by hand with other input).",
  ),
  steps: described(z.array(TrainingRunStepSchema), "The states the run went through, first entered first."),
  failedStep: described(z.optional(z.string()), "The step that broke the run, if one did."),
  error: z.optional(z.string()),
  cause: z.optional(z.string()),
  model: described(
    z.optional(ModelVersionSchema),
    "The model version the run registered (its version is the run id), once it did.",
  ),
});

export const TrainingRunListResponseSchema = z.strictObject({
  runs: described(z.array(TrainingRunSummarySchema), "Most recently started first."),
});

/**
 * The schemas the document names under components/schemas (and refers to by $ref), by component name:
 * responses (described as handlers produce them) and request bodies (described as clients send them,
 * defaults optional). Anything else is inlined where it is used.
 */
export const RESPONSE_COMPONENT_SCHEMAS = {
  ErrorBody: ErrorBodySchema,
  GatewayErrorBody: GatewayErrorBodySchema,
  RecommendationResponse: RecommendationResponseSchema,
  SimilarItemsResponse: SimilarItemsResponseSchema,
  PopularItemsResponse: PopularItemsResponseSchema,
  CatalogItemResponse: CatalogItemResponseSchema,
  CatalogUpsertResponse: CatalogUpsertResponseSchema,
  UserResponse: UserResponseSchema,
  EventsAcceptedResponse: EventsAcceptedResponseSchema,
  HealthResponse: HealthResponseSchema,
  TrainingRunStartedResponse: TrainingRunStartedResponseSchema,
  TrainingRunResponse: TrainingRunResponseSchema,
  TrainingRunListResponse: TrainingRunListResponseSchema,
  ModelListResponse: ModelListResponseSchema,
} as const satisfies Record<string, z.ZodMiniType>;

export const REQUEST_COMPONENT_SCHEMAS = {
  EventsRequest: EventsRequestDocumentSchema,
  CatalogItemBody: CatalogItemBodySchema,
  CatalogItemsBatch: CatalogItemsBatchSchema,
  UserAttributesBody: UserAttributesBodySchema,
  StartTrainingRunBody: StartTrainingRunBodySchema,
} as const satisfies Record<string, z.ZodMiniType>;
