import { InvalidInputError } from "../errors/domain-errors.ts";

/**
 * Items that must not be returned: a set-like object (a `Set<number>` works) or a byte mask where
 * `mask[item] !== 0` excludes the item. Items past the end of a mask are not excluded.
 */
export type ItemExclusion = { has(item: number): boolean } | Uint8Array;

/** The best items, best first: ordered by score descending, equal scores by lower item index. */
export interface TopK {
  readonly items: Int32Array;
  readonly scores: Float32Array;
}

export const EMPTY_TOP_K: TopK = Object.freeze({ items: new Int32Array(0), scores: new Float32Array(0) });

/**
 * Keeps the k best (item, score) pairs seen so far in a bounded min-heap whose root is the worst kept pair,
 * so selecting from n candidates costs O(n log k) and never sorts all n.
 * Scores are rounded to float32 before comparing, so the order agrees with the scores that are returned.
 * NaN scores are never kept: they have no place in an order.
 */
export class TopKSelector {
  private readonly capacity: number;
  private readonly heapItems: Int32Array;
  private readonly heapScores: Float32Array;
  private size = 0;

  constructor(k: number) {
    requireK(k);
    this.capacity = k;
    this.heapItems = new Int32Array(k);
    this.heapScores = new Float32Array(k);
  }

  offer(item: number, score: number): void {
    const s = Math.fround(score);
    if (Number.isNaN(s)) return;
    if (this.size < this.capacity) {
      this.siftUp(this.size++, item, s);
      return;
    }
    if (this.capacity === 0) return;
    const rootScore = this.heapScores[0] as number;
    // Replace the root only when the candidate is strictly better than it.
    if (s > rootScore || (s === rootScore && item < (this.heapItems[0] as number))) this.siftDown(0, item, s);
  }

  /** The kept pairs, best first. The selector is empty afterwards and may be reused. */
  finish(): TopK {
    const n = this.size;
    const items = new Int32Array(n);
    const scores = new Float32Array(n);
    // Popping the worst each time fills the result from the back.
    for (let out = n - 1; out >= 0; out--) {
      items[out] = this.heapItems[0] as number;
      scores[out] = this.heapScores[0] as number;
      this.size--;
      if (this.size > 0) {
        this.siftDown(0, this.heapItems[this.size] as number, this.heapScores[this.size] as number);
      }
    }
    return { items, scores };
  }

  private siftUp(position: number, item: number, score: number): void {
    let at = position;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      const parentItem = this.heapItems[parent] as number;
      const parentScore = this.heapScores[parent] as number;
      if (!isWorse(item, score, parentItem, parentScore)) break;
      this.heapItems[at] = parentItem;
      this.heapScores[at] = parentScore;
      at = parent;
    }
    this.heapItems[at] = item;
    this.heapScores[at] = score;
  }

  private siftDown(position: number, item: number, score: number): void {
    const n = this.size;
    let at = position;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= n) break;
      let child = left;
      let childItem = this.heapItems[left] as number;
      let childScore = this.heapScores[left] as number;
      const right = left + 1;
      if (right < n) {
        const rightItem = this.heapItems[right] as number;
        const rightScore = this.heapScores[right] as number;
        if (isWorse(rightItem, rightScore, childItem, childScore)) {
          child = right;
          childItem = rightItem;
          childScore = rightScore;
        }
      }
      if (!isWorse(childItem, childScore, item, score)) break;
      this.heapItems[at] = childItem;
      this.heapScores[at] = childScore;
      at = child;
    }
    this.heapItems[at] = item;
    this.heapScores[at] = score;
  }
}

/** a ranks below b: a lower score, or the same score and a higher index. */
function isWorse(aItem: number, aScore: number, bItem: number, bScore: number): boolean {
  return aScore < bScore || (aScore === bScore && aItem > bItem);
}

/** Whether `item` is excluded; the caller checks `exclude` for undefined first. */
export function isExcluded(exclude: ItemExclusion, item: number): boolean {
  return exclude instanceof Uint8Array
    ? exclude[item] !== undefined && exclude[item] !== 0
    : exclude.has(item);
}

/**
 * The k items with the largest inner product with `query`, over the row-major `itemFactors`
 * (item i is row i, `factors` wide). When fewer than k items remain after exclusion, all of them are returned.
 */
export function topKByInnerProduct(
  query: Float32Array,
  itemFactors: Float32Array,
  factors: number,
  k: number,
  exclude?: ItemExclusion,
): TopK {
  const itemCount = factorRows(itemFactors, factors, "itemFactors");
  if (query.length !== factors) {
    throw new InvalidInputError(`query has ${query.length} values, expected ${factors}`, "query");
  }
  const selector = new TopKSelector(Math.min(requireK(k), itemCount));
  const mask = exclude instanceof Uint8Array ? exclude : undefined;
  const set = exclude instanceof Uint8Array ? undefined : exclude;
  for (let item = 0; item < itemCount; item++) {
    if (mask !== undefined && item < mask.length && mask[item] !== 0) continue;
    if (set?.has(item)) continue;
    const offset = item * factors;
    let dot = 0;
    for (let f = 0; f < factors; f++) dot += (query[f] as number) * (itemFactors[offset + f] as number);
    selector.offer(item, dot);
  }
  return selector.finish();
}

/** The k best items of a precomputed score per item (index = item). Same order and exclusion rules. */
export function topKFromScores(scores: ArrayLike<number>, k: number, exclude?: ItemExclusion): TopK {
  const itemCount = scores.length;
  const selector = new TopKSelector(Math.min(requireK(k), itemCount));
  for (let item = 0; item < itemCount; item++) {
    if (exclude !== undefined && isExcluded(exclude, item)) continue;
    selector.offer(item, scores[item] as number);
  }
  return selector.finish();
}

/** The number of rows of a row-major factor matrix, checking that its length is a multiple of `factors`. */
export function factorRows(matrix: Float32Array, factors: number, name: string): number {
  if (!Number.isInteger(factors) || factors < 1) {
    throw new InvalidInputError(`factors must be an integer ≥ 1, got ${factors}`, "factors");
  }
  if (matrix.length % factors !== 0) {
    throw new InvalidInputError(`${name} has ${matrix.length} values, not a multiple of ${factors}`, name);
  }
  return matrix.length / factors;
}

/** Checks a requested result size. */
export function requireK(k: number): number {
  if (!Number.isInteger(k) || k < 0) throw new InvalidInputError(`k must be an integer ≥ 0, got ${k}`, "k");
  return k;
}
