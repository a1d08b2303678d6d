import { afterEach, describe, expect, it, vi } from "vitest";
import { catalogDependenciesFromEnvironment } from "../../../functions/api/catalog-dependencies-from-environment.ts";
import { popularItemsDependenciesFromEnvironment } from "../../../functions/api/popular-items-dependencies-from-environment.ts";
import { recommendationCacheFromEnvironment } from "../../../functions/api/recommendation-cache-from-environment.ts";
import {
  RANKER_ENDPOINT_VARIABLE,
  servingDependenciesFromEnvironment,
} from "../../../functions/api/serving-dependencies-from-environment.ts";
import { similarItemsDependenciesFromEnvironment } from "../../../functions/api/similar-items-dependencies-from-environment.ts";
import { usersDependenciesFromEnvironment } from "../../../functions/api/users-dependencies-from-environment.ts";
import { REDIS_KEY_PREFIX_VARIABLE, redisKeyPrefix } from "../../../functions/commons/redis-key-prefix.ts";
import { DynamoDbItemCatalog } from "../../../layers/adapters/aws/dynamodb/dynamodb-item-catalog.ts";
import { OpenSearchVectorIndex } from "../../../layers/adapters/aws/opensearch/opensearch-vector-index.ts";
import type { RedisConnection } from "../../../layers/adapters/aws/redis/redis-connection.ts";
import { DependencyError } from "../../../layers/domain/errors/domain-errors.ts";

// The shared Redis connection is replaced by a recorder: these tests check when it is opened and which
// keys an erase deletes, without a cache.
const redis = vi.hoisted(() => ({ opened: 0, deleted: [] as string[][] }));
vi.mock("../../../layers/adapters/aws/redis/redis-connection.ts", () => ({
  sharedRedisConnection: (): Pick<RedisConnection, "whenReady" | "close"> & {
    client: { del: (...keys: string[]) => Promise<number> };
  } => {
    redis.opened++;
    return {
      client: {
        del: async (...keys: string[]) => {
          redis.deleted.push(keys);
          return keys.length;
        },
      },
      whenReady: async () => {},
      close: async () => {},
    };
  },
}));

const CATALOG_ENV = {
  FLYWHEEL_CATALOG_TABLE: "catalog-t",
  FLYWHEEL_OPENSEARCH_ENDPOINT: "http://127.0.0.1:9",
};
const USERS_ENV = {
  FLYWHEEL_PROFILES_TABLE: "profiles-t",
  FLYWHEEL_INTERACTIONS_TABLE: "interactions-t",
  FLYWHEEL_BATCH_RECOMMENDATIONS_TABLE: "batch-t",
  FLYWHEEL_REDIS_URL: "redis://127.0.0.1:9",
};

/** Every variable the recommendations cascade reads; nothing listens on port 1. */
const SERVING_ENV = {
  FLYWHEEL_PROFILES_TABLE: "profiles-t",
  FLYWHEEL_INTERACTIONS_TABLE: "interactions-t",
  FLYWHEEL_BATCH_RECOMMENDATIONS_TABLE: "batch-t",
  FLYWHEEL_CATALOG_TABLE: "catalog-t",
  FLYWHEEL_MODEL_REGISTRY_TABLE: "registry-t",
  FLYWHEEL_ARTIFACT_BUCKET: "artifacts",
  FLYWHEEL_EVENT_STREAM_NAME: "events",
  FLYWHEEL_REDIS_URL: "redis://127.0.0.1:1",
  FLYWHEEL_OPENSEARCH_ENDPOINT: "http://127.0.0.1:1",
};

afterEach(() => {
  redis.opened = 0;
  redis.deleted = [];
});

describe("catalogDependenciesFromEnvironment", () => {
  it("builds the DynamoDB catalog and the OpenSearch index from the environment", () => {
    const deps = catalogDependenciesFromEnvironment(CATALOG_ENV);
    expect(deps.catalog).toBeInstanceOf(DynamoDbItemCatalog);
    expect(deps.vectors).toBeInstanceOf(OpenSearchVectorIndex);
  });

  it.each([
    ["FLYWHEEL_CATALOG_TABLE", { FLYWHEEL_OPENSEARCH_ENDPOINT: "http://127.0.0.1:9" }],
    ["FLYWHEEL_OPENSEARCH_ENDPOINT", { FLYWHEEL_CATALOG_TABLE: "catalog-t" }],
  ])("fails at start, naming %s, when it is missing", (variable, env) => {
    expect(() => catalogDependenciesFromEnvironment(env)).toThrow(variable);
  });
});

describe("usersDependenciesFromEnvironment", () => {
  it("names every missing table at once", () => {
    expect(() => usersDependenciesFromEnvironment({ FLYWHEEL_REDIS_URL: "redis://127.0.0.1:9" })).toThrow(
      /FLYWHEEL_PROFILES_TABLE, FLYWHEEL_INTERACTIONS_TABLE, FLYWHEEL_BATCH_RECOMMENDATIONS_TABLE/,
    );
  });

  it("fails at start without a cache URL, or with one that is not a Redis URL", () => {
    const { FLYWHEEL_REDIS_URL: _url, ...withoutCache } = USERS_ENV;
    expect(() => usersDependenciesFromEnvironment(withoutCache)).toThrow(/FLYWHEEL_REDIS_URL/);
    expect(() => usersDependenciesFromEnvironment({ ...USERS_ENV, FLYWHEEL_REDIS_URL: "http://x" })).toThrow(
      /redis:\/\//,
    );
  });

  it("opens no cache connection at start", () => {
    usersDependenciesFromEnvironment(USERS_ENV);
    expect(redis.opened).toBe(0);
  });
});

