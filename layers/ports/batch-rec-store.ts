import type { ScoredItem } from "./scored-item.ts";

/** A user's nightly (batch) recommendations. */
export interface BatchRecommendations {
  readonly userId: string;
  readonly modelVersion: string;
  readonly items: readonly ScoredItem[];
  readonly generatedAt: number;
  /** When the entry stops being served (TTL in AWS). */
  readonly expiresAt: number;
}

export interface BatchRecStore {
  /** Writes many users' lists; retries what the store did not take, then throws DependencyError. */
  putMany(entries: readonly BatchRecommendations[]): Promise<void>;
  /** The user's list, or undefined when absent or expired. */
  get(userId: string): Promise<BatchRecommendations | undefined>;
  delete(userId: string): Promise<void>;
}
