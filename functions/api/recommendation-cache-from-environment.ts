import { RedisCache } from "../../layers/adapters/aws/redis/redis-cache.ts";
import { readRedisConfig } from "../../layers/adapters/aws/redis/redis-config.ts";
import { sharedRedisConnection } from "../../layers/adapters/aws/redis/redis-connection.ts";
import type { Cache, CacheKey } from "../../layers/ports/cache.ts";

/**
 * Namespaces every Redis key. The same variable and default as the stream handler's
 * (functions/stream/streaming-dependencies.ts), so the API reads and erases the very keys the stream
 * writes; a unit test holds the two together.
 */
export const REDIS_KEY_PREFIX_VARIABLE = "FLYWHEEL_REDIS_KEY_PREFIX";
const DEFAULT_REDIS_KEY_PREFIX = "flywheel";

/**
 * The L1 recommendation cache (Redis/Valkey) from the environment: FLYWHEEL_REDIS_URL and the other
 * variables readRedisConfig reads, checked now, at start, and FLYWHEEL_REDIS_KEY_PREFIX. The connection
 * itself is opened on the first call and then shared by the process: a handler that needs the cache on
 * some requests only (a DELETE) does not connect on every cold start, and loading the module (the local
 * API front does it for every handler) opens no socket.
 */
export function recommendationCacheFromEnvironment(env: NodeJS.ProcessEnv = process.env): Cache {
  readRedisConfig(env);
  const keyPrefix = `${env[REDIS_KEY_PREFIX_VARIABLE] || DEFAULT_REDIS_KEY_PREFIX}:rec`;
  let cache: RedisCache | undefined;
  const connected = (): RedisCache => {
    cache ??= new RedisCache({ connection: sharedRedisConnection(), keyPrefix });
    return cache;
  };
  return {
    get: (key: CacheKey) => connected().get(key),
    set: (key: CacheKey, value: string, ttlSeconds: number) => connected().set(key, value, ttlSeconds),
    deleteUser: (userId: string) => connected().deleteUser(userId),
  };
}
