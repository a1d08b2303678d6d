import { InvalidInputError } from "../../../domain/errors/domain-errors.ts";
import { readNonNegativeInteger, readPositiveInteger } from "../read-integer-variable.ts";

/**
 * How Flywheel reaches OpenSearch. Read once at start (readOpenSearchConfig). The endpoint is always
 * configuration: a domain's HTTPS endpoint on AWS, the local node's http://127.0.0.1:P offline.
 */
export interface OpenSearchConfig {
  readonly endpoint: string;
  /**
   * `sigv4`: requests are signed with the AWS credentials of the process (a Lambda's role) for
   * `signingService`; `none`: plain requests (the local node has no security plugin). Chosen by
   * configuration, never by guessing where we run.
   */
  readonly auth: "none" | "sigv4";
  /** `es` for a managed domain, `aoss` for OpenSearch Serverless. @default "es" */
  readonly signingService: "es" | "aoss";
  /** Required for sigv4 (AWS_REGION). */
  readonly region: string | undefined;
  /**
   * Per read request (a k-NN query, an alias lookup), connection included. Short: a query on the serving
   * path either answers in tens of milliseconds or the cascade falls through. @default 1000
   */
  readonly requestTimeoutMs: number;
  /**
   * Per write or index-management request (a bulk request of a few MiB, index creation, an alias swap): these
   * are off the serving path and legitimately take seconds on a busy domain. @default 30000
   */
  readonly writeTimeoutMs: number;
  /**
   * Transport-level retries of a failed request (connection errors, 502/503/504). One at most: the caller
   * has a deadline, and bulk items are retried by the adapter itself. @default 1
   */
  readonly maxRetries: number;
}

/**
 * FLYWHEEL_OPENSEARCH_ENDPOINT (required), FLYWHEEL_OPENSEARCH_AUTH (none | sigv4), FLYWHEEL_OPENSEARCH_SERVICE
 * (es | aoss), AWS_REGION, FLYWHEEL_OPENSEARCH_REQUEST_TIMEOUT_MS, FLYWHEEL_OPENSEARCH_WRITE_TIMEOUT_MS,
 * FLYWHEEL_OPENSEARCH_MAX_RETRIES. A missing or malformed value fails here, at start, naming the variable.
 */
export function readOpenSearchConfig(env: NodeJS.ProcessEnv = process.env): OpenSearchConfig {
  const endpoint = env.FLYWHEEL_OPENSEARCH_ENDPOINT;
  if (endpoint === undefined || endpoint === "") {
    throw new InvalidInputError(
      "FLYWHEEL_OPENSEARCH_ENDPOINT must be set (https://<domain endpoint> on AWS, the local node offline)",
      "FLYWHEEL_OPENSEARCH_ENDPOINT",
    );
  }
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new InvalidInputError(
      `FLYWHEEL_OPENSEARCH_ENDPOINT is not a URL: ${JSON.stringify(endpoint)}`,
      "FLYWHEEL_OPENSEARCH_ENDPOINT",
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new InvalidInputError(
      `FLYWHEEL_OPENSEARCH_ENDPOINT must be http(s), got ${url.protocol}`,
      "FLYWHEEL_OPENSEARCH_ENDPOINT",
    );
  }
  const auth = oneOf(env, "FLYWHEEL_OPENSEARCH_AUTH", ["none", "sigv4"] as const, "none");
  const signingService = oneOf(env, "FLYWHEEL_OPENSEARCH_SERVICE", ["es", "aoss"] as const, "es");
  const region = env.AWS_REGION !== undefined && env.AWS_REGION !== "" ? env.AWS_REGION : undefined;
  if (auth === "sigv4" && region === undefined) {
    throw new InvalidInputError("FLYWHEEL_OPENSEARCH_AUTH=sigv4 needs AWS_REGION", "AWS_REGION");
  }
  return {
    endpoint: url.origin,
    auth,
    signingService,
    region,
    requestTimeoutMs: readPositiveInteger(env, "FLYWHEEL_OPENSEARCH_REQUEST_TIMEOUT_MS", 1000),
    writeTimeoutMs: readPositiveInteger(env, "FLYWHEEL_OPENSEARCH_WRITE_TIMEOUT_MS", 30_000),
    maxRetries: readNonNegativeInteger(env, "FLYWHEEL_OPENSEARCH_MAX_RETRIES", 1),
  };
}

function oneOf<const T extends string>(
  env: NodeJS.ProcessEnv,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const found = allowed.find((value) => value === raw);
  if (found === undefined) {
    throw new InvalidInputError(
      `${name} must be one of ${allowed.join(", ")}, got ${JSON.stringify(raw)}`,
      name,
    );
  }
  return found;
}
