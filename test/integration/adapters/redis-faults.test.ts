import { once } from "node:events";
import { connect, createServer, type Server, type Socket } from "node:net";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { RedisCache } from "../../../layers/adapters/aws/redis/redis-cache.ts";
import {
  parseRedisUrl,
  type RedisConfig,
  readRedisConfig,
} from "../../../layers/adapters/aws/redis/redis-config.ts";
import {
  createRedisConnection,
  type RedisConnection,
} from "../../../layers/adapters/aws/redis/redis-connection.ts";
import { RedisTrendingCounters } from "../../../layers/adapters/aws/redis/redis-trending-counters.ts";
import { DependencyError } from "../../../layers/domain/errors/domain-errors.ts";
import { uniqueId } from "../../contract/unique-id.ts";

// A dead or silent cache must fail fast with DependencyError, never hang, so the cascade falls through.
// The adapters reach the real server (FLYWHEEL_REDIS_URL) through a TCP proxy owned by the test: closing
// the proxy is the server going away mid-test, pausing it is a server that stops answering. The shared
// server itself is never stopped.

const COMMAND_TIMEOUT_MS = 200;
const CONNECT_TIMEOUT_MS = 500;
/** Far above every timeout involved: only a hang reaches it. */
const HANG_MS = 10_000;

/** A loopback TCP proxy whose path to the server can be cut or silenced. */
class FaultyProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private silent = false;
  private readonly upstream: { host: string; port: number };

  private constructor(upstream: { host: string; port: number }) {
    this.upstream = upstream;
    this.server = createServer((client) => this.accept(client));
  }

  static async start(upstream: { host: string; port: number }, port = 0): Promise<FaultyProxy> {
    const proxy = new FaultyProxy(upstream);
    proxy.server.listen(port, "127.0.0.1");
    await once(proxy.server, "listening");
    return proxy;
  }

  get port(): number {
    const address = this.server.address();
    if (address === null || typeof address === "string") throw new Error("the proxy is not listening");
    return address.port;
  }

  /** Bytes stop flowing both ways; connections stay open, as with a server stuck or a network black hole. */
  silence(): void {
    this.silent = true;
  }

  /** Refuses new connections and drops the open ones: the server is gone. */
  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private accept(client: Socket): void {
    const server = connect(this.upstream.port, this.upstream.host);
    for (const socket of [client, server]) {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
      socket.on("error", () => {});
    }
    const forward = (from: Socket, to: Socket): void => {
      from.on("data", (bytes) => {
        if (!this.silent) to.write(bytes);
      });
      from.on("close", () => to.destroy());
    };
    forward(client, server);
    forward(server, client);
  }
}

/** Fails the test if `promise` is still pending after HANG_MS, instead of letting it hang. */
async function settledWithoutHang<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${HANG_MS} ms: a hang`)), HANG_MS);
  });
  try {
    return await Promise.race([promise, hang]);
  } finally {
    clearTimeout(timer);
  }
}

function configThrough(port: number): RedisConfig {
  return {
    ...readRedisConfig(),
    url: `redis://127.0.0.1:${port}`,
    // A cluster would hand the client its nodes' own addresses, around the proxy; one node is enough here.
    cluster: false,
    commandTimeoutMs: COMMAND_TIMEOUT_MS,
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
  };
}

