import type { ScoredItem } from "../../ports/scored-item.ts";
import { innerProduct } from "./item-vectors.ts";

/**
 * Maximal marginal relevance (Carbonell & Goldstein 1998): picks `count` items one at a time, each the
 * candidate with the best λ·relevance − (1 − λ)·(its largest cosine similarity to an item already picked).
 * Relevance is the candidate's score scaled to [0, 1] within the list, so λ means the same whatever the
 * scores' scale (inner products, re-ranker scores). An item without a vector is similar to nothing.
 * Ties go to the candidate ranked higher. Scores are returned unchanged; only the order is MMR's.
 */
export function selectByMaximalMarginalRelevance<T extends ScoredItem>(
  candidates: readonly T[],
  count: number,
  lambda: number,
  vectorOf: (itemId: string) => Float32Array | undefined,
): T[] {
  const n = candidates.length;
  const picks = Math.min(count, n);
  if (picks <= 0) return [];
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const { score } of candidates) {
    min = Math.min(min, score);
    max = Math.max(max, score);
  }
  const span = max - min;
  const relevance = candidates.map(({ score }) => (span > 0 ? (score - min) / span : 1));
  const units = candidates.map(({ itemId }) => unitVector(vectorOf(itemId)));
  const maxSimilarity = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
  const picked = new Uint8Array(n);
  const selected: T[] = [];
  for (let round = 0; round < picks; round++) {
    let best = -1;
    let bestValue = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      if (picked[i] === 1) continue;
      const redundancy = round === 0 ? 0 : (maxSimilarity[i] as number);
      const value = lambda * (relevance[i] as number) - (1 - lambda) * redundancy;
      if (value > bestValue) {
        best = i;
        bestValue = value;
      }
    }
    if (best < 0) break;
    picked[best] = 1;
    selected.push(candidates[best] as T);
    const chosen = units[best];
    for (let i = 0; i < n; i++) {
      if (picked[i] === 1) continue;
      const other = units[i];
      const similarity = chosen === undefined || other === undefined ? 0 : innerProduct(chosen, other);
      if (similarity > (maxSimilarity[i] as number)) maxSimilarity[i] = similarity;
    }
  }
  return selected;
}

/** The vector scaled to length 1; undefined for a missing or zero vector (it has no direction). */
function unitVector(vector: Float32Array | undefined): Float32Array | undefined {
  if (vector === undefined) return undefined;
  const norm = Math.sqrt(innerProduct(vector, vector));
  if (!(norm > 0)) return undefined;
  const unit = new Float32Array(vector.length);
  for (let f = 0; f < vector.length; f++) unit[f] = (vector[f] as number) / norm;
  return unit;
}
