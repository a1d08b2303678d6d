import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestRedisClient } from "../../support/aws-clients.ts";

// The cache's needs: values with a TTL, and several commands in one round trip (a pipeline).
describe("Redis (local cloud)", () => {
  const redis = createTestRedisClient();
  const prefix = `local-cloud:${randomUUID()}:`;

  beforeAll(async () => {
    await redis.connect();
  });

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it("gets what was set", async () => {
    await redis.set(`${prefix}greeting`, "hello");
    expect(await redis.get(`${prefix}greeting`)).toBe("hello");
    expect(await redis.get(`${prefix}absent`)).toBeNull();
  });

  it("keeps a TTL on a key, and none on a key set without one", async () => {
    await redis.set(`${prefix}expiring`, "soon", "EX", 60);
    const ttl = await redis.ttl(`${prefix}expiring`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
    await redis.set(`${prefix}lasting`, "forever");
    expect(await redis.ttl(`${prefix}lasting`)).toBe(-1);
  });

  it("runs a pipeline and returns each command's reply in order", async () => {
    const replies = await redis
      .pipeline()
      .set(`${prefix}p1`, "1")
      .incrby(`${prefix}p1`, 41)
      .pexpire(`${prefix}p1`, 30_000)
      .get(`${prefix}p1`)
      .exec();
    expect(replies?.map(([error]) => error)).toEqual([null, null, null, null]);
    expect(replies?.map(([, reply]) => reply)).toEqual(["OK", 42, 1, "42"]);
  });
});
