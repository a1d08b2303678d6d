import type { ScoredItem } from "../../ports/scored-item.ts";
import { type CatalogView, type ListFilter, passesFilter } from "./catalog-view.ts";
import type { RecommendedItem } from "./recommendation-types.ts";
import type { ServingModel } from "./serving-dependencies.ts";

/**
 * Exploration for new items. A model only learns an item after training has seen people interact with it,
 * and people only interact with what they are shown: without help a new item never enters personalised
 * lists. So a share of the slots of every realtime and batch list goes to catalog items the active model
 * does not know yet, picked from the trending counters (which count every interaction from the first one).
 *
 * Deterministic given the inputs: the slots are floor(limit × share) (a list of 10 at the default 0.1 has
 * one; lists shorter than 1/share have none), the items are the most trending unknown ones that pass the
 * request's filters, and they sit at evenly spread positions, never first.
 */
export function explorationSlotCount(limit: number, share: number): number {
  // The epsilon keeps 10 × 0.3 at 3 despite binary rounding.
  return Math.floor(limit * share + 1e-9);
}

/**
 * The best `slots` exploration items of a trending pool (highest count first): items the catalog knows,
 * the model does not, and the request's filters let through.
 */
export function pickExplorationItems(
  pool: readonly { readonly itemId: string; readonly count: number }[],
  model: ServingModel,
  view: CatalogView,
  filter: ListFilter,
  slots: number,
): ScoredItem[] {
  const picked: ScoredItem[] = [];
  for (const { itemId, count } of pool) {
    if (picked.length >= slots) break;
    if (model.itemIndex.has(itemId) || !view.knows(itemId) || !passesFilter(view, filter, itemId)) continue;
    picked.push({ itemId, score: count });
  }
  return picked;
}

/**
 * Places the exploration items among the personalised ones: the j-th of e items at position
 * ⌊(j + 1) · n / (e + 1)⌋ of the n in all. Each takes the score of the item before it, so the list's scores
 * keep the personalised scale (a trending count would mean nothing next to inner products).
 */
export function interleaveExploration(
  personalized: readonly RecommendedItem[],
  exploration: readonly ScoredItem[],
): RecommendedItem[] {
  if (exploration.length === 0 || personalized.length === 0) return [...personalized];
  const total = personalized.length + exploration.length;
  const positions = new Set(
    exploration.map((_, j) => Math.floor(((j + 1) * total) / (exploration.length + 1))),
  );
  const out: RecommendedItem[] = [];
  let nextPersonalized = 0;
  let nextExploration = 0;
  for (let position = 0; position < total; position++) {
    const explore = positions.has(position) && nextExploration < exploration.length;
    if (explore || nextPersonalized >= personalized.length) {
      const item = exploration[nextExploration++] as ScoredItem;
      const before = out[out.length - 1];
      out.push({ itemId: item.itemId, score: before?.score ?? item.score });
    } else {
      out.push(personalized[nextPersonalized++] as RecommendedItem);
    }
  }
  return out;
}
