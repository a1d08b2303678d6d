import type { RecommendationSource } from "../../ports/recommendation-log.ts";

export const DIVERSITY_MODES = ["none", "mmr", "category-cap"] as const;
/** `mmr`: maximal marginal relevance over item vectors; `category-cap`: at most N items per category. */
export type DiversityMode = (typeof DIVERSITY_MODES)[number];

/** The bounds of a recommendation request; the handler validates against them and the domain re-checks. */
export const RECOMMENDATION_LIMITS = {
  minLimit: 1,
  maxLimit: 100,
  /** Explicitly excluded item ids per request. */
  maxExcluded: 1000,
} as const;

export interface RecommendationRequest {
  readonly userId: string;
  /** 1–100. */
  readonly limit: number;
  /** Only items of this category. */
  readonly category?: string;
  /** Item ids never to return. */
  readonly exclude: readonly string[];
  readonly diversity: DiversityMode;
}

/**
 * Why an item was recommended, as data a client can render ("because you interacted with X"): the item
 * of the user's recent interactions or nightly history whose vector has the largest (positive) inner
 * product with the recommended item's vector.
 */
export interface RecommendationReason {
  readonly kind: "similar-to-history";
  readonly itemId: string;
}

export interface RecommendedItem {
  readonly itemId: string;
  /**
   * The tier's own score, comparable only within one list: an inner product (realtime, batch), the
   * re-ranker's score when it re-ranked, a trending count (popular).
   */
  readonly score: number;
  readonly reason?: RecommendationReason;
}

export interface RecommendationResponse {
  /** New for every response, cache hits included: clicks are attributed to it. */
  readonly recommendationId: string;
  readonly userId: string;
  /** The tier that answered. */
  readonly source: RecommendationSource;
  /** The model behind the list; null for the popular tier (no model involved). */
  readonly modelVersion: string | null;
  readonly items: readonly RecommendedItem[];
}
