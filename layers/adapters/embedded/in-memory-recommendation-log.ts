import type {
  CounterKey,
  FeedbackCounters,
  FeedbackKind,
  RecommendationLog,
  ServedRecommendation,
} from "../../ports/recommendation-log.ts";
import { requireNonEmptyText } from "./argument-checks.ts";

type CounterRow = CounterKey & { impressions: number; clicks: number; conversions: number };

const COUNTER_OF_KIND: Readonly<Record<FeedbackKind, keyof FeedbackCounters>> = {
  impression: "impressions",
  click: "clicks",
  conversion: "conversions",
};

/**
 * Served lists and their feedback counters in Maps. Nothing expires: the in-process runtime is for
 * development, where a restart empties it anyway.
 */
export class InMemoryRecommendationLog implements RecommendationLog {
  private readonly served = new Map<string, ServedRecommendation>();
  private readonly countedEventIds = new Set<string>();
  private readonly counterRows = new Map<string, CounterRow>();

  async recordServed(served: ServedRecommendation): Promise<void> {
    requireNonEmptyText(served.recommendationId, "recommendationId");
    // The first record wins: a retried write must not replace what was actually served.
    if (this.served.has(served.recommendationId)) return;
    this.served.set(served.recommendationId, copyServed(served));
  }

  async get(recommendationId: string): Promise<ServedRecommendation | undefined> {
    const served = this.served.get(recommendationId);
    return served === undefined ? undefined : copyServed(served);
  }

  async recordFeedback(recommendationId: string, kind: FeedbackKind, eventId: string): Promise<boolean> {
    requireNonEmptyText(eventId, "eventId");
    const served = this.served.get(recommendationId);
    if (served === undefined || this.countedEventIds.has(eventId)) return false;
    this.countedEventIds.add(eventId);
    this.counterRowOf(served)[COUNTER_OF_KIND[kind]]++;
    return true;
  }

  async counters(): Promise<Array<CounterKey & FeedbackCounters>> {
    return [...this.counterRows.values()].map((row) => ({ ...row }));
  }

  private counterRowOf(served: ServedRecommendation): CounterRow {
    // JSON keeps a null model version distinct from the string "null".
    const key = JSON.stringify([served.source, served.modelVersion]);
    let row = this.counterRows.get(key);
    if (row === undefined) {
      row = {
        source: served.source,
        modelVersion: served.modelVersion,
        impressions: 0,
        clicks: 0,
        conversions: 0,
      };
      this.counterRows.set(key, row);
    }
    return row;
  }
}

function copyServed(served: ServedRecommendation): ServedRecommendation {
  return {
    recommendationId: served.recommendationId,
    userId: served.userId,
    source: served.source,
    modelVersion: served.modelVersion,
    itemIds: [...served.itemIds],
    servedAt: served.servedAt,
  };
}
