import { InvalidInputError } from "../../layers/domain/errors/domain-errors.ts";
import { groupDigits } from "./number-format.ts";

/**
 * The workload a deployment carries, from four numbers (users, items, API read requests per second, client
 * events per second) and the stated assumptions below. Pure arithmetic: no AWS SDK, no I/O. The sizing
 * formulas (service-sizing.ts) turn it into capacity, the report (capacity-report.ts) into money.
 */

/** AWS bills a month as 730 hours. */
export const SECONDS_PER_MONTH = 730 * 3600;
export const SECONDS_PER_DAY = 86_400;
/** One nightly training run per day: 730 h / 24 h. */
export const NIGHTS_PER_MONTH = 730 / 24;

/** The event stream's capacity mode (infra/config/stage-config.ts `streamMode`). */
export const STREAM_CAPACITY_MODES = ["on-demand", "provisioned"] as const;
export type StreamCapacityMode = (typeof STREAM_CAPACITY_MODES)[number];

export interface CapacityInputs {
  readonly users: number;
  /** Catalog items, every one with a vector in the model and the k-NN index. */
  readonly items: number;
  /** Average API read requests per second: recommendations, similar items and popular items together. */
  readonly rps: number;
  /**
   * Average client events per second through `POST /v1/events`. The impression the API logs for every
   * recommendation it serves comes on top (it is derived from `rps`).
   */
  readonly eventsPerSec: number;
  /** @default "on-demand" (the stage default) */
  readonly streamMode: StreamCapacityMode;
  /** ALS factors: the vector dimension everywhere. @default 64 */
  readonly factors: number;
}

/** Inclusive bounds of each input: past these the model's linear assumptions say nothing useful. */
export const CAPACITY_INPUT_LIMITS = {
  users: { min: 1, max: 1_000_000_000 },
  items: { min: 1, max: 100_000_000 },
  rps: { min: 1, max: 1_000_000 },
  eventsPerSec: { min: 1, max: 10_000_000 },
  factors: { min: 1, max: 1024 },
} as const;

export type CapacityInputField = keyof typeof CAPACITY_INPUT_LIMITS;

/** The CLI's flag of each input, so an error names what the user typed. */
export const CAPACITY_INPUT_FLAGS: Readonly<Record<CapacityInputField, string>> = {
  users: "users",
  items: "items",
  rps: "rps",
  eventsPerSec: "events-per-sec",
  factors: "factors",
};

/**
 * Checked inputs: positive integers within CAPACITY_INPUT_LIMITS, else an InvalidInputError that names the
 * flag and the range.
 */
export function capacityInputs(raw: {
  readonly users: number;
  readonly items: number;
  readonly rps: number;
  readonly eventsPerSec: number;
  readonly streamMode?: StreamCapacityMode;
  readonly factors?: number;
}): CapacityInputs {
  const checked = (field: CapacityInputField, value: number): number => {
    const { min, max } = CAPACITY_INPUT_LIMITS[field];
    const flag = CAPACITY_INPUT_FLAGS[field];
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      throw new InvalidInputError(
        `--${flag} must be an integer from ${min} to ${groupDigits(max)}, got ${String(value)}`,
        flag,
      );
    }
    return value;
  };
  const streamMode = raw.streamMode ?? "on-demand";
  if (!(STREAM_CAPACITY_MODES as readonly string[]).includes(streamMode)) {
    throw new InvalidInputError(
      `--stream-mode must be one of ${STREAM_CAPACITY_MODES.join(", ")}, got '${String(streamMode)}'`,
      "stream-mode",
    );
  }
  return {
    users: checked("users", raw.users),
    items: checked("items", raw.items),
    rps: checked("rps", raw.rps),
    eventsPerSec: checked("eventsPerSec", raw.eventsPerSec),
    streamMode,
    factors: checked("factors", raw.factors ?? DEFAULT_FACTORS),
  };
}

export const DEFAULT_FACTORS = 64;

/**
 * What the four inputs do not say. Each default is a stated guess or a value read from the code (the file
 * is named); docs/capacity.md lists them with their reasons. Change one here and the scenario table in the
 * docs goes stale, which test/unit/capacity/capacity-doc.test.ts catches.
 */
