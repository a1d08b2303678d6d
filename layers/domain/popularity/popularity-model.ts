import { InvalidInputError } from "../errors/domain-errors.ts";
import type { InteractionTable } from "../interactions/interaction-table.ts";
import { type ItemExclusion, isExcluded, requireK, type TopK, TopKSelector } from "../scoring/top-k.ts";

export const DEFAULT_HALF_LIFE_SECONDS = 7 * 24 * 3600;

export interface PopularityOptions {
  /**
   * Age at which an interaction counts half in the decayed counts (seconds).
   * @default 7 days
   */
  readonly halfLifeSeconds?: number;
  /**
   * The time ages are measured from (epoch seconds).
   * @default the latest finite timestamp in the table (NaN when there is none: then nothing decays)
   */
  readonly referenceTime?: number;
  /** The category of an item index, or undefined when it has none; enables `recommend(…, { category })`. */
  readonly categoryOf?: (item: number) => string | undefined;
}

export interface PopularityQuery {
  /** Rank by decayed counts (trending) instead of plain counts (all-time popular). @default false */
  readonly decayed?: boolean;
  /** Only items of this category. */
  readonly category?: string;
}

/**
 * Popular and trending items: per item, the number of interactions and a time-decayed count in which an
 * interaction of age a weighs 2^(−a / halfLife).
 *
 * Only rows with a positive weight count, each as 1: an impression (weight 0) or a dismissal (negative) is
 * not a sign of popularity, and a purchase should not outweigh ten views in "what do people look at".
 * A row with an unknown (NaN) timestamp counts 1 in the plain counts and as if at the reference time
 * in the decayed ones; a row after the reference time also counts as at the reference time, so no row
 * weighs more than 1. Items with no counted interaction are never recommended.
 */
export class PopularityModel {
  readonly itemCount: number;
  readonly counts: Float64Array;
  readonly decayedCounts: Float64Array;
  readonly referenceTime: number;
  readonly halfLifeSeconds: number;
  private readonly itemsByCategory: ReadonlyMap<string, Int32Array>;

  private constructor(
    counts: Float64Array,
    decayedCounts: Float64Array,
    referenceTime: number,
    halfLifeSeconds: number,
    itemsByCategory: ReadonlyMap<string, Int32Array>,
  ) {
    this.itemCount = counts.length;
    this.counts = counts;
    this.decayedCounts = decayedCounts;
    this.referenceTime = referenceTime;
    this.halfLifeSeconds = halfLifeSeconds;
    this.itemsByCategory = itemsByCategory;
  }

  static fromInteractions(table: InteractionTable, options: PopularityOptions = {}): PopularityModel {
    const halfLife = options.halfLifeSeconds ?? DEFAULT_HALF_LIFE_SECONDS;
    if (!(Number.isFinite(halfLife) && halfLife > 0)) {
      throw new InvalidInputError(`halfLifeSeconds must be a number > 0, got ${halfLife}`, "halfLifeSeconds");
    }
    const referenceTime = options.referenceTime ?? latestTimestamp(table);
    if (options.referenceTime !== undefined && !Number.isFinite(options.referenceTime)) {
      throw new InvalidInputError(
        `referenceTime must be a finite number, got ${referenceTime}`,
        "referenceTime",
      );
    }
    const itemCount = table.items.size;
    const counts = new Float64Array(itemCount);
    const decayedCounts = new Float64Array(itemCount);
    for (let row = 0; row < table.length; row++) {
      if (!((table.weight[row] as number) > 0)) continue;
      const item = table.itemIndex[row] as number;
      counts[item] = (counts[item] as number) + 1;
      const time = table.timestamp[row] as number;
      // NaN on either side makes the age NaN; both mean "no age", so the row counts as at the reference.
      const age = referenceTime - time;
      decayedCounts[item] = (decayedCounts[item] as number) + (age > 0 ? 2 ** (-age / halfLife) : 1);
    }
    return new PopularityModel(
      counts,
      decayedCounts,
      referenceTime,
      halfLife,
      groupByCategory(itemCount, options.categoryOf),
    );
  }

  /** The categories known to the model, sorted. */
  categories(): string[] {
    return [...this.itemsByCategory.keys()].sort();
  }

  /** The k most popular items (or trending, with `decayed`), best first; ties go to the lower item index. */
  recommend(k: number, exclude?: ItemExclusion, query: PopularityQuery = {}): TopK {
    const scores = query.decayed === true ? this.decayedCounts : this.counts;
    let candidates: Int32Array | undefined;
    if (query.category !== undefined) {
      candidates = this.itemsByCategory.get(query.category);
      if (candidates === undefined) return new TopKSelector(0).finish();
    }
    const candidateCount = candidates === undefined ? this.itemCount : candidates.length;
    const selector = new TopKSelector(Math.min(requireK(k), candidateCount));
    for (let c = 0; c < candidateCount; c++) {
      const item = candidates === undefined ? c : (candidates[c] as number);
      if ((this.counts[item] as number) === 0) continue;
      if (exclude !== undefined && isExcluded(exclude, item)) continue;
      selector.offer(item, scores[item] as number);
    }
    return selector.finish();
  }
}

function latestTimestamp(table: InteractionTable): number {
  let latest = Number.NaN;
  for (let row = 0; row < table.length; row++) {
    const time = table.timestamp[row] as number;
    if (Number.isFinite(time) && !(time <= latest)) latest = time;
  }
  return latest;
}

function groupByCategory(
  itemCount: number,
  categoryOf: ((item: number) => string | undefined) | undefined,
): ReadonlyMap<string, Int32Array> {
  const lists = new Map<string, number[]>();
  if (categoryOf === undefined) return new Map();
  for (let item = 0; item < itemCount; item++) {
    const category = categoryOf(item);
    if (category === undefined) continue;
    let list = lists.get(category);
    if (list === undefined) {
      list = [];
      lists.set(category, list);
    }
    list.push(item);
  }
  return new Map([...lists].map(([category, items]) => [category, Int32Array.from(items)]));
}
