import type { RecommendationLog } from "../../layers/ports/recommendation-log.ts";

/** Latency samples kept per handler: enough for a stable p99, bounded for a long session. */
const MAX_SAMPLES = 10_000;
/** The window events per second are averaged over. */
const RATE_WINDOW_MS = 10_000;

export interface LatencySummary {
  readonly count: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
}

export interface CtrRow {
  readonly source: string;
  readonly modelVersion: string | null;
  readonly impressions: number;
  readonly clicks: number;
  readonly conversions: number;
  /** clicks / impressions; null before the first impression. */
  readonly ctr: number | null;
}

/** GET /_local/stats: what the local runtime observed since it started. */
export interface RuntimeStatsSnapshot {
  readonly startedAt: number;
  readonly uptimeSeconds: number;
  readonly requests: {
    readonly total: number;
    readonly errors: number;
    readonly byHandler: Readonly<Record<string, LatencySummary & { readonly errors: number }>>;
  };
  readonly recommendations: {
    readonly served: number;
    readonly bySource: Readonly<Record<string, number>>;
    /** Lists served from the L1 cache over all lists served; null before the first. */
    readonly cacheHitRatio: number | null;
    readonly latency: LatencySummary;
  };
  readonly coverage: {
    readonly recommendedItems: number;
    readonly catalogItems: number;
    /** Distinct items recommended / catalog size. */
    readonly ratio: number | null;
  };
  readonly events: {
    /** Client events the API accepted, by type. */
    readonly acceptedByType: Readonly<Record<string, number>>;
    readonly accepted: number;
    /** Records the stream consumer handled (client events and the impressions serving logs). */
    readonly processed: number;
    /** Processed records per second over the last 10 s. */
    readonly perSecond: number;
  };
  readonly ctr: readonly CtrRow[];
}

export interface RuntimeStatsOptions {
  /** The records the stream consumer has handled so far (the poller's counter). */
  readonly processedEvents: () => number;
  /** CTR counters, read through the recommendation log port. */
  readonly recommendationLog: RecommendationLog;
  readonly catalogItems: () => number;
  /** @default Date.now */
  readonly clock?: () => number;
}

/**
 * Counters the local runtime keeps from what it can see: each API request as its handler wrapper sees it,
 * the stream consumer's record count, and the recommendation log's feedback counters. In AWS the same
 * figures come from CloudWatch (API Gateway and Lambda metrics, the handlers' EMF metrics).
 */
export class RuntimeStats {
  private readonly options: RuntimeStatsOptions;
  private readonly clock: () => number;
  private readonly startedAt: number;
  private readonly latencies = new Map<string, number[]>();
  private readonly errors = new Map<string, number>();
  private readonly sources = new Map<string, number>();
  private readonly recommendedItems = new Set<string>();
  private readonly acceptedByType = new Map<string, number>();
  /** (time, processed) samples, oldest first, for the events-per-second rate. */
  private readonly processedSamples: Array<{ at: number; processed: number }> = [];

  constructor(options: RuntimeStatsOptions) {
    this.options = options;
    this.clock = options.clock ?? Date.now;
    this.startedAt = this.clock();
  }

  recordRequest(handlerId: string, statusCode: number, durationMs: number): void {
    let samples = this.latencies.get(handlerId);
    if (samples === undefined) {
      samples = [];
      this.latencies.set(handlerId, samples);
    }
    samples.push(durationMs);
    if (samples.length > MAX_SAMPLES) samples.splice(0, samples.length - MAX_SAMPLES);
    if (statusCode >= 500) this.errors.set(handlerId, (this.errors.get(handlerId) ?? 0) + 1);
  }

  recordRecommendations(source: string, itemIds: readonly string[]): void {
    this.sources.set(source, (this.sources.get(source) ?? 0) + 1);
    for (const itemId of itemIds) this.recommendedItems.add(itemId);
  }

  recordAcceptedEvents(types: readonly string[]): void {
    for (const type of types) this.acceptedByType.set(type, (this.acceptedByType.get(type) ?? 0) + 1);
  }

  /** Takes a sample of the stream consumer's count; called every second, and on every snapshot. */
  sampleProcessed(): void {
    const now = this.clock();
    this.processedSamples.push({ at: now, processed: this.options.processedEvents() });
    while (this.processedSamples.length > 2 && (this.processedSamples[1]?.at ?? now) <= now - RATE_WINDOW_MS)
      this.processedSamples.shift();
  }

  async snapshot(): Promise<RuntimeStatsSnapshot> {
    this.sampleProcessed();
    const now = this.clock();
    const byHandler: Record<string, LatencySummary & { errors: number }> = {};
    let total = 0;
    let errors = 0;
    for (const [handlerId, samples] of this.latencies) {
      const handlerErrors = this.errors.get(handlerId) ?? 0;
      byHandler[handlerId] = { ...summarize(samples), errors: handlerErrors };
      total += samples.length;
      errors += handlerErrors;
    }
    const served = [...this.sources.values()].reduce((sum, count) => sum + count, 0);
    const catalogItems = this.options.catalogItems();
    const counters = await this.options.recommendationLog.counters();
    const oldest = this.processedSamples[0];
    const newest = this.processedSamples.at(-1);
    const elapsedSeconds = oldest === undefined || newest === undefined ? 0 : (newest.at - oldest.at) / 1000;
    return {
      startedAt: this.startedAt,
      uptimeSeconds: Math.round((now - this.startedAt) / 1000),
      requests: { total, errors, byHandler },
      recommendations: {
        served,
        bySource: Object.fromEntries(this.sources),
        cacheHitRatio: served === 0 ? null : (this.sources.get("cache") ?? 0) / served,
        latency: summarize(this.latencies.get("recommendations") ?? []),
      },
      coverage: {
        recommendedItems: this.recommendedItems.size,
        catalogItems,
        ratio: catalogItems === 0 ? null : this.recommendedItems.size / catalogItems,
      },
      events: {
        acceptedByType: Object.fromEntries(this.acceptedByType),
        accepted: [...this.acceptedByType.values()].reduce((sum, count) => sum + count, 0),
        processed: newest?.processed ?? 0,
        perSecond:
          oldest === undefined || newest === undefined || elapsedSeconds <= 0
            ? 0
            : (newest.processed - oldest.processed) / elapsedSeconds,
      },
      ctr: counters
        .map((row) => ({
          source: row.source,
          modelVersion: row.modelVersion,
          impressions: row.impressions,
          clicks: row.clicks,
          conversions: row.conversions,
          ctr: row.impressions === 0 ? null : row.clicks / row.impressions,
        }))
        .sort((a, b) => b.impressions - a.impressions),
    };
  }
}

/** Nearest-rank percentiles of the samples. */
export function summarize(samples: readonly number[]): LatencySummary {
  if (samples.length === 0) return { count: 0, p50Ms: null, p99Ms: null };
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0;
  return { count: sorted.length, p50Ms: round(rank(0.5)), p99Ms: round(rank(0.99)) };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