export interface WorkloadAssumptions {
  /** Items per list: DEFAULT_LIST_LIMIT (functions/api/openapi/schemas.ts). */
  readonly listLimit: number;
  /** Shares of `rps` by route; they sum to 1. */
  readonly requestMix: {
    readonly recommendations: number;
    readonly similar: number;
    readonly popular: number;
  };
  /** Recommendation requests answered from L1 (a user's list is dropped on each of their events). */
  readonly cacheHitRatio: number;
  /** Which tier answers a cache miss; they sum to 1. */
  readonly missTiers: { readonly realtime: number; readonly batch: number; readonly popular: number };
  /** Client events per `POST /v1/events` request (1–500 allowed). */
  readonly eventsPerIngestRequest: number;
  /** A client event as the stream carries it: JSON (layers/domain/events/stream-event-codec.ts). */
  readonly clientEventBytes: number;
  /** User and item ids. */
  readonly idBytes: number;
  /** Event and recommendation ids (UUIDs). */
  readonly eventIdBytes: number;
  readonly categoriesPerItem: number;
  /** Client events with a positive weight (not dismiss): these are trended. */
  readonly positiveWeightShare: number;
  /** Client events that are a click or a conversion naming a recommendationId (CTR feedback). */
  readonly attributedFeedbackShare: number;
  /**
   * A user's events within one stream batch: the handler reads and writes once per user per batch. 1 is
   * the worst case (every event its own user), which holds once many users share a shard.
   */
  readonly eventsPerUserPerBatch: number;
  /** The nightly list per user (the Spark job's `--top-n`). */
  readonly batchRecsPerUser: number;
  /** History items kept per user in the nightly entry (HISTORY_CAP in spark/flywheel_spark/train_als.py). */
  readonly historyLimit: number;
  /** recentInteractionsLimit (layers/domain/serving/serving-dependencies.ts). */
  readonly recentInteractionsLimit: number;
  /** RECENT_INTERACTIONS_RETENTION_MS (layers/ports/interaction-log.ts). */
  readonly interactionRetentionHours: number;
  /** DEFAULT_REDIS_TRENDING_RETENTION_MS (layers/adapters/aws/redis/redis-trending-counters.ts). */
  readonly trendingRetentionHours: number;
  /** The trending seen sets' dedupe window (same file). */
  readonly seenSetHours: number;
  /** The popular tier's window (popularWindowMs, serving-dependencies.ts). */
  readonly popularWindowHours: number;
  /** cacheTtlSeconds (serving-dependencies.ts). */
  readonly cacheTtlSeconds: number;
  /** DEFAULT_RECOMMENDATION_LOG_RETENTION_MS (layers/adapters/aws/dynamodb/dynamodb-recommendation-log.ts). */
  readonly recommendationLogRetentionDays: number;
  /** Days of raw events kept in S3. The Spark job reads every partition, so this is also the training window. */
  readonly archiveDays: number;
  /** Distinct (user, item) pairs per client event in the training window (repeat views collapse). */
  readonly distinctPairShare: number;
  /** ALS iterations (layers/domain/als/als-parameters.ts: 15). */
  readonly alsIterations: number;
  /** The Spark job's `--holdout`: it trains a second model on the rest and ranks every held-out user. */
  readonly holdoutShare: number;
  /** Capacity (shards, nodes, concurrency) is sized for peak = average × this; bills use the average. */
  readonly peakToAverage: number;
  /** Catalog items upserted per day, as a share of the catalog. */
  readonly catalogChangesPerDayShare: number;
  /** Model versions kept in S3 (one a night; noncurrentArtifactRetentionDays, stage-config.ts: 30). */
  readonly modelVersionsKept: number;
  /** Days a training run's workspace (prepared data, batch-rec files) is kept. */
  readonly runWorkspaceDays: number;
}

export const DEFAULT_WORKLOAD_ASSUMPTIONS: WorkloadAssumptions = Object.freeze({
  listLimit: 10,
  requestMix: Object.freeze({ recommendations: 0.7, similar: 0.2, popular: 0.1 }),
  cacheHitRatio: 0.5,
  missTiers: Object.freeze({ realtime: 0.7, batch: 0.25, popular: 0.05 }),
  eventsPerIngestRequest: 10,
  clientEventBytes: 300,
  idBytes: 24,
  eventIdBytes: 36,
  categoriesPerItem: 2,
  positiveWeightShare: 0.95,
  attributedFeedbackShare: 0.1,
  eventsPerUserPerBatch: 1,
  batchRecsPerUser: 50,
  historyLimit: 500,
  recentInteractionsLimit: 500,
  interactionRetentionHours: 48,
  trendingRetentionHours: 168,
  seenSetHours: 48,
  popularWindowHours: 24,
  cacheTtlSeconds: 3600,
  recommendationLogRetentionDays: 30,
  archiveDays: 90,
  distinctPairShare: 0.5,
  alsIterations: 15,
  holdoutShare: 0.2,
  peakToAverage: 2,
  catalogChangesPerDayShare: 0.05,
  modelVersionsKept: 30,
  runWorkspaceDays: 7,
});

