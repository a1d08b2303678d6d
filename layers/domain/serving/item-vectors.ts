import { ItemSimilarityIndex } from "../scoring/similar-items.ts";
import type { ServingModel } from "./serving-dependencies.ts";

/** One cosine index per loaded model: the norms are computed once per model, not per request. */
const similarityIndices = new WeakMap<Float32Array, ItemSimilarityIndex>();

export function similarityIndexOf(model: ServingModel): ItemSimilarityIndex {
  let index = similarityIndices.get(model.itemFactors);
  if (index === undefined) {
    index = new ItemSimilarityIndex(model.itemFactors, model.factors);
    similarityIndices.set(model.itemFactors, index);
  }
  return index;
}

/** The model's vector of an item (a view into the factor matrix), or undefined when the model lacks it. */
export function itemVectorOf(model: ServingModel, itemId: string): Float32Array | undefined {
  const row = model.itemIndex.get(itemId);
  if (row === undefined) return undefined;
  return model.itemFactors.subarray(row * model.factors, (row + 1) * model.factors);
}

export function innerProduct(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let f = 0; f < a.length; f++) dot += (a[f] as number) * (b[f] as number);
  return dot;
}
