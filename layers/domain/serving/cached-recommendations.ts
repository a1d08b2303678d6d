import { createHash } from "node:crypto";
import * as z from "../validation/zod.ts";
import type { RecommendationRequest, RecommendedItem } from "./recommendation-types.ts";

/** Variants longer than this (long exclude lists) are stored as their hash: a cache key stays small. */
const MAX_PLAIN_VARIANT_LENGTH = 256;

/**
 * The L1 variant of a request: every option that shapes the list, in a canonical form (excludes sorted and
 * deduplicated, an absent category as null), so equal requests share an entry and different ones never do.
 * The user and the model version are the key's other parts.
 */
export function cacheVariantOf(request: RecommendationRequest): string {
  const canonical = `v1:${JSON.stringify([
    request.limit,
    request.category ?? null,
    request.diversity,
    [...new Set(request.exclude)].sort(),
  ])}`;
  if (canonical.length <= MAX_PLAIN_VARIANT_LENGTH) return canonical;
  return `v1:sha256:${createHash("sha256").update(canonical).digest("hex")}`;
}

/** What an L1 entry holds: the computed answer, without the per-response id. */
export interface CachedRecommendations {
  readonly source: "realtime" | "batch";
  readonly modelVersion: string | null;
  readonly items: readonly RecommendedItem[];
}

const CachedSchema = z.object({
  source: z.enum(["realtime", "batch"]),
  modelVersion: z.nullable(z.string()),
  items: z.array(
    z.object({
      itemId: z.string().check(z.minLength(1)),
      score: z.number(),
      reason: z.optional(
        z.object({ kind: z.literal("similar-to-history"), itemId: z.string().check(z.minLength(1)) }),
      ),
    }),
  ),
});

export function encodeCachedRecommendations(cached: CachedRecommendations): string {
  return JSON.stringify({ source: cached.source, modelVersion: cached.modelVersion, items: cached.items });
}

/** The entry, or undefined when it is not one this code wrote (an older layout, a corrupt value): a miss. */
export function decodeCachedRecommendations(value: string): CachedRecommendations | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  const checked = CachedSchema.safeParse(parsed);
  if (!checked.success) return undefined;
  const { source, modelVersion, items } = checked.data;
  return {
    source,
    modelVersion,
    items: items.map(({ itemId, score, reason }) =>
      reason === undefined
        ? { itemId, score }
        : { itemId, score, reason: { kind: reason.kind, itemId: reason.itemId } },
    ),
  };
}