/** Rates are per second on average unless named `peak`. */
export interface Workload {
  readonly inputs: CapacityInputs;
  readonly assumptions: WorkloadAssumptions;
  readonly recommendationRps: number;
  readonly similarRps: number;
  readonly popularRps: number;
  readonly cacheHitRps: number;
  /** Cache misses: every one reads the user's profile, recent interactions and nightly entry. */
  readonly cacheMissRps: number;
  readonly realtimeTierRps: number;
  readonly batchTierRps: number;
  readonly popularTierRps: number;
  readonly ingestRequestRps: number;
  /** One impression event per served list, published by the serving path (layers/domain/events/impression-event.ts). */
  readonly impressionRps: number;
  readonly impressionEventBytes: number;
  /** Client events plus impressions: what the stream carries. */
  readonly streamRecordRps: number;
  readonly averageStreamRecordBytes: number;
  /** Client events with a positive weight: trended (one Lua call per hash tag). */
  readonly trendableRps: number;
  /** Feedback transactions: impressions plus attributed clicks and conversions. */
  readonly feedbackRps: number;
  /** (user, batch) pairs: one log Query, one profile and nightly-entry read and at most one profile write each. */
  readonly userBatchUpdatesRps: number;
  /** A user's interactions within the 48 h log, capped by the serving read's limit. */
  readonly recentInteractionsPerUser: number;
  /** Distinct (user, item) pairs the nightly job trains on. */
  readonly trainingPairs: number;
  /** Users with a nightly entry: users with at least one pair. */
  readonly nightlyUsers: number;
  /** History items per nightly entry. */
  readonly historyLength: number;
  /** Stream records in the archive (= the training window). */
  readonly archivedRecords: number;
}

/** The approximate JSON of an impression event carrying `limit` item ids (impressionEventOf). */
export function impressionEventBytes(assumptions: WorkloadAssumptions): number {
  // Fixed fields (eventId "<uuid>.impression", type, timestamps, recommendationId, context keys) ≈ 230 B,
  // then each item id quoted with a comma.
  return 230 + assumptions.listLimit * (assumptions.idBytes + 3);
}

export function workloadOf(
  inputs: CapacityInputs,
  assumptions: WorkloadAssumptions = DEFAULT_WORKLOAD_ASSUMPTIONS,
): Workload {
  const a = assumptions;
  const recommendationRps = inputs.rps * a.requestMix.recommendations;
  const cacheHitRps = recommendationRps * a.cacheHitRatio;
  const cacheMissRps = recommendationRps - cacheHitRps;
  const impressionRps = recommendationRps;
  const impressionBytes = impressionEventBytes(a);
  const streamRecordRps = inputs.eventsPerSec + impressionRps;
  const retentionSeconds = a.interactionRetentionHours * 3600;
  const interactionsPerUser = (inputs.eventsPerSec * retentionSeconds) / inputs.users;
  const clientEventsInWindow = inputs.eventsPerSec * SECONDS_PER_DAY * a.archiveDays;
  const trainingPairs = Math.min(inputs.users * inputs.items, clientEventsInWindow * a.distinctPairShare);
  const nightlyUsers = Math.min(inputs.users, trainingPairs);
  return {
    inputs,
    assumptions,
    recommendationRps,
    similarRps: inputs.rps * a.requestMix.similar,
    popularRps: inputs.rps * a.requestMix.popular,
    cacheHitRps,
    cacheMissRps,
    realtimeTierRps: cacheMissRps * a.missTiers.realtime,
    batchTierRps: cacheMissRps * a.missTiers.batch,
    popularTierRps: cacheMissRps * a.missTiers.popular,
    ingestRequestRps: inputs.eventsPerSec / a.eventsPerIngestRequest,
    impressionRps,
    impressionEventBytes: impressionBytes,
    streamRecordRps,
    averageStreamRecordBytes:
      (inputs.eventsPerSec * a.clientEventBytes + impressionRps * impressionBytes) / streamRecordRps,
    trendableRps: inputs.eventsPerSec * a.positiveWeightShare,
    feedbackRps: impressionRps + inputs.eventsPerSec * a.attributedFeedbackShare,
    userBatchUpdatesRps: inputs.eventsPerSec / a.eventsPerUserPerBatch,
    recentInteractionsPerUser: Math.min(a.recentInteractionsLimit, interactionsPerUser),
    trainingPairs,
    nightlyUsers,
    historyLength: Math.min(a.historyLimit, trainingPairs / nightlyUsers),
    archivedRecords: streamRecordRps * SECONDS_PER_DAY * a.archiveDays,
  };
}
