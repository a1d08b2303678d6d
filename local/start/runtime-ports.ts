import { join } from "node:path";
import { SQSClient } from "@aws-sdk/client-sqs";
import { createDynamoDbDocumentClient, readAwsClientConfig } from "../../layers/adapters/aws/aws-clients.ts";
import { DynamoDbBatchRecStore } from "../../layers/adapters/aws/dynamodb/dynamodb-batch-rec-store.ts";
import { DynamoDbInteractionLog } from "../../layers/adapters/aws/dynamodb/dynamodb-interaction-log.ts";
import { DynamoDbItemCatalog } from "../../layers/adapters/aws/dynamodb/dynamodb-item-catalog.ts";
import { DynamoDbModelRegistry } from "../../layers/adapters/aws/dynamodb/dynamodb-model-registry.ts";
import { DynamoDbProfileStore } from "../../layers/adapters/aws/dynamodb/dynamodb-profile-store.ts";
import { DynamoDbRecommendationLog } from "../../layers/adapters/aws/dynamodb/dynamodb-recommendation-log.ts";
import { readDynamoDbTableNames } from "../../layers/adapters/aws/dynamodb/dynamodb-table-names.ts";
import { createKinesisClient } from "../../layers/adapters/aws/kinesis/kinesis-client.ts";
import { KinesisEventBus } from "../../layers/adapters/aws/kinesis/kinesis-event-bus.ts";
import { RedisCache } from "../../layers/adapters/aws/redis/redis-cache.ts";
import { readRedisConfig } from "../../layers/adapters/aws/redis/redis-config.ts";
import { createRedisConnection } from "../../layers/adapters/aws/redis/redis-connection.ts";
import { RedisTrendingCounters } from "../../layers/adapters/aws/redis/redis-trending-counters.ts";
import { S3ArchiveStore } from "../../layers/adapters/aws/s3/s3-archive-store.ts";
import { createS3Client } from "../../layers/adapters/aws/s3/s3-client.ts";
import { S3ModelStore } from "../../layers/adapters/aws/s3/s3-model-store.ts";
import { SqsDeadLetterQueue } from "../../layers/adapters/aws/sqs/sqs-dead-letter-queue.ts";
import { FileSystemArchiveStore } from "../../layers/adapters/embedded/file-system-archive-store.ts";
import { FileSystemModelStore } from "../../layers/adapters/embedded/file-system-model-store.ts";
import { InMemoryBatchRecStore } from "../../layers/adapters/embedded/in-memory-batch-rec-store.ts";
import { InMemoryCache } from "../../layers/adapters/embedded/in-memory-cache.ts";
import { InMemoryDeadLetterQueue } from "../../layers/adapters/embedded/in-memory-dead-letter-queue.ts";
import { InMemoryEventBus } from "../../layers/adapters/embedded/in-memory-event-bus.ts";
import { InMemoryInteractionLog } from "../../layers/adapters/embedded/in-memory-interaction-log.ts";
import { InMemoryItemCatalog } from "../../layers/adapters/embedded/in-memory-item-catalog.ts";
import { InMemoryModelRegistry } from "../../layers/adapters/embedded/in-memory-model-registry.ts";
import { InMemoryProfileStore } from "../../layers/adapters/embedded/in-memory-profile-store.ts";
import { InMemoryRecommendationLog } from "../../layers/adapters/embedded/in-memory-recommendation-log.ts";
import { InMemoryTrendingCounters } from "../../layers/adapters/embedded/in-memory-trending-counters.ts";
import type { ArchiveStore } from "../../layers/ports/archive-store.ts";
import type { BatchRecStore } from "../../layers/ports/batch-rec-store.ts";
import type { Cache } from "../../layers/ports/cache.ts";
import { type Clock, systemClock } from "../../layers/ports/clock.ts";
import type { DeadLetterQueue } from "../../layers/ports/dead-letter-queue.ts";
import type { EventBus } from "../../layers/ports/event-bus.ts";
import type { InteractionLog } from "../../layers/ports/interaction-log.ts";
import type { ItemCatalog } from "../../layers/ports/item-catalog.ts";
import type { ModelRegistry } from "../../layers/ports/model-registry.ts";
import type { ModelStore } from "../../layers/ports/model-store.ts";
import type { ProfileStore } from "../../layers/ports/profile-store.ts";
import type { RecommendationLog } from "../../layers/ports/recommendation-log.ts";
import type { TrendingCounters } from "../../layers/ports/trending-counters.ts";
import type { VectorIndex } from "../../layers/ports/vector-index.ts";
import type { LocalStreamingResources } from "../runtime/local-streaming-path.ts";

/**
 * One adapter per port, shared by everything the local runtime runs in its one process: the API handlers,
 * the stream consumer and the nightly pipeline. In AWS each Lambda builds its own from its environment
 * (functions/*-from-environment.ts); locally they are built once so that an embedded adapter, which lives
 * in this process's memory, is the same store for all of them.
 */
export interface RuntimePorts {
  readonly profiles: ProfileStore;
  readonly interactionLog: InteractionLog;
  readonly batchRecs: BatchRecStore;
  readonly catalog: ItemCatalog;
  readonly recommendationLog: RecommendationLog;
  readonly registry: ModelRegistry;
  readonly models: ModelStore;
  /** The raw-event archive, which is also the pipeline runs' workspace (one bucket, as in AWS). */
  readonly archive: ArchiveStore;
  readonly eventBus: EventBus;
  readonly cache: Cache;
  readonly trending: TrendingCounters;
  readonly vectorIndex: VectorIndex;
  readonly deadLetters: DeadLetterQueue;
  readonly clock: Clock;
  /** Closes what holds a connection open (the Redis client). */
  close(): Promise<void>;
}

