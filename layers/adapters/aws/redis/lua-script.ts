import { createHash } from "node:crypto";
import type { RedisClient } from "./redis-connection.ts";

/**
 * A server-side script, sent by its SHA-1 (EVALSHA) and in full only when the server does not know it yet
 * (after a restart or a failover, or on a cluster node that has not seen it). All keys it touches are
 * passed in KEYS and share one hash tag, so it runs on a cluster too.
 */
export class LuaScript {
  private readonly source: string;
  private readonly sha1: string;

  constructor(source: string) {
    this.source = source;
    this.sha1 = createHash("sha1").update(source).digest("hex");
  }

  async run(
    client: RedisClient,
    keys: readonly string[],
    args: ReadonlyArray<string | number>,
  ): Promise<unknown> {
    try {
      return await client.evalsha(this.sha1, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      return await client.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}
