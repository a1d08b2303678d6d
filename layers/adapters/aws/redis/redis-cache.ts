import { InvalidInputError } from "../../../domain/errors/domain-errors.ts";
import type { Cache, CacheKey } from "../../../ports/cache.ts";
import { LuaScript } from "./lua-script.ts";
import type { RedisConnection } from "./redis-connection.ts";
import { toRedisError } from "./redis-errors.ts";
import { encodeKeyPart, hashTag, requireKeyPrefix } from "./redis-key-parts.ts";

export interface RedisCacheOptions {
  readonly connection: RedisConnection;
  /** @default "flywheel:rec" */
  readonly keyPrefix?: string;
}

/** A TTL longer than this is a bug upstream (a cached list is minutes old at most). */
const MAX_TTL_SECONDS = 30 * 24 * 3600;

/** Server time in epoch ms, inside a script (scripts replicate their effects, so TIME is allowed). */
const NOW_MS = `local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)`;

/**
 * KEYS[1] entries hash, KEYS[2] expiry index; ARGV[1] field, ARGV[2] value, ARGV[3] TTL in ms.
 * Drops the user's expired entries, writes the new one, and lets both keys live as long as the
 * longest-lived entry, so an idle user's keys go away by themselves.
 */
const SET_ENTRY = new LuaScript(`${NOW_MS}
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
for first = 1, #expired, 500 do
  redis.call('HDEL', KEYS[1], unpack(expired, first, math.min(first + 499, #expired)))
end
if #expired > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now) end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[1])
local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
local keysExpireAt = string.format('%.0f', tonumber(last[2]))
redis.call('PEXPIREAT', KEYS[1], keysExpireAt)
redis.call('PEXPIREAT', KEYS[2], keysExpireAt)
return 1`);

/** KEYS as SET_ENTRY; ARGV[1] field. The value, or nil when absent or expired. */
const GET_ENTRY = new LuaScript(`local value = redis.call('HGET', KEYS[1], ARGV[1])
if not value then return false end
local expiresAt = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not expiresAt then return false end
${NOW_MS}
if tonumber(expiresAt) <= now then return false end
return value`);

/**
 * The L1 cache on ElastiCache (Valkey or Redis). Each user has two keys that share a hash tag (one slot
 * in cluster mode): a hash of entries whose fields are `modelVersion|variant`, and a sorted set of each
 * field's expiry time. So:
 * - `deleteUser` is one DEL of two keys, whatever the user has cached, with no KEYS or SCAN;
 * - each entry keeps its own TTL (a hash field has none of its own before Redis 7.4 / Valkey 9), checked
 *   against the server clock on read, and expired entries are dropped on the user's next write;
 * - key parts are percent-encoded, so ids containing `:`, `|` or braces never collide.
 * Every call is one script round trip; any failure is a DependencyError within the command timeout.
 */
export class RedisCache implements Cache {
  private readonly connection: RedisConnection;
  private readonly keyPrefix: string;

  constructor(options: RedisCacheOptions) {
    this.connection = options.connection;
    this.keyPrefix = requireKeyPrefix(options.keyPrefix ?? "flywheel:rec");
  }

  async get(key: CacheKey): Promise<string | undefined> {
    const [keys, field] = this.locate(key);
    try {
      await this.connection.whenReady();
      const value = await GET_ENTRY.run(this.connection.client, keys, [field]);
      return typeof value === "string" ? value : undefined;
    } catch (error) {
      throw toRedisError(error, "cache get");
    }
  }

  async set(key: CacheKey, value: string, ttlSeconds: number): Promise<void> {
    if (typeof ttlSeconds !== "number" || !(ttlSeconds > 0) || ttlSeconds > MAX_TTL_SECONDS) {
      throw new InvalidInputError(
        `ttlSeconds must be a number > 0 and ≤ ${MAX_TTL_SECONDS}, got ${ttlSeconds}`,
        "ttlSeconds",
      );
    }
    if (typeof value !== "string") throw new InvalidInputError("value must be a string", "value");
    const [keys, field] = this.locate(key);
    try {
      await this.connection.whenReady();
      await SET_ENTRY.run(this.connection.client, keys, [field, value, Math.ceil(ttlSeconds * 1000)]);
    } catch (error) {
      throw toRedisError(error, "cache set");
    }
  }

  async deleteUser(userId: string): Promise<void> {
    const keys = this.userKeys(userId);
    try {
      await this.connection.whenReady();
      await this.connection.client.del(...keys);
    } catch (error) {
      throw toRedisError(error, "cache deleteUser");
    }
  }

  private locate(key: CacheKey): [keys: string[], field: string] {
    const field = `${encodeKeyPart(key.modelVersion, "modelVersion")}|${encodeKeyPart(key.variant, "variant")}`;
    return [this.userKeys(key.userId), field];
  }

  /** The entries hash and the expiry index of a user. */
  private userKeys(userId: string): string[] {
    const user = `${this.keyPrefix}:${hashTag(userId, "userId")}`;
    return [`${user}:entries`, `${user}:expiry`];
  }
}
