import type { ScoredItem } from "../../ports/scored-item.ts";
import { InvalidInputError } from "../errors/domain-errors.ts";
import { CatalogView } from "./catalog-view.ts";
import { requireCategory, requireLimit } from "./recommendation-request-checks.ts";
import { RECOMMENDATION_LIMITS } from "./recommendation-types.ts";
import type { ServingDependencies } from "./serving-dependencies.ts";
import { filteredTrending } from "./trending-list.ts";

export interface PopularItemsRequest {
  /** 1–100. */
  readonly limit: number;
  readonly category?: string;
  /** How far back the counts reach, ms (at most what the counters keep: 7 days by default). */
  readonly windowMs: number;
}

export interface PopularItemsResponse {
  readonly category: string | null;
  readonly windowMs: number;
  /** Highest first; the score is the item's weighted interaction count in the window. */
  readonly items: readonly ScoredItem[];
}

export type PopularItemsDependencies = Pick<ServingDependencies, "trending" | "catalog" | "clock">;

/**
 * The most interacted-with items over the window (overall or in one category), without hidden or
 * unavailable ones. Not personalised and not logged as an impression. A failing counter or catalog read
 * propagates (DependencyError): this endpoint has no lower tier.
 */
export async function popularItems(
  deps: PopularItemsDependencies,
  request: PopularItemsRequest,
): Promise<PopularItemsResponse> {
  const limit = requireLimit(request.limit, RECOMMENDATION_LIMITS.maxLimit);
  if (request.category !== undefined) requireCategory(request.category);
  if (typeof request.windowMs !== "number" || !Number.isFinite(request.windowMs) || request.windowMs <= 0) {
    throw new InvalidInputError("window must be a positive duration", "window");
  }
  const items = await filteredTrending(
    deps,
    new CatalogView(),
    { windowMs: request.windowMs, now: deps.clock(), limit },
    {
      excluded: new Set(),
      ...(request.category === undefined ? {} : { category: request.category }),
      categoryFilteredUpstream: true,
    },
  );
  return { category: request.category ?? null, windowMs: request.windowMs, items };
}
