import { ResourceIdSchema } from "../../../layers/domain/catalog/resource-id-schema.ts";
import { EVENT_LIMITS } from "../../../layers/domain/events/event-limits.ts";
import { IdSchema } from "../../../layers/domain/events/event-schema.ts";
import {
  DIVERSITY_MODES,
  RECOMMENDATION_LIMITS,
} from "../../../layers/domain/serving/recommendation-types.ts";
import { RunIdSchema } from "../../../layers/domain/training-runs/training-run-request-schema.ts";
import * as z from "../../../layers/domain/validation/zod.ts";

/**
 * The zod schemas of the API's path and query parameters: what the handlers parse requests with, at run
 * time. Apart from the response schemas (schemas.ts), which the handlers use for types only, so that a
 * handler's bundle builds these few schemas at cold start and not every schema of the document.
 */

// --- Path parameters: every id in a path is a ResourceIdSchema (an id that is not a dot-segment).

export const UserPathSchema = z.object({ userId: ResourceIdSchema });
export const ItemPathSchema = z.object({ itemId: ResourceIdSchema });
/** Run ids are narrower than other ids: they name a model version, an index and a storage prefix too. */
export const TrainingRunPathSchema = z.object({ runId: RunIdSchema });

// --- Query parameters. API Gateway hands them over as strings; numbers are parsed, then checked.

/** A number as JSON writes it, the form the document's `type: integer` stands for in a query string. */
const DECIMAL_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * A whole number from a query string. Not z.coerce.number(): Number() also reads `0x10`, `0b101` and
 * padded text such as ` 5`, which the document does not allow; those stay strings and are refused.
 */
function queryInteger(bounds: { readonly min: number; readonly max: number; readonly default: number }) {
  return z.pipe(
    z.transform((value: unknown) =>
      typeof value === "string" && DECIMAL_NUMBER.test(value) ? Number(value) : value,
    ),
    z._default(
      z
        .number({
          error: (issue) => (typeof issue.input === "string" ? "must be a decimal number" : undefined),
        })
        .check(z.int(), z.gte(bounds.min), z.lte(bounds.max)),
      bounds.default,
    ),
  );
}

/** Items in one list answer: 10 unless asked, at most RECOMMENDATION_LIMITS.maxLimit. */
export const DEFAULT_LIST_LIMIT = 10;
/** Popular items are counted over this window, in hours: one hour to the week the counters keep. */
export const POPULAR_WINDOW_HOURS = { defaultHours: 24, maxHours: 7 * 24 } as const;

const LimitSchema = queryInteger({
  min: RECOMMENDATION_LIMITS.minLimit,
  max: RECOMMENDATION_LIMITS.maxLimit,
  default: DEFAULT_LIST_LIMIT,
}).check(
  z.meta({
    description: `How many items to return, ${RECOMMENDATION_LIMITS.minLimit}–${RECOMMENDATION_LIMITS.maxLimit}.`,
  }),
);

const ID_CHARACTERS = String.raw`[\p{L}\p{N}._:@+=~-]{1,${EVENT_LIMITS.maxIdLength}}`;
const ExcludeSchema = z
  .pipe(
    z
      .string()
      .check(
        z.regex(
          new RegExp(
            `^${ID_CHARACTERS}(?:,${ID_CHARACTERS}){0,${RECOMMENDATION_LIMITS.maxExcluded - 1}}$`,
            "u",
          ),
          `must be 1–${RECOMMENDATION_LIMITS.maxExcluded} item ids separated by commas`,
        ),
      ),
    z.transform((value: string) => value.split(",")),
  )
  .check(
    z.meta({
      description: `Item ids never to return, separated by commas (at most ${RECOMMENDATION_LIMITS.maxExcluded}).`,
    }),
  );

export const RecommendationsQuerySchema = z.strictObject({
  limit: LimitSchema,
  category: z.optional(IdSchema).check(z.meta({ description: "Only items in this category." })),
  exclude: z.optional(ExcludeSchema),
  diversity: z._default(z.enum(DIVERSITY_MODES), "none").check(
    z.meta({
      description:
        "`none` ranks by score alone; `mmr` trades score for variety (maximal marginal relevance); " +
        "`category-cap` keeps a few items per category.",
    }),
  ),
});

export const SimilarItemsQuerySchema = z.strictObject({ limit: LimitSchema });

export const PopularItemsQuerySchema = z.strictObject({
  limit: LimitSchema,
  category: z.optional(IdSchema).check(z.meta({ description: "Only items in this category." })),
  window: queryInteger({
    min: 1,
    max: POPULAR_WINDOW_HOURS.maxHours,
    default: POPULAR_WINDOW_HOURS.defaultHours,
  }).check(z.meta({ description: `The counting window in hours, 1–${POPULAR_WINDOW_HOURS.maxHours}.` })),
});

/** How many runs or model versions an admin listing returns: 20 unless asked, at most 100. */
export const ADMIN_LIST_LIMITS = { defaultLimit: 20, maxLimit: 100 } as const;

const AdminListLimitSchema = queryInteger({
  min: 1,
  max: ADMIN_LIST_LIMITS.maxLimit,
  default: ADMIN_LIST_LIMITS.defaultLimit,
}).check(z.meta({ description: `How many to return, newest first, 1–${ADMIN_LIST_LIMITS.maxLimit}.` }));

export const TrainingRunsQuerySchema = z.strictObject({ limit: AdminListLimitSchema });
export const ModelsQuerySchema = z.strictObject({ limit: AdminListLimitSchema });
