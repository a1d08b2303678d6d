/**
 * The data stack's stream, bucket and queue, declared as plain data (no CDK) next to the table definitions
 * (layers/adapters/aws/dynamodb/table-definitions.ts): the names of the environment variables that carry
 * their physical names to the code, and the bucket's layout. The stack builds from these, and local
 * provisioning can too.
 */
export const EVENT_STREAM_DEFINITION = {
  logicalName: "EventStream",
  /** Records are keyed by userId, so one user's events stay in order on one shard. */
  partitionKey: "userId",
  streamNameEnvironmentVariable: "FLYWHEEL_EVENT_STREAM_NAME",
} as const;

export const ARTIFACT_BUCKET_DEFINITION = {
  logicalName: "ArtifactBucket",
  bucketNameEnvironmentVariable: "FLYWHEEL_ARTIFACT_BUCKET",
  /** Model artifacts: models/<version>/<file> (docs/model-format.md). */
  modelsPrefix: "models/",
  /**
   * The raw event archive, Parquet partitioned by arrival hour (UTC):
   * events/dt=YYYY-MM-DD/hour=HH/<batchId>.parquet (docs/streaming.md).
   */
  eventArchivePrefix: "events/",
} as const;

export const STREAM_DEAD_LETTER_QUEUE_DEFINITION = {
  logicalName: "StreamDeadLetterQueue",
  queueUrlEnvironmentVariable: "FLYWHEEL_STREAM_DEAD_LETTER_QUEUE_URL",
  /** SQS's maximum: poison records wait two weeks for someone to look at them. */
  retentionDays: 14,
} as const;
