import { InvalidInputError, NotFoundError } from "../errors/domain-errors.ts";
import { factorRows, type ItemExclusion, isExcluded, requireK, type TopK, TopKSelector } from "./top-k.ts";

/** The Euclidean norm of every row of a row-major factor matrix. */
export function itemNorms(itemFactors: Float32Array, factors: number): Float64Array {
  const itemCount = factorRows(itemFactors, factors, "itemFactors");
  const norms = new Float64Array(itemCount);
  for (let item = 0; item < itemCount; item++) {
    const offset = item * factors;
    let sum = 0;
    for (let f = 0; f < factors; f++) {
      const v = itemFactors[offset + f] as number;
      sum += v * v;
    }
    norms[item] = Math.sqrt(sum);
  }
  return norms;
}

/**
 * Cosine k-NN over item factors. The norms are computed once per index, so a query costs one pass of
 * dot products. A zero vector has no direction: it is never returned, and asking for its neighbours
 * returns nothing (an item the model never trained says nothing about what it resembles).
 */
export class ItemSimilarityIndex {
  readonly itemFactors: Float32Array;
  readonly factors: number;
  readonly itemCount: number;
  readonly norms: Float64Array;

  constructor(itemFactors: Float32Array, factors: number, norms?: Float64Array) {
    this.itemCount = factorRows(itemFactors, factors, "itemFactors");
    if (norms !== undefined && norms.length !== this.itemCount) {
      throw new InvalidInputError(`norms has ${norms.length} values, expected ${this.itemCount}`, "norms");
    }
    this.itemFactors = itemFactors;
    this.factors = factors;
    this.norms = norms ?? itemNorms(itemFactors, factors);
  }

  /** The k items most cosine-similar to `item`, best first, never `item` itself. */
  similarItems(item: number, k: number, exclude?: ItemExclusion): TopK {
    if (!Number.isInteger(item) || item < 0 || item >= this.itemCount) {
      throw new NotFoundError(`no item at index ${item} (the model has ${this.itemCount} items)`);
    }
    const { itemFactors, factors, norms } = this;
    const selector = new TopKSelector(Math.min(requireK(k), this.itemCount));
    const queryNorm = norms[item] as number;
    if (queryNorm === 0) return selector.finish();
    const queryOffset = item * factors;
    for (let other = 0; other < this.itemCount; other++) {
      const otherNorm = norms[other] as number;
      if (other === item || otherNorm === 0) continue;
      if (exclude !== undefined && isExcluded(exclude, other)) continue;
      const offset = other * factors;
      let dot = 0;
      for (let f = 0; f < factors; f++) {
        dot += (itemFactors[queryOffset + f] as number) * (itemFactors[offset + f] as number);
      }
      selector.offer(other, dot / (queryNorm * otherNorm));
    }
    return selector.finish();
  }
}

/** One-off cosine top-k; build an {@link ItemSimilarityIndex} to reuse the norms across queries. */
export function similarItemsByCosine(
  item: number,
  itemFactors: Float32Array,
  factors: number,
  k: number,
  exclude?: ItemExclusion,
): TopK {
  return new ItemSimilarityIndex(itemFactors, factors).similarItems(item, k, exclude);
}
