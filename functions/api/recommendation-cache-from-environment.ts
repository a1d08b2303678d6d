import { RedisCache } from "../../layers/adapters/aws/redis/redis-cache.ts";
import { readRedisConfig } from "../../layers/adapters/aws/redis/redis-config.ts";
import { sharedRedisConnection } from "../../layers/adapters/aws/redis/redis-connection.ts";
import type { Cache, CacheKey } from "../../layers/ports/cache.ts";
import { redisKeyPrefix } from "../commons/redis-key-prefix.ts";

/**
 * The L1 recommendation cache (Redis/Valkey) from the environment: FLYWHEEL_REDIS_URL and the other
 * variables readRedisConfig reads, checked now, at start, and FLYWHEEL_REDIS_KEY_PREFIX. The connection
 * itself is opened on the first call and then shared by the process: a handler that needs the cache on
 * some requests only (a DELETE) does not connect on every cold start, and loading the module (the local
 * API front does it for every handler) opens no socket.
 */
export function recommendationCacheFromEnvironment(env: NodeJS.ProcessEnv = process.env): Cache {
  readRedisConfig(env);
  const keyPrefix = redisKeyPrefix("rec", env);
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
