import type {
  FeedbackKind,
  RecommendationLog,
  RecommendationSource,
} from "../../layers/ports/recommendation-log.ts";
import type { FeedbackCounts } from "../commons/application-metrics.ts";

/** Served lists whose source is remembered between batches; beyond this the oldest are forgotten. */
const REMEMBERED_SOURCES = 10_000;

/**
 * The source (cascade tier) of recently served lists, by recommendation id: filled when the stream records
 * a served list, so the impression counted right after it, and most clicks on it, need no extra read.
 * Bounded: a Lambda container lives for hours.
 */
export class ServedSources {
  private readonly sources = new Map<string, RecommendationSource>();

  remember(recommendationId: string, source: RecommendationSource): void {
    this.sources.delete(recommendationId);
    this.sources.set(recommendationId, source);
    if (this.sources.size > REMEMBERED_SOURCES) {
      const oldest = this.sources.keys().next();
      if (oldest.done !== true) this.sources.delete(oldest.value);
    }
  }

  recall(recommendationId: string): RecommendationSource | undefined {
    return this.sources.get(recommendationId);
  }
}

export interface FeedbackTally {
  /** The recommendation log to give the domain: the same log, counting what it counts. */
  readonly recommendationLog: RecommendationLog;
  /** Impressions and clicks the log counted for the first time during this batch, by source. */
  counts(): ReadonlyMap<RecommendationSource, FeedbackCounts>;
}

/**
 * Watches one batch's feedback for CTR by source. Only feedback the log counts for the first time (its
 * `recordFeedback` answers true) is tallied, so a re-delivered batch adds nothing, as it adds nothing to
 * the log's own counters. A click on a list served before this container remembered it costs one read of
 * the served list; a failed read loses that click's metric, never its effect.
 */
export function tallyFeedbackBySource(log: RecommendationLog, sources: ServedSources): FeedbackTally {
  const counts = new Map<RecommendationSource, { impressions: number; clicks: number }>();
  const sourceOf = async (recommendationId: string): Promise<RecommendationSource | undefined> => {
    const known = sources.recall(recommendationId);
    if (known !== undefined) return known;
    try {
      const served = await log.get(recommendationId);
      if (served !== undefined) sources.remember(recommendationId, served.source);
      return served?.source;
    } catch {
      return undefined;
    }
  };
  const recommendationLog: RecommendationLog = {
    recordServed: async (served) => {
      await log.recordServed(served);
      sources.remember(served.recommendationId, served.source);
    },
    get: (recommendationId) => log.get(recommendationId),
    recordFeedback: async (recommendationId: string, kind: FeedbackKind, eventId: string) => {
      const counted = await log.recordFeedback(recommendationId, kind, eventId);
      if (counted && (kind === "impression" || kind === "click")) {
        const source = await sourceOf(recommendationId);
        if (source !== undefined) {
          const tally = counts.get(source) ?? { impressions: 0, clicks: 0 };
          if (kind === "impression") tally.impressions++;
          else tally.clicks++;
          counts.set(source, tally);
        }
      }
      return counted;
    },
    counters: () => log.counters(),
  };
  return { recommendationLog, counts: () => counts };
}
