import { Cluster, Redis, type RedisOptions } from "ioredis";
import { DependencyError } from "../../../domain/errors/domain-errors.ts";
import { parseRedisUrl, type RedisConfig, readRedisConfig } from "./redis-config.ts";
import { REDIS_DEPENDENCY } from "./redis-errors.ts";

/** A standalone node (or replication group) or a cluster; the adapters use only what both offer. */
export type RedisClient = Redis | Cluster;

/** One client per process, with the readiness gate the adapters call before every command. */
export interface RedisConnection {
  readonly client: RedisClient;
  /**
   * Resolves when commands can be sent. While the first connection is being made (a cold start) it waits
   * up to `connectTimeoutMs`; after that, a cache that is not connected fails at once with DependencyError,
   * so a dead cache costs the caller nothing and the cascade falls through.
   */
  whenReady(): Promise<void>;
  /** Closes the connection; pending commands fail. */
  close(): Promise<void>;
}

/**
 * Builds the client once from configuration. Commands fail fast instead of queueing while the cache is
 * away (`enableOfflineQueue: false`), a command in flight on a dropped connection is resent at most
 * `maxRetriesPerRequest` times, and every command has a short timeout.
 */
export function createRedisConnection(config: RedisConfig): RedisConnection {
  const endpoint = parseRedisUrl(config.url);
  const nodeOptions: RedisOptions = {
    username: endpoint.username,
    password: endpoint.password,
    db: endpoint.db,
    // ElastiCache in-transit encryption; the server name lets TLS check the certificate.
    tls: endpoint.tls ? { servername: endpoint.host } : undefined,
    commandTimeout: config.commandTimeoutMs,
    connectTimeout: config.connectTimeoutMs,
    maxRetriesPerRequest: config.maxRetriesPerRequest,
    enableOfflineQueue: false,
    // Reconnect quickly: a cache that comes back should be used again soon.
    retryStrategy: (attempt: number) => Math.min(100 * attempt, 2000),
    connectionName: "flywheel",
  };
  const client: RedisClient = config.cluster
    ? new Cluster([{ host: endpoint.host, port: endpoint.port }], {
        redisOptions: nodeOptions,
        enableOfflineQueue: false,
        clusterRetryStrategy: (attempt: number) => Math.min(100 * attempt, 2000),
        slotsRefreshTimeout: config.connectTimeoutMs,
        // ElastiCache announces node addresses its TLS certificate covers; resolving them to IPs would
        // break the certificate check.
        dnsLookup: (address, callback) => callback(null, address),
      })
    : new Redis({ ...nodeOptions, host: endpoint.host, port: endpoint.port });
  return new GatedRedisConnection(client, config.connectTimeoutMs);
}

let shared: RedisConnection | undefined;

/** The process-wide connection, built from the environment on first use and reused afterwards. */
export function sharedRedisConnection(): RedisConnection {
  shared ??= createRedisConnection(readRedisConfig());
  return shared;
}

class GatedRedisConnection implements RedisConnection {
  readonly client: RedisClient;
  private lastError: Error | undefined;
  private firstConnectionOver = false;
  private readonly firstConnection: Promise<void>;

  constructor(client: RedisClient, connectTimeoutMs: number) {
    this.client = client;
    // Without a listener, ioredis reports every connection error on the console; the last one is kept for
    // the DependencyError message instead.
    client.on("error", (error: Error) => {
      this.lastError = error;
    });
    this.firstConnection = waitForReady(client, connectTimeoutMs).finally(() => {
      this.firstConnectionOver = true;
    });
    // Observed here so that a cache down at start is not an unhandled rejection.
    this.firstConnection.catch(() => {});
  }

  async whenReady(): Promise<void> {
    if (this.isReady()) return;
    if (!this.firstConnectionOver) {
      try {
        await this.firstConnection;
        return;
      } catch {
        // Reported below with the status and the last connection error.
      }
    }
    if (this.isReady()) return;
    const reason = this.lastError === undefined ? "" : `: ${this.lastError.message}`;
    throw new DependencyError(REDIS_DEPENDENCY, `not connected (${this.client.status})${reason}`);
  }

  private isReady(): boolean {
    return this.client.status === "ready";
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}

function waitForReady(client: RedisClient, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (client.status === "ready") {
      resolve();
      return;
    }
    const onReady = (): void => {
      clearTimeout(timer);
      client.off("end", onEnd);
      resolve();
    };
    const onEnd = (): void => {
      clearTimeout(timer);
      client.off("ready", onReady);
      reject(new Error("connection closed"));
    };
    const timer = setTimeout(() => {
      client.off("ready", onReady);
      client.off("end", onEnd);
      reject(new Error(`not ready within ${timeoutMs} ms`));
    }, timeoutMs);
    // A process that has nothing else to do need not stay up for this timer.
    timer.unref();
    client.once("ready", onReady);
    client.once("end", onEnd);
  });
}
