import { innerProduct, itemVectorOf } from "./item-vectors.ts";
import type { RecommendedItem } from "./recommendation-types.ts";
import type { ServingModel } from "./serving-dependencies.ts";

/**
 * Explains each item by the item of the user's `pool` (see reasonPool) whose vector has the largest inner
 * product with the recommended item's: in a factor model the score is the user's vector times the item's,
 * and the user's vector is built from these items, so this is the one that pulls the item up most. Only a
 * positive inner product explains anything; the first in the pool wins a tie. Items the model has no
 * vector for keep no reason.
 */
export function withReasons(
  items: readonly RecommendedItem[],
  model: ServingModel,
  pool: readonly string[],
): RecommendedItem[] {
  const poolVectors = pool.flatMap((itemId) => {
    const vector = itemVectorOf(model, itemId);
    return vector === undefined ? [] : [{ itemId, vector }];
  });
  if (poolVectors.length === 0) return [...items];
  return items.map((item) => {
    const vector = itemVectorOf(model, item.itemId);
    if (vector === undefined) return item;
    let best: string | undefined;
    let bestProduct = 0;
    for (const candidate of poolVectors) {
      if (candidate.itemId === item.itemId) continue;
      const product = innerProduct(vector, candidate.vector);
      if (product > bestProduct) {
        best = candidate.itemId;
        bestProduct = product;
      }
    }
    return best === undefined ? item : { ...item, reason: { kind: "similar-to-history", itemId: best } };
  });
}