describe("recommendationCacheFromEnvironment", () => {
  it("builds its key prefix with the function the stream handler uses, so an erase deletes the keys the stream writes", () => {
    expect(redisKeyPrefix("rec", {})).toBe("flywheel:rec");
    expect(redisKeyPrefix("trending", { [REDIS_KEY_PREFIX_VARIABLE]: "tenant-a" })).toBe("tenant-a:trending");
  });

  it("connects on the first call, once, and deletes the user's keys under the configured prefix", async () => {
    const cache = recommendationCacheFromEnvironment({
      ...USERS_ENV,
      [REDIS_KEY_PREFIX_VARIABLE]: "tenant-a",
    });
    expect(redis.opened).toBe(0);
    await cache.deleteUser("u-1");
    await cache.deleteUser("u-2");
    expect(redis.opened).toBe(1);
    expect(redis.deleted).toHaveLength(2);
    for (const keys of redis.deleted) {
      expect(keys).toHaveLength(2);
      for (const key of keys) expect(key).toMatch(/^tenant-a:rec:/);
    }
  });

  it("defaults the prefix to flywheel, as the stream handler does", async () => {
    await recommendationCacheFromEnvironment(USERS_ENV).deleteUser("u-1");
    expect(redis.deleted[0]?.[0]).toMatch(/^flywheel:rec:/);
  });
});

describe("servingDependenciesFromEnvironment (the recommendations cascade)", () => {
  it("checks the OpenSearch variables at start, though the client is loaded on the first k-NN query", async () => {
    const { FLYWHEEL_OPENSEARCH_ENDPOINT: _endpoint, ...withoutOpenSearch } = SERVING_ENV;
    expect(() => servingDependenciesFromEnvironment(withoutOpenSearch)).toThrow(
      /FLYWHEEL_OPENSEARCH_ENDPOINT/,
    );
    const deps = servingDependenciesFromEnvironment(SERVING_ENV);
    expect(deps.vectorIndex).not.toBeInstanceOf(OpenSearchVectorIndex);
    // The first query loads the client and reaches the (closed) port: the adapter's dependency error,
    // which the cascade falls through on.
    await expect(
      deps.vectorIndex.query("items", { vector: new Float32Array([1, 0]), k: 1 }),
    ).rejects.toBeInstanceOf(DependencyError);
  });

  it("has a ranker only when a re-rank endpoint is configured", () => {
    expect(servingDependenciesFromEnvironment(SERVING_ENV).ranker).toBeUndefined();
    const withRanker = { ...SERVING_ENV, [RANKER_ENDPOINT_VARIABLE]: "flywheel-ranker" };
    expect(servingDependenciesFromEnvironment(withRanker).ranker).toBeDefined();
  });

  it("fails at start, naming the variable, without the stream or the artifact bucket", () => {
    const { FLYWHEEL_EVENT_STREAM_NAME: _stream, ...withoutStream } = SERVING_ENV;
    expect(() => servingDependenciesFromEnvironment(withoutStream)).toThrow(/FLYWHEEL_EVENT_STREAM_NAME/);
    const { FLYWHEEL_ARTIFACT_BUCKET: _bucket, ...withoutBucket } = SERVING_ENV;
    expect(() => servingDependenciesFromEnvironment(withoutBucket)).toThrow(/FLYWHEEL_ARTIFACT_BUCKET/);
  });
});

describe("the similar- and popular-items handlers' narrower dependencies", () => {
  it("build similar items from the model, the catalog and trending, without profiles, k-NN or the stream", () => {
    const env = {
      FLYWHEEL_CATALOG_TABLE: "catalog-t",
      FLYWHEEL_MODEL_REGISTRY_TABLE: "registry-t",
      FLYWHEEL_ARTIFACT_BUCKET: "artifacts",
      FLYWHEEL_REDIS_URL: "redis://127.0.0.1:1",
    };
    const deps = similarItemsDependenciesFromEnvironment(env);
    expect(deps.catalog).toBeInstanceOf(DynamoDbItemCatalog);
    expect(Object.keys(deps).sort()).toEqual([
      "catalog",
      "clock",
      "config",
      "model",
      "onDegraded",
      "trending",
    ]);
    const { FLYWHEEL_MODEL_REGISTRY_TABLE: _registry, ...withoutRegistry } = env;
    expect(() => similarItemsDependenciesFromEnvironment(withoutRegistry)).toThrow(
      /FLYWHEEL_MODEL_REGISTRY_TABLE/,
    );
  });

  it("build popular items from trending and the catalog alone", () => {
    const deps = popularItemsDependenciesFromEnvironment({ FLYWHEEL_CATALOG_TABLE: "catalog-t" });
    expect(Object.keys(deps).sort()).toEqual(["catalog", "clock", "trending"]);
    expect(() => popularItemsDependenciesFromEnvironment({})).toThrow(/FLYWHEEL_CATALOG_TABLE/);
  });
});
