/** Where a served list came from: the cascade tier that answered. */
export type RecommendationSource = "cache" | "realtime" | "batch" | "popular";

export type FeedbackKind = "impression" | "click" | "conversion";

/** A list that was served, kept so that later clicks can be attributed to it. */
export interface ServedRecommendation {
  readonly recommendationId: string;
  readonly userId: string;
  readonly source: RecommendationSource;
  readonly modelVersion: string | null;
  readonly itemIds: readonly string[];
  readonly servedAt: number;
}

export interface FeedbackCounters {
  readonly impressions: number;
  readonly clicks: number;
  readonly conversions: number;
}

export interface CounterKey {
  readonly source: RecommendationSource;
  readonly modelVersion: string | null;
}

export interface RecommendationLog {
  recordServed(served: ServedRecommendation): Promise<void>;
  get(recommendationId: string): Promise<ServedRecommendation | undefined>;
  /**
   * Counts one feedback event against the served list's (source, model version), at most once per eventId.
   * Returns false when the event was already counted or the recommendation is unknown.
   */
  recordFeedback(recommendationId: string, kind: FeedbackKind, eventId: string): Promise<boolean>;
  /** Counters per (source, model version) — CTR = clicks / impressions. */
  counters(): Promise<Array<CounterKey & FeedbackCounters>>;
}
