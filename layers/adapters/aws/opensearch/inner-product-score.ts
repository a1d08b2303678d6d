/**
 * The raw inner product behind a score of the k-NN plugin's Lucene engine with `innerproduct` space.
 * Lucene keeps scores positive by mapping an inner product d to d + 1 when d ≥ 0 and to 1 / (1 − d) below
 * (its MAXIMUM_INNER_PRODUCT similarity); a score ≥ 1 therefore came from d ≥ 0, one below 1 from d < 0.
 * Checked against the local node: d = 2 → 3, 1.25 → 2.25, −0.4 → 0.714…, −6 → 0.142….
 */
export function innerProductFromScore(score: number): number {
  return score >= 1 ? score - 1 : 1 - 1 / score;
}