/** The cache and trending counters: Redis when it runs, else in memory (same contract suites). */
export interface CachePorts {
  readonly cache: Cache;
  readonly trending: TrendingCounters;
  close(): Promise<void>;
}

/**
 * Redis at FLYWHEEL_REDIS_URL, namespaced by the resources' key prefix as the Lambdas do it. Its command
 * timeout is 2 s rather than the Lambdas' 250 ms: on a laptop the seeding's large trending batches share
 * the CPU with two JVMs (FLYWHEEL_REDIS_COMMAND_TIMEOUT_MS still overrides it).
 */
export function redisCachePorts(keyPrefix: string, env: NodeJS.ProcessEnv = process.env): CachePorts {
  const connection = createRedisConnection(
    readRedisConfig({
      FLYWHEEL_REDIS_COMMAND_TIMEOUT_MS: "2000",
      FLYWHEEL_REDIS_CONNECT_TIMEOUT_MS: "3000",
      ...env,
    }),
  );
  return {
    cache: new RedisCache({ connection, keyPrefix: `${keyPrefix}:rec` }),
    trending: new RedisTrendingCounters({
      connection,
      clock: systemClock,
      keyPrefix: `${keyPrefix}:trending`,
    }),
    close: () => connection.close(),
  };
}

export function embeddedCachePorts(): CachePorts {
  return {
    cache: new InMemoryCache({ clock: systemClock }),
    trending: new InMemoryTrendingCounters({ clock: systemClock }),
    close: async () => {},
  };
}

/**
 * The Lambdas' DynamoDB budget (1 s per attempt, 1 s of retries) is for DynamoDB's single-digit
 * milliseconds; DynamoDB Local on a busy laptop takes seconds over a large batch write at times. The
 * FLYWHEEL_AWS_* variables still override these.
 */
const EMULATOR_CLIENT_DEFAULTS = {
  FLYWHEEL_AWS_CONNECTION_TIMEOUT_MS: "3000",
  FLYWHEEL_AWS_REQUEST_TIMEOUT_MS: "10000",
  FLYWHEEL_AWS_RETRY_BUDGET_MS: "5000",
};

/**
 * The AWS adapters over the local cloud's emulators (their endpoints already in process.env), on the
 * tables, stream, bucket and queue that provisionStreamingResources made.
 */
export function emulatorPorts(
  resources: LocalStreamingResources,
  cachePorts: CachePorts,
  vectorIndex: VectorIndex,
): RuntimePorts {
  const tables = readDynamoDbTableNames(
    ["profiles", "interactions", "batchRecommendations", "catalog", "recommendationLog", "modelRegistry"],
    resources.env,
  );
  const client = createDynamoDbDocumentClient(
    readAwsClientConfig({ ...EMULATOR_CLIENT_DEFAULTS, ...process.env }),
  );
  const s3 = createS3Client();
  const clock = systemClock;
  return {
    profiles: new DynamoDbProfileStore({ client, tableName: tables.profiles }),
    interactionLog: new DynamoDbInteractionLog({ client, tableName: tables.interactions, clock }),
    batchRecs: new DynamoDbBatchRecStore({ client, tableName: tables.batchRecommendations, clock }),
    catalog: new DynamoDbItemCatalog({ client, tableName: tables.catalog }),
    recommendationLog: new DynamoDbRecommendationLog({ client, tableName: tables.recommendationLog, clock }),
    registry: new DynamoDbModelRegistry({ client, tableName: tables.modelRegistry }),
    models: new S3ModelStore({ client: s3, bucket: resources.bucket }),
    archive: new S3ArchiveStore({ client: s3, bucket: resources.bucket }),
    eventBus: new KinesisEventBus({
      client: createKinesisClient(),
      stream: { streamName: resources.streamName },
    }),
    cache: cachePorts.cache,
    trending: cachePorts.trending,
    vectorIndex,
    deadLetters: new SqsDeadLetterQueue({ client: new SQSClient({}), queueUrl: resources.queueUrl }),
    clock,
    close: () => cachePorts.close(),
  };
}

/** Every port in this process (the model and archive files under `directory`): no emulator at all. */
export function embeddedPorts(
  directory: string,
  vectorIndex: VectorIndex,
): RuntimePorts & {
  readonly eventBus: InMemoryEventBus;
} {
  const clock = systemClock;
  const cachePorts = embeddedCachePorts();
  return {
    profiles: new InMemoryProfileStore(),
    interactionLog: new InMemoryInteractionLog({ clock }),
    batchRecs: new InMemoryBatchRecStore({ clock }),
    catalog: new InMemoryItemCatalog(),
    recommendationLog: new InMemoryRecommendationLog(),
    registry: new InMemoryModelRegistry(),
    models: new FileSystemModelStore(join(directory, "models")),
    archive: new FileSystemArchiveStore(join(directory, "archive")),
    eventBus: new InMemoryEventBus(),
    cache: cachePorts.cache,
    trending: cachePorts.trending,
    vectorIndex,
    deadLetters: new InMemoryDeadLetterQueue(),
    clock,
    close: async () => {},
  };
}
