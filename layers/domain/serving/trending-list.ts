import type { ItemCatalog } from "../../ports/item-catalog.ts";
import type { ScoredItem } from "../../ports/scored-item.ts";
import type { TrendingCounters } from "../../ports/trending-counters.ts";
import { type CatalogView, type ListFilter, passesFilter } from "./catalog-view.ts";

/** Trending items read at most this many at a time, however many the filters drop. */
const MAX_TRENDING_FETCH = 2000;

export interface TrendingListQuery {
  readonly windowMs: number;
  readonly now: number;
  readonly limit: number;
}

/**
 * The `limit` most trending items in the window (in `filter.category`, if any) that pass the filter, each
 * scored by its count. Reads more than `limit` at first, because filters drop some, and reads again, four
 * times as many, while the filters left it short and the counters had more.
 */
export async function filteredTrending(
  deps: { readonly trending: TrendingCounters; readonly catalog: ItemCatalog },
  view: CatalogView,
  query: TrendingListQuery,
  filter: ListFilter,
): Promise<ScoredItem[]> {
  if (query.limit <= 0) return [];
  let fetch = Math.min(
    MAX_TRENDING_FETCH,
    Math.max(2 * query.limit, query.limit + 20) + filter.excluded.size,
  );
  for (;;) {
    const counted = await deps.trending.top({
      ...(filter.category === undefined ? {} : { category: filter.category }),
      windowMs: query.windowMs,
      now: query.now,
      limit: fetch,
    });
    await view.lookUp(
      deps.catalog,
      counted.map(({ itemId }) => itemId),
    );
    const kept = counted
      .filter(({ itemId }) => passesFilter(view, filter, itemId))
      .slice(0, query.limit)
      .map(({ itemId, count }) => ({ itemId, score: count }));
    if (kept.length >= query.limit || counted.length < fetch || fetch >= MAX_TRENDING_FETCH) return kept;
    fetch = Math.min(MAX_TRENDING_FETCH, fetch * 4);
  }
}

export interface PopularListQuery extends TrendingListQuery {
  /** A longer window to top the list up from when the first one leaves it short. */
  readonly fallbackWindowMs?: number;
}

/**
 * The popular list: trending over `windowMs`, topped up from `fallbackWindowMs` when short (a quiet night
 * or a niche category). The top-up's items keep their counts over the longer window. When the top-up read
 * fails, the short list stands and `onTopUpFailed` is told; when the first read fails, the error propagates.
 */
export async function popularList(
  deps: { readonly trending: TrendingCounters; readonly catalog: ItemCatalog },
  view: CatalogView,
  query: PopularListQuery,
  filter: ListFilter,
  onTopUpFailed: (error: unknown) => void,
): Promise<ScoredItem[]> {
  const first = await filteredTrending(deps, view, query, filter);
  const fallbackWindowMs = query.fallbackWindowMs;
  if (first.length >= query.limit || fallbackWindowMs === undefined || fallbackWindowMs <= query.windowMs)
    return first;
  try {
    const excluded = new Set(filter.excluded);
    for (const { itemId } of first) excluded.add(itemId);
    const topUp = await filteredTrending(
      deps,
      view,
      { ...query, windowMs: fallbackWindowMs, limit: query.limit - first.length },
      { ...filter, excluded },
    );
    return [...first, ...topUp];
  } catch (error) {
    if (first.length === 0) throw error;
    onTopUpFailed(error);
    return first;
  }
}
