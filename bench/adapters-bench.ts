import { randomUUID } from "node:crypto";
import { createDynamoDbClient, toDocumentClient } from "../layers/adapters/aws/aws-clients.ts";
import { DynamoDbInteractionLog } from "../layers/adapters/aws/dynamodb/dynamodb-interaction-log.ts";
import { DynamoDbProfileStore } from "../layers/adapters/aws/dynamodb/dynamodb-profile-store.ts";
import { deleteTables, provisionTables } from "../layers/adapters/aws/dynamodb/provision-tables.ts";
import { TABLE_DEFINITIONS } from "../layers/adapters/aws/dynamodb/table-definitions.ts";
import { RedisCache } from "../layers/adapters/aws/redis/redis-cache.ts";
import { readRedisConfig } from "../layers/adapters/aws/redis/redis-config.ts";
import { createRedisConnection } from "../layers/adapters/aws/redis/redis-connection.ts";
import { InMemoryCache } from "../layers/adapters/embedded/in-memory-cache.ts";
import { InMemoryInteractionLog } from "../layers/adapters/embedded/in-memory-interaction-log.ts";
import { InMemoryProfileStore } from "../layers/adapters/embedded/in-memory-profile-store.ts";
import { InMemoryVectorIndex } from "../layers/adapters/embedded/in-memory-vector-index.ts";
import { SeededRandom } from "../layers/domain/random/seeded-random.ts";
import type { Cache } from "../layers/ports/cache.ts";
import type { InteractionLog, InteractionRecord } from "../layers/ports/interaction-log.ts";
import type { ProfileStore } from "../layers/ports/profile-store.ts";
import type { VectorIndex } from "../layers/ports/vector-index.ts";
import { startLocalCloud } from "../local/cloud/local-cloud.ts";
import { type BenchFigure, round } from "./bench-figure.ts";
import { runHarnessBench } from "./harness-bench.ts";

const USERS = 500;
const INTERACTIONS_PER_USER = 50;
const FACTORS = 64;
const OPERATIONS = 1000;
const KNN_ITEMS = 100_000;
const KNN_QUERIES = 200;
const KNN_K = 50;

/**
 * p50/p99 of the hot-path operations of the online and streaming paths, per adapter: profile get, cache get,
 * recent interactions by user (embedded, and AWS adapters on the local emulators), and k-NN at
 * 100K items × 64 dims (embedded; OpenSearch in `npm run bench -- opensearch`), plus the harness start time.
 * Operations run one after another, as one Lambda invocation issues them.
 */
export async function runAdaptersBench(emit: (figure: BenchFigure) => void): Promise<void> {
  for (const figure of await runHarnessBench({ warmRuns: 3 })) emit(figure);

  const random = new SeededRandom(11);
  const userIds = Array.from({ length: USERS }, (_, u) => `bench-user-${u}`);
  const pickUser = (): string => userIds[random.nextInt(USERS)] as string;

  await measureAdapters(
    "embedded",
    {
      profiles: new InMemoryProfileStore(),
      interactions: new InMemoryInteractionLog(),
      cache: new InMemoryCache(),
    },
    userIds,
    pickUser,
    emit,
  );

  const cloud = await startLocalCloud({ services: ["dynamodb", "redis"], log: () => {} });
  const previousEnv = { ...process.env };
  Object.assign(process.env, cloud.env);
  const dynamodb = createDynamoDbClient();
  const prefix = `bench-${randomUUID().slice(0, 8)}-`;
  const redis = createRedisConnection(readRedisConfig());
  try {
    const tables = await provisionTables(
      dynamodb,
      { profiles: TABLE_DEFINITIONS.profiles, interactions: TABLE_DEFINITIONS.interactions },
      prefix,
    );
    const documents = toDocumentClient(dynamodb);
    await measureAdapters(
      "aws-on-emulators",
      {
        profiles: new DynamoDbProfileStore({ client: documents, tableName: tables.profiles }),
        interactions: new DynamoDbInteractionLog({ client: documents, tableName: tables.interactions }),
        cache: new RedisCache({ connection: redis, keyPrefix: `${prefix}rec` }),
      },
      userIds,
      pickUser,
      emit,
    );
    await deleteTables(dynamodb, Object.values(tables));
  } finally {
    await redis.close();
    dynamodb.destroy();
    await cloud.stop();
    for (const key of Object.keys(cloud.env)) {
      if (previousEnv[key] === undefined) delete process.env[key];
      else process.env[key] = previousEnv[key];
    }
  }

  await measureKnn("embedded", new InMemoryVectorIndex(), random, emit);
}

