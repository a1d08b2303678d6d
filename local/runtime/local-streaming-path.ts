import { setTimeout as delay } from "node:timers/promises";
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
} from "@aws-sdk/client-kinesis";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { CreateQueueCommand, DeleteQueueCommand, SQSClient } from "@aws-sdk/client-sqs";
import { createArchiveHandler } from "../../functions/stream/create-archive-handler.ts";
import { createKinesisStreamHandler } from "../../functions/stream/create-kinesis-stream-handler.ts";
import { streamingDependenciesFromEnvironment } from "../../functions/stream/streaming-dependencies.ts";
import {
  createDynamoDbClient,
  DEFAULT_AWS_CLIENT_CONFIG,
  toDocumentClient,
} from "../../layers/adapters/aws/aws-clients.ts";
import { DynamoDbModelRegistry } from "../../layers/adapters/aws/dynamodb/dynamodb-model-registry.ts";
import { tableNamesEnvironment } from "../../layers/adapters/aws/dynamodb/dynamodb-table-names.ts";
import { deleteTables, provisionTables } from "../../layers/adapters/aws/dynamodb/provision-tables.ts";
import { TABLE_DEFINITIONS } from "../../layers/adapters/aws/dynamodb/table-definitions.ts";
import { createKinesisClient } from "../../layers/adapters/aws/kinesis/kinesis-client.ts";
import { KinesisEventBus } from "../../layers/adapters/aws/kinesis/kinesis-event-bus.ts";
import { S3ArchiveStore } from "../../layers/adapters/aws/s3/s3-archive-store.ts";
import { createS3Client } from "../../layers/adapters/aws/s3/s3-client.ts";
import { S3ModelStore } from "../../layers/adapters/aws/s3/s3-model-store.ts";
import type { FactorModel } from "../../layers/domain/model/factor-model.ts";
import { encodeModel } from "../../layers/domain/model/model-artifact.ts";
import type { StreamingDependencies } from "../../layers/domain/streaming/process-stream-batch.ts";
import type { ArchiveStore } from "../../layers/ports/archive-store.ts";
import type { DeadLetterQueue } from "../../layers/ports/dead-letter-queue.ts";
import type { CheckpointStore } from "../streaming/checkpoint-store.ts";
import {
  type KinesisEventSourcePoller,
  startKinesisEventSourcePoller,
} from "../streaming/kinesis-event-source-poller.ts";
import { createSqsDeadLetterDestination } from "../streaming/sqs-dead-letter-destination.ts";

/**
 * Creating and deleting tables is control-plane work that DynamoDB Local answers slowly on a busy machine;
 * the request path's one-second timeout (DEFAULT_AWS_CLIENT_CONFIG) would fail it for no reason.
 */
const PROVISIONING_CLIENT_CONFIG = {
  ...DEFAULT_AWS_CLIENT_CONFIG,
  requestTimeoutMs: 15_000,
  retryBudgetMs: 5_000,
};

export interface LocalStreamingResources {
  readonly prefix: string;
  readonly streamName: string;
  readonly bucket: string;
  readonly queueUrl: string;
  /** The variables a stream or events function reads: table names, stream, bucket, queue. */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * Creates what the ingest and data stacks would in AWS, on the local cloud (whose endpoints must already be
 * in process.env): every table from TABLE_DEFINITIONS, the event stream, the artifact bucket and the
 * dead-letter queue, all named with `prefix` so runs never collide.
 */
export async function provisionStreamingResources(
  prefix: string,
  shards = 2,
): Promise<LocalStreamingResources> {
  const dynamodb = createDynamoDbClient(PROVISIONING_CLIENT_CONFIG);
  const kinesis = createKinesisClient();
  const streamName = `${prefix}-events`;
  const bucket = `${prefix}-artifacts`.toLowerCase();
  const [tables, , , queue] = await Promise.all([
    provisionTables(dynamodb, TABLE_DEFINITIONS, `${prefix}-`),
    kinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shards })),
    createS3Client().send(new CreateBucketCommand({ Bucket: bucket })),
    new SQSClient({}).send(new CreateQueueCommand({ QueueName: `${prefix}-stream-dlq` })),
  ]);
  for (let status = ""; status !== "ACTIVE"; await delay(100)) {
    const summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
    status = summary.StreamDescriptionSummary?.StreamStatus ?? "";
  }
  const queueUrl = queue.QueueUrl ?? "";
  return {
    prefix,
    streamName,
    bucket,
    queueUrl,
    env: {
      ...tableNamesEnvironment(tables),
      FLYWHEEL_EVENT_STREAM_NAME: streamName,
      FLYWHEEL_ARTIFACT_BUCKET: bucket,
      FLYWHEEL_STREAM_DEAD_LETTER_QUEUE_URL: queueUrl,
      FLYWHEEL_REDIS_KEY_PREFIX: prefix,
    },
  };
}

/** Removes what provisionStreamingResources made (tables, stream, queue; the bucket is left to the emulator). */
export async function deleteStreamingResources(resources: LocalStreamingResources): Promise<void> {
  await Promise.allSettled([
    deleteTables(createDynamoDbClient(PROVISIONING_CLIENT_CONFIG), Object.values(tablesOf(resources))),
    createKinesisClient().send(
      new DeleteStreamCommand({ StreamName: resources.streamName, EnforceConsumerDeletion: true }),
    ),
    new SQSClient({}).send(new DeleteQueueCommand({ QueueUrl: resources.queueUrl })),
  ]);
}

