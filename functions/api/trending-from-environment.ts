import { sharedRedisConnection } from "../../layers/adapters/aws/redis/redis-connection.ts";
import { RedisTrendingCounters } from "../../layers/adapters/aws/redis/redis-trending-counters.ts";
import { TrendingSnapshots } from "../../layers/domain/serving/trending-snapshots.ts";
import type { Clock } from "../../layers/ports/clock.ts";
import { redisKeyPrefix } from "../commons/redis-key-prefix.ts";

/** Trending counters (Redis) behind a few seconds' snapshot: one ZUNIONSTORE shared by many requests. */
export function trendingFromEnvironment(clock: Clock, env: NodeJS.ProcessEnv): TrendingSnapshots {
  return new TrendingSnapshots({
    counters: new RedisTrendingCounters({
      connection: sharedRedisConnection(),
      clock,
      keyPrefix: redisKeyPrefix("trending", env),
    }),
    clock,
  });
}