describe("Redis adapters when the cache fails", () => {
  let proxy: FaultyProxy | undefined;
  let connection: RedisConnection | undefined;
  const keyPrefix = uniqueId("flywheel-it-faults");

  beforeEach(async () => {
    const upstream = parseRedisUrl(readRedisConfig().url);
    proxy = await FaultyProxy.start({ host: upstream.host, port: upstream.port });
    connection = createRedisConnection(configThrough(proxy.port));
    await connection.whenReady();
  });

  afterEach(async () => {
    await connection?.close();
    await proxy?.stop();
    connection = undefined;
    proxy = undefined;
  });

  afterAll(async () => {
    const direct = createRedisConnection(readRedisConfig());
    try {
      await direct.whenReady();
      let cursor = "0";
      do {
        const [next, keys] = await direct.client.scan(cursor, "MATCH", `${keyPrefix}:*`, "COUNT", 1000);
        await Promise.all(keys.map((key) => direct.client.del(key)));
        cursor = next;
      } while (cursor !== "0");
    } finally {
      await direct.close();
    }
  });

  function adapters(): { cache: RedisCache; counters: RedisTrendingCounters; proxy: FaultyProxy } {
    if (connection === undefined || proxy === undefined) throw new Error("set up in beforeEach");
    return {
      cache: new RedisCache({ connection, keyPrefix: `${keyPrefix}:rec` }),
      counters: new RedisTrendingCounters({ connection, keyPrefix: `${keyPrefix}:trending` }),
      proxy,
    };
  }

  it("fails with DependencyError when the server goes away mid-test", async () => {
    const { cache, counters, proxy } = adapters();
    const key = { userId: uniqueId("user"), modelVersion: "m", variant: "v" };
    await cache.set(key, "value", 60);
    expect(await cache.get(key)).toBe("value");
    await proxy.stop();
    await expect(settledWithoutHang(cache.get(key))).rejects.toBeInstanceOf(DependencyError);
    await expect(settledWithoutHang(cache.set(key, "again", 60))).rejects.toBeInstanceOf(DependencyError);
    await expect(settledWithoutHang(cache.deleteUser(key.userId))).rejects.toBeInstanceOf(DependencyError);
    await expect(
      settledWithoutHang(
        counters.increment([
          { eventId: uniqueId("event"), itemId: "i", categories: ["c"], at: Date.now(), weight: 1 },
        ]),
      ),
    ).rejects.toBeInstanceOf(DependencyError);
    await expect(
      settledWithoutHang(counters.top({ windowMs: 3600_000, now: Date.now(), limit: 5 })),
    ).rejects.toBeInstanceOf(DependencyError);
  });

  it("fails with DependencyError within the command timeout when the server stops answering", async () => {
    const { cache, counters, proxy } = adapters();
    const key = { userId: uniqueId("user"), modelVersion: "m", variant: "v" };
    await cache.set(key, "value", 60);
    proxy.silence();
    const failure = await settledWithoutHang(
      cache.get(key).then(
        () => undefined,
        (error: unknown) => error,
      ),
    );
    expect(failure).toBeInstanceOf(DependencyError);
    expect((failure as DependencyError).message).toMatch(/timed out/i);
    await expect(
      settledWithoutHang(counters.top({ windowMs: 3600_000, now: Date.now(), limit: 5 })),
    ).rejects.toBeInstanceOf(DependencyError);
  });

  it("serves again once the server is back", async () => {
    const { cache, proxy } = adapters();
    const key = { userId: uniqueId("user"), modelVersion: "m", variant: "v" };
    await cache.set(key, "value", 60);
    const port = proxy.port;
    await proxy.stop();
    await expect(settledWithoutHang(cache.get(key))).rejects.toBeInstanceOf(DependencyError);
    const upstream = parseRedisUrl(readRedisConfig().url);
    const revived = await FaultyProxy.start({ host: upstream.host, port: upstream.port }, port);
    try {
      const deadline = Date.now() + HANG_MS;
      let value: string | undefined;
      while (value === undefined) {
        value = await cache.get(key).catch((error: unknown) => {
          if (!(error instanceof DependencyError) || Date.now() > deadline) throw error;
          return new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 50));
        });
      }
      expect(value).toBe("value");
    } finally {
      await revived.stop();
    }
  });
});

describe("Redis adapters when the cache is down from the start", () => {
  it("fail with DependencyError once the first connection attempt has timed out", async () => {
    // A port that was open a moment ago and is closed now: connections are refused.
    const closed = await FaultyProxy.start({ host: "127.0.0.1", port: 1 });
    const port = closed.port;
    await closed.stop();
    const connection = createRedisConnection(configThrough(port));
    try {
      const cache = new RedisCache({ connection });
      const counters = new RedisTrendingCounters({ connection });
      const key = { userId: uniqueId("user"), modelVersion: "m", variant: "v" };
      await expect(settledWithoutHang(cache.get(key))).rejects.toBeInstanceOf(DependencyError);
      await expect(
        settledWithoutHang(counters.top({ windowMs: 3600_000, now: Date.now(), limit: 5 })),
      ).rejects.toBeInstanceOf(DependencyError);
    } finally {
      await connection.close();
    }
  });
});