function tablesOf(resources: LocalStreamingResources): Record<string, string> {
  const names: Record<string, string> = {};
  for (const [key, definition] of Object.entries(TABLE_DEFINITIONS)) {
    const name = resources.env[definition.tableNameEnvironmentVariable];
    if (name !== undefined) names[key] = name;
  }
  return names;
}

/** Stores a model in the bucket and makes it the active version, as the nightly pipeline's last steps do. */
export async function activateModel(resources: LocalStreamingResources, model: FactorModel): Promise<void> {
  const store = new S3ModelStore({ client: createS3Client(), bucket: resources.bucket });
  const location = await store.putFiles(model.version, encodeModel(model));
  const tableName = resources.env[TABLE_DEFINITIONS.modelRegistry.tableNameEnvironmentVariable] ?? "";
  const registry = new DynamoDbModelRegistry({ client: toDocumentClient(createDynamoDbClient()), tableName });
  await registry.register({
    version: model.version,
    factors: model.factors,
    users: model.userIds.length,
    items: model.itemIds.length,
    metrics: model.metrics,
    artifactLocation: location,
    createdAt: Date.now(),
  });
  await registry.activate(model.version, Date.now());
}

export interface LocalStreamingPathOptions {
  /** The event-source mapping's window; a second at most, as in the ingest stack. @default 100 */
  readonly maximumBatchingWindowMs?: number;
  /** @default 100 */
  readonly batchSize?: number;
  /** @default in memory: a restarted path starts again from the stream's horizon */
  readonly checkpointStore?: CheckpointStore;
  /** @default 50 */
  readonly pollIntervalMs?: number;
  readonly log?: (line: string) => void;
  /**
   * The stream handler's adapters, for a runtime that shares its own with the API (`npm start`).
   * @default built from the environment, as the stream Lambda builds them
   */
  readonly dependencies?: { readonly deps: StreamingDependencies; readonly deadLetters: DeadLetterQueue };
}

export interface LocalStreamingPath {
  readonly deps: StreamingDependencies;
  readonly deadLetters: DeadLetterQueue;
  readonly eventBus: KinesisEventBus;
  readonly poller: KinesisEventSourcePoller;
  /** The second consumer: the archive Lambda's mapping, writing Parquet to the artifact bucket. */
  readonly archivePoller: KinesisEventSourcePoller;
  readonly archive: ArchiveStore;
  /** Resolves once both consumers have handled everything published before the call. */
  whenIdle(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The streaming path on the local cloud: the events bus the API publishes with, and the stream Lambda's
 * handler driven by the local event-source mapping with the ingest stack's settings (bisect on error,
 * partial batch responses, bounded retries, the SQS dead-letter queue as on-failure destination).
 */
export async function startLocalStreamingPath(
  resources: LocalStreamingResources,
  options: LocalStreamingPathOptions = {},
): Promise<LocalStreamingPath> {
  const { deps, deadLetters } =
    options.dependencies ?? streamingDependenciesFromEnvironment({ ...process.env, ...resources.env });
  const kinesis = createKinesisClient();
  const poller = await startKinesisEventSourcePoller({
    client: kinesis,
    stream: { streamName: resources.streamName },
    handler: createKinesisStreamHandler(deps, deadLetters),
    functionName: `${resources.prefix}-stream`,
    startingPosition: "TRIM_HORIZON",
    batchSize: options.batchSize ?? 100,
    maximumBatchingWindowMs: options.maximumBatchingWindowMs ?? 100,
    pollIntervalMs: options.pollIntervalMs ?? 50,
    bisectBatchOnFunctionError: true,
    reportBatchItemFailures: true,
    maximumRetryAttempts: 5,
    ...(options.checkpointStore === undefined ? {} : { checkpointStore: options.checkpointStore }),
    onFailure: createSqsDeadLetterDestination({ client: new SQSClient({}), queueUrl: resources.queueUrl }),
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  const archive = new S3ArchiveStore({ client: createS3Client(), bucket: resources.bucket });
  const archivePoller = await startKinesisEventSourcePoller({
    client: kinesis,
    stream: { streamName: resources.streamName },
    handler: createArchiveHandler(archive, () => {}),
    functionName: `${resources.prefix}-archive`,
    startingPosition: "TRIM_HORIZON",
    // Few, large Parquet files: the archive is read by Spark, which handles small files badly. (The ingest
    // stack takes 10,000 records per batch; locally 2,000 keeps kinesis-mock's GetRecords answers small.)
    batchSize: 2_000,
    maximumBatchingWindowMs: 1_000,
    pollIntervalMs: options.pollIntervalMs ?? 50,
    bisectBatchOnFunctionError: true,
    reportBatchItemFailures: true,
    maximumRetryAttempts: 5,
    onFailure: createSqsDeadLetterDestination({ client: new SQSClient({}), queueUrl: resources.queueUrl }),
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  return {
    deps,
    deadLetters,
    eventBus: new KinesisEventBus({ client: kinesis, stream: { streamName: resources.streamName } }),
    poller,
    archivePoller,
    archive,
    whenIdle: async (timeoutMs = 120_000) => {
      await Promise.all([poller.whenIdle({ timeoutMs }), archivePoller.whenIdle({ timeoutMs })]);
    },
    stop: async () => {
      await Promise.all([poller.stop(), archivePoller.stop()]);
    },
  };
}
