import type { ScoredItem } from "./scored-item.ts";

/** Re-scores candidates for a user (a SageMaker endpoint in AWS). */
export interface Ranker {
  /**
   * New scores for the candidates, in the same order. Throws DependencyError on failure or when `timeoutMs`
   * passes; the cascade then keeps the retrieval order.
   */
  score(userId: string, candidates: readonly ScoredItem[], timeoutMs: number): Promise<number[]>;
}
