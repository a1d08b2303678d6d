import { type Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { RecommendationSource } from "../../layers/ports/recommendation-log.ts";
import { METRIC_DIMENSIONS, METRIC_NAMES } from "./metric-catalog.ts";
import { metrics as processMetrics } from "./observability.ts";

/**
 * How the handlers record the metrics of metric-catalog.ts: one call each, so a handler stays an adapter.
 * Values go into the invocation's buffer, which the logMetrics middleware flushes as one EMF blob when the
 * handler returns; counts by source, which need a dimension of their own, go out as blobs of their own.
 */
export interface ApplicationMetrics {
  /** A recommendations answer: its latency and whether the L1 cache served it, under its source. */
  recommendationServed(source: RecommendationSource, milliseconds: number): void;
  eventsPublished(accepted: number, rejected: number): void;
  streamBatch(figures: { processed: number; failed: number; deadLettered: number }): void;
  foldIn(milliseconds: number): void;
  /** Feedback first counted in a batch, per source of the served list. */
  feedbackBySource(counts: ReadonlyMap<RecommendationSource, FeedbackCounts>): void;
  eventsArchived(count: number): void;
  pipelineStep(step: string, milliseconds: number): void;
}

export interface FeedbackCounts {
  readonly impressions: number;
  readonly clicks: number;
}

/** Records into `metrics`: the process's buffer (observability.ts), or a test's own. */
export function applicationMetrics(metrics: Metrics = processMetrics): ApplicationMetrics {
  return {
    recommendationServed: (source, milliseconds) => {
      // One request, one source: the whole blob carries it, so latency is per tier and hits and misses sum
      // to all requests over the sources.
      metrics.addDimension(METRIC_DIMENSIONS.source, source);
      metrics.addMetric(METRIC_NAMES.recommendationLatency, MetricUnit.Milliseconds, milliseconds);
      metrics.addMetric(
        source === "cache" ? METRIC_NAMES.cacheHit : METRIC_NAMES.cacheMiss,
        MetricUnit.Count,
        1,
      );
    },
    eventsPublished: (accepted, rejected) => {
      metrics.addMetric(METRIC_NAMES.eventsAccepted, MetricUnit.Count, accepted);
      metrics.addMetric(METRIC_NAMES.eventsRejected, MetricUnit.Count, rejected);
    },
    streamBatch: ({ processed, failed, deadLettered }) => {
      metrics.addMetric(METRIC_NAMES.eventsProcessed, MetricUnit.Count, processed);
      metrics.addMetric(METRIC_NAMES.eventsFailed, MetricUnit.Count, failed);
      metrics.addMetric(METRIC_NAMES.poisonRecords, MetricUnit.Count, deadLettered);
    },
    foldIn: (milliseconds) => {
      metrics.addMetric(METRIC_NAMES.foldInTime, MetricUnit.Milliseconds, milliseconds);
    },
    feedbackBySource: (counts) => {
      // A batch holds feedback on lists of several sources, and a dimension applies to a whole blob: one
      // single-metric blob per source and kind, with the default dimensions and that source.
      for (const [source, { impressions, clicks }] of counts) {
        for (const [name, value] of [
          [METRIC_NAMES.impressions, impressions],
          [METRIC_NAMES.clicks, clicks],
        ] as const) {
          if (value === 0) continue;
          metrics
            .singleMetric()
            .addDimension(METRIC_DIMENSIONS.source, source)
            .addMetric(name, MetricUnit.Count, value);
        }
      }
    },
    eventsArchived: (count) => {
      metrics.addMetric(METRIC_NAMES.eventsArchived, MetricUnit.Count, count);
    },
    pipelineStep: (step, milliseconds) => {
      metrics.addDimension(METRIC_DIMENSIONS.step, step);
      metrics.addMetric(METRIC_NAMES.pipelineStepDuration, MetricUnit.Milliseconds, milliseconds);
    },
  };
}

/** The process's recorder, over the process's metrics buffer. */
export const recordMetric: ApplicationMetrics = applicationMetrics();
