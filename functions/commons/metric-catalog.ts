/**
 * The application metrics every Flywheel Lambda may emit (CloudWatch Embedded Metric Format, through
 * Powertools), by name: the one list that both the emitting code (application-metrics.ts) and the dashboard
 * and alarms (infra/stacks/observability-stack.ts) read, so a renamed metric cannot leave a dead graph.
 *
 * Every metric carries the dimensions `service` (the function's POWERTOOLS_SERVICE_NAME) and `stage`;
 * the ones marked below carry one more. Iterator age and dead-letter queue depth are not here: Lambda and
 * SQS publish those themselves (IteratorAge, ApproximateNumberOfMessagesVisible).
 */
export const METRICS_NAMESPACE = "Flywheel";

export const METRIC_DIMENSIONS = {
  service: "service",
  stage: "stage",
  /** The cascade tier that answered, or served the list feedback is about: cache, realtime, batch, popular. */
  source: "Source",
  /** A nightly pipeline step: the handler's export name (prepareData, train, …). */
  step: "Step",
} as const;

export const METRIC_NAMES = {
  /** Milliseconds of GET /v1/users/{userId}/recommendations in the handler, by `Source`. */
  recommendationLatency: "RecommendationLatency",
  /** Count of recommendation requests answered from the L1 cache (`Source` = cache). */
  cacheHit: "CacheHit",
  /** Count of recommendation requests a lower tier answered (`Source` = realtime, batch or popular). */
  cacheMiss: "CacheMiss",
  /** Count of events POST /v1/events published to the stream. */
  eventsAccepted: "EventsAccepted",
  /** Count of events POST /v1/events refused (validation, or the stream). */
  eventsRejected: "EventsRejected",
  /**
   * Count of distinct events in the batches the stream Lambda handled (re-deliveries included, by event id);
   * those whose effects did not all complete are in EventsFailed too, by record.
   */
  eventsProcessed: "EventsProcessed",
  /** Count of records the stream Lambda reported failed (the mapping delivers them again). */
  eventsFailed: "EventsFailed",
  /** Milliseconds of one user's fold-in (the least-squares solve against the active model). */
  foldInTime: "FoldInTime",
  /** Count of poison records the stream Lambda sent to the dead-letter queue. */
  poisonRecords: "PoisonRecords",
  /** Count of served lists first counted as shown, by `Source`: CTR's denominator. */
  impressions: "Impressions",
  /** Count of clicks first counted on a served list, by `Source`: CTR's numerator. */
  clicks: "Clicks",
  /** Count of events the archive Lambda wrote to the Parquet archive. */
  eventsArchived: "EventsArchived",
  /** Milliseconds of one nightly pipeline step's handler, by `Step`, whether it succeeded or threw. */
  pipelineStepDuration: "PipelineStepDuration",
} as const;