interface HotPathAdapters {
  readonly profiles: ProfileStore;
  readonly interactions: InteractionLog;
  readonly cache: Cache;
}

async function measureAdapters(
  adapter: string,
  ports: HotPathAdapters,
  userIds: readonly string[],
  pickUser: () => string,
  emit: (figure: BenchFigure) => void,
): Promise<void> {
  const random = new SeededRandom(5);
  const now = Date.now();
  for (const userId of userIds) {
    await ports.profiles.put({
      userId,
      vector: Float32Array.from({ length: FACTORS }, () => random.nextGaussian()),
      modelVersion: "bench",
      interactionCount: INTERACTIONS_PER_USER,
      lastInteractionAt: now,
      attributes: {},
      updatedAt: now,
    });
    const records: InteractionRecord[] = Array.from({ length: INTERACTIONS_PER_USER }, (_, i) => ({
      eventId: `${userId}-${i}-${randomUUID()}`,
      userId,
      itemId: `item-${random.nextInt(10_000)}`,
      type: "click",
      weight: 2,
      occurredAt: now - i * 60_000,
    }));
    await ports.interactions.append(records);
    await ports.cache.set(
      { userId, modelVersion: "bench", variant: "limit=20" },
      JSON.stringify({ items: [] }),
      3600,
    );
  }
  const context = { adapter, users: userIds.length, operations: OPERATIONS };
  emitAll(
    emit,
    latencyFigures("profile_get", await time(() => ports.profiles.get(pickUser())), {
      ...context,
      factors: FACTORS,
    }),
  );
  emitAll(
    emit,
    latencyFigures(
      "cache_get",
      await time(() => ports.cache.get({ userId: pickUser(), modelVersion: "bench", variant: "limit=20" })),
      context,
    ),
  );
  emitAll(
    emit,
    latencyFigures(
      "recent_interactions_by_user",
      await time(() => ports.interactions.recentByUser(pickUser())),
      {
        ...context,
        interactionsPerUser: INTERACTIONS_PER_USER,
      },
    ),
  );
}

async function measureKnn(
  adapter: string,
  index: VectorIndex,
  random: SeededRandom,
  emit: (figure: BenchFigure) => void,
): Promise<void> {
  const name = "items-bench";
  await index.createIndex(name, FACTORS);
  const batch = 5000;
  for (let start = 0; start < KNN_ITEMS; start += batch) {
    await index.upsert(
      name,
      Array.from({ length: batch }, (_, i) => ({
        itemId: `item-${start + i}`,
        vector: Float32Array.from({ length: FACTORS }, () => random.nextGaussian()),
        categories: [`c${(start + i) % 20}`],
        available: true,
      })),
    );
  }
  const queries = Array.from({ length: KNN_QUERIES }, () =>
    Float32Array.from({ length: FACTORS }, () => random.nextGaussian()),
  );
  let q = 0;
  const samples = await time(
    () => index.query(name, { vector: queries[q++ % KNN_QUERIES] as Float32Array, k: KNN_K }),
    KNN_QUERIES,
  );
  emitAll(
    emit,
    latencyFigures("knn_query", samples, {
      adapter,
      items: KNN_ITEMS,
      dimensions: FACTORS,
      k: KNN_K,
      queries: KNN_QUERIES,
    }),
  );
  await index.deleteIndex(name);
}

async function time(operation: () => Promise<unknown>, count = OPERATIONS): Promise<number[]> {
  for (let i = 0; i < Math.min(50, count); i++) await operation(); // warm-up: JIT, connections
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await operation();
    samples.push(performance.now() - started);
  }
  return samples;
}

function latencyFigures(metric: string, samples: number[], context: Record<string, unknown>): BenchFigure[] {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number): number =>
    sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
  return [
    { bench: "adapters", metric: `${metric}_p50`, value: round(at(0.5), 3), unit: "ms", ...context },
    { bench: "adapters", metric: `${metric}_p99`, value: round(at(0.99), 3), unit: "ms", ...context },
  ];
}

function emitAll(emit: (figure: BenchFigure) => void, figures: readonly BenchFigure[]): void {
  for (const figure of figures) emit(figure);
}
