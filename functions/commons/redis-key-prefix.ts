/** Namespaces every Redis key (two deployments or test runs may share one cache). */
export const REDIS_KEY_PREFIX_VARIABLE = "FLYWHEEL_REDIS_KEY_PREFIX";
const DEFAULT_REDIS_KEY_PREFIX = "flywheel";

/**
 * The Redis key prefix for one kind of key (`rec` for cached lists, `trending` for counters). Every function
 * reads it here, so the API reads and erases the very keys the stream writes.
 */
export function redisKeyPrefix(kind: "rec" | "trending", env: NodeJS.ProcessEnv = process.env): string {
  return `${env[REDIS_KEY_PREFIX_VARIABLE] || DEFAULT_REDIS_KEY_PREFIX}:${kind}`;
}
