import type { ScoredItem } from "../../ports/scored-item.ts";
import { DependencyError, NotFoundError } from "../errors/domain-errors.ts";
import { CatalogView } from "./catalog-view.ts";
import { similarityIndexOf } from "./item-vectors.ts";
import { requireId, requireLimit } from "./recommendation-request-checks.ts";
import { RECOMMENDATION_LIMITS } from "./recommendation-types.ts";
import type { ServingDependencies, ServingModel } from "./serving-dependencies.ts";
import { popularList } from "./trending-list.ts";

export interface SimilarItemsRequest {
  readonly itemId: string;
  /** 1–100. */
  readonly limit: number;
}

export interface SimilarItemsResponse {
  readonly itemId: string;
  /** `model`: cosine over the active model's item vectors; `popular`: trending in the item's categories. */
  readonly source: "model" | "popular";
  /** The model the list came from; null for `popular`. */
  readonly modelVersion: string | null;
  /** Best first: cosine similarity (`model`) or the trending count (`popular`). */
  readonly items: readonly ScoredItem[];
}

export type SimilarItemsDependencies = Pick<
  ServingDependencies,
  "model" | "catalog" | "trending" | "clock" | "config" | "onDegraded"
>;

/** At most this many of an item's categories are asked for trending items (one counter read each). */
const MAX_FALLBACK_CATEGORIES = 5;

/**
 * Items like `itemId`: its nearest neighbours by cosine over the active model's item factors, without the
 * item itself and without hidden or unavailable items. An item the model does not know (newer than the
 * model, or never trained) has no vector; co-occurrence is not kept on the online path, so it gets what
 * is trending in its catalog categories instead, and `source` says so.
 *
 * NotFoundError when neither the catalog nor the model knows the item, or the catalog has it hidden
 * (deleted items are gone from every response). Dependency failures propagate: there is no lower tier.
 */
export async function similarItems(
  deps: SimilarItemsDependencies,
  request: SimilarItemsRequest,
): Promise<SimilarItemsResponse> {
  const itemId = requireId(request.itemId, "itemId");
  const limit = requireLimit(request.limit, RECOMMENDATION_LIMITS.maxLimit);
  const [model, entry] = await Promise.all([
    deps.model.current().then(
      (loaded) => ({ loaded, error: undefined }),
      (error: unknown) => ({ loaded: undefined, error }),
    ),
    deps.catalog.get(itemId),
  ]);
  if (entry?.hidden === true) throw new NotFoundError(`item ${JSON.stringify(itemId)} was deleted`);
  const view = new CatalogView();
  const row = model.loaded?.itemIndex.get(itemId);
  if (model.loaded !== undefined && row !== undefined) {
    const items = await nearestServable(deps, view, model.loaded, row, limit);
    if (items.length > 0) return { itemId, source: "model", modelVersion: model.loaded.version, items };
  } else if (entry === undefined) {
    if (model.error === undefined) throw new NotFoundError(`item ${JSON.stringify(itemId)} is unknown`);
    // Without the model it cannot be told whether the item exists.
    throw model.error instanceof DependencyError
      ? model.error
      : new DependencyError("model", "the active model could not be loaded", { cause: model.error });
  }
  return {
    itemId,
    source: "popular",
    modelVersion: null,
    items: await trendingInCategories(deps, view, itemId, entry?.categories ?? [], limit),
  };
}

/** The cosine neighbours that pass the catalog, reading more neighbours while the filter leaves it short. */
async function nearestServable(
  deps: SimilarItemsDependencies,
  view: CatalogView,
  model: ServingModel,
  row: number,
  limit: number,
): Promise<ScoredItem[]> {
  const index = similarityIndexOf(model);
  const others = index.itemCount - 1;
  let k = Math.min(others, Math.max(5 * limit, 50));
  for (;;) {
    const nearest = index.similarItems(row, k);
    const neighbours = Array.from(nearest.items, (other, rank) => ({
      itemId: model.itemIds[other] as string,
      score: nearest.scores[rank] as number,
    }));
    await view.lookUp(
      deps.catalog,
      neighbours.map((neighbour) => neighbour.itemId),
    );
    const kept = neighbours.filter((neighbour) => view.isServable(neighbour.itemId)).slice(0, limit);
    if (kept.length >= limit || neighbours.length < k || k >= others) return kept;
    k = Math.min(others, k * 4);
  }
}

/**
 * The most trending items of the item's categories (overall when it has none), each scored by its best
 * count among them, without the item itself, hidden or unavailable ones.
 */
async function trendingInCategories(
  deps: SimilarItemsDependencies,
  view: CatalogView,
  itemId: string,
  categories: readonly string[],
  limit: number,
): Promise<ScoredItem[]> {
  const { config } = deps;
  const now = deps.clock();
  const asked: Array<string | undefined> =
    categories.length === 0 ? [undefined] : [...new Set(categories)].slice(0, MAX_FALLBACK_CATEGORIES);
  const lists = await Promise.all(
    asked.map((category) =>
      popularList(
        deps,
        view,
        {
          windowMs: config.popularWindowMs,
          fallbackWindowMs: config.popularFallbackWindowMs,
          now,
          limit,
        },
        {
          excluded: new Set([itemId]),
          ...(category === undefined ? {} : { category }),
          categoryFilteredUpstream: true,
        },
        (error) => deps.onDegraded?.({ step: "popular-long-window", error }),
      ),
    ),
  );
  const best = new Map<string, number>();
  for (const list of lists) {
    for (const { itemId: other, score } of list) best.set(other, Math.max(best.get(other) ?? score, score));
  }
  return [...best]
    .map(([other, score]) => ({ itemId: other, score }))
    .sort((a, b) => b.score - a.score || (a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0))
    .slice(0, limit);
}
