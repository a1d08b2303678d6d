import { InvalidInputError } from "../../../domain/errors/domain-errors.ts";
import { readPositiveInteger } from "../read-integer-variable.ts";

/** How to reach the cache and how long to wait for it. Read once at start (readRedisConfig). */
export interface RedisConfig {
  /** `redis://` or `rediss://` (TLS) URL, with user and password when the cache needs them. */
  readonly url: string;
  /** ElastiCache with cluster mode enabled (and ElastiCache Serverless) speaks the cluster protocol. */
  readonly cluster: boolean;
  /** A command without a reply within this time fails. @default 250 */
  readonly commandTimeoutMs: number;
  /** The first connection (a Lambda cold start) may take this long before calls fail. @default 1000 */
  readonly connectTimeoutMs: number;
  /** Resends of a command whose connection dropped before its reply. @default 1 */
  readonly maxRetriesPerRequest: number;
}

export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 250;
export const DEFAULT_REDIS_CONNECT_TIMEOUT_MS = 1000;
export const DEFAULT_REDIS_MAX_RETRIES_PER_REQUEST = 1;

/**
 * Reads `FLYWHEEL_REDIS_URL` (required), `FLYWHEEL_REDIS_CLUSTER` (`true`/`false`),
 * `FLYWHEEL_REDIS_COMMAND_TIMEOUT_MS` and `FLYWHEEL_REDIS_CONNECT_TIMEOUT_MS`. A missing or malformed
 * variable fails here, at start, rather than on the first request.
 */
export function readRedisConfig(env: NodeJS.ProcessEnv = process.env): RedisConfig {
  const url = env.FLYWHEEL_REDIS_URL;
  if (url === undefined || url === "") {
    throw new InvalidInputError("FLYWHEEL_REDIS_URL must be set", "FLYWHEEL_REDIS_URL");
  }
  parseRedisUrl(url);
  return {
    url,
    cluster: readBoolean(env, "FLYWHEEL_REDIS_CLUSTER", false),
    commandTimeoutMs: readPositiveInteger(
      env,
      "FLYWHEEL_REDIS_COMMAND_TIMEOUT_MS",
      DEFAULT_REDIS_COMMAND_TIMEOUT_MS,
    ),
    connectTimeoutMs: readPositiveInteger(
      env,
      "FLYWHEEL_REDIS_CONNECT_TIMEOUT_MS",
      DEFAULT_REDIS_CONNECT_TIMEOUT_MS,
    ),
    maxRetriesPerRequest: DEFAULT_REDIS_MAX_RETRIES_PER_REQUEST,
  };
}

/** The parts of a Redis URL that ioredis takes as options (its own parser leaves TLS to the caller). */
export interface RedisEndpoint {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly db: number;
}

export function parseRedisUrl(url: string): RedisEndpoint {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The URL may carry a password: it stays out of the message.
    throw new InvalidInputError("FLYWHEEL_REDIS_URL is not a URL", "FLYWHEEL_REDIS_URL");
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw new InvalidInputError(
      `FLYWHEEL_REDIS_URL must start with redis:// or rediss://, got ${parsed.protocol}//`,
      "FLYWHEEL_REDIS_URL",
    );
  }
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) {
    throw new InvalidInputError(
      "FLYWHEEL_REDIS_URL has a database that is not a number",
      "FLYWHEEL_REDIS_URL",
    );
  }
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ""),
    port: parsed.port === "" ? 6379 : Number(parsed.port),
    tls: parsed.protocol === "rediss:",
    username: parsed.username === "" ? undefined : decodeURIComponent(parsed.username),
    password: parsed.password === "" ? undefined : decodeURIComponent(parsed.password),
    db,
  };
}

function readBoolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (raw === "true") return true;
  if (raw === "false") return false;
  throw new InvalidInputError(`${name} must be true or false, got ${JSON.stringify(raw)}`, name);
}
