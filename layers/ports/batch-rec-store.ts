import type { ScoredItem } from "./scored-item.ts";

/** How strongly the user interacted with one item, as training saw it. */
export interface HistoryWeight {
  readonly itemId: string;
  readonly weight: number;
}

/** A user's nightly (batch) recommendations. */
export interface BatchRecommendations {
  readonly userId: string;
  readonly modelVersion: string;
  readonly items: readonly ScoredItem[];
  readonly generatedAt: number;
  /** When the entry stops being served (TTL in AWS). */
  readonly expiresAt: number;
  /**
   * The user's aggregated interaction weights that `modelVersion` was trained on (summed event-type weights
   * per item, strongest first, capped by the writer), written by the nightly publish. The stream fold-in adds
   * the interactions since the model's data window to it, so a new click moves the vector exactly as
   * retraining would; the serving path uses it to filter already-seen items and to explain a recommendation.
   * Absent when the writer has none. Weights come back at float32 precision (`Math.fround`), the precision
   * training and fold-in compute with; order and item ids exactly.
   */
  readonly history?: readonly HistoryWeight[];
}

export interface BatchRecStore {
  /**
   * Writes many users' lists; retries what the store did not take, then throws DependencyError. Every entry
   * is checked first: a bad one is an InvalidInputError, one over the store's item size limit (400 KB, as
   * DynamoDB) a PayloadTooLargeError, and nothing of that call is written.
   */
  putMany(entries: readonly BatchRecommendations[]): Promise<void>;
  /** The user's list, or undefined when absent or expired. */
  get(userId: string): Promise<BatchRecommendations | undefined>;
  /**
   * The lists of many users in one go, each exactly as `get` would return it: keyed by user id, absent or
   * expired ones left out, an id named twice read once. An empty list answers an empty map without calling
   * the store.
   */
  getMany(userIds: readonly string[]): Promise<Map<string, BatchRecommendations>>;
  delete(userId: string): Promise<void>;
}
