import { DynamoDBClient, type DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { readPositiveInteger } from "./read-integer-variable.ts";

/**
 * How the AWS SDK clients wait and retry. Read once at start (readAwsClientConfig); every client a process
 * builds shares it. The endpoint is deliberately not here: the SDK reads `AWS_ENDPOINT_URL_<SERVICE>` /
 * `AWS_ENDPOINT_URL` itself, so the code never knows whether it talks to AWS or an emulator.
 */
export interface AwsClientConfig {
  /** Attempts per call, the first included. @default 3 */
  readonly maxAttempts: number;
  /** A TCP/TLS connection not established within this time fails the attempt. @default 1000 */
  readonly connectionTimeoutMs: number;
  /** An attempt without a response within this time fails (connecting included). @default 1000 */
  readonly requestTimeoutMs: number;
  /**
   * No retry starts later than this after the first attempt started. A call therefore gives up after about
   * retryBudgetMs + requestTimeoutMs (about 2 s by default), so a dead dependency surfaces as an error the
   * cascade can fall through on, never as a hang. @default 1000
   */
  readonly retryBudgetMs: number;
  /** Concurrent connections per client. @default 50 */
  readonly maxSockets: number;
}

export const DEFAULT_AWS_CLIENT_CONFIG: AwsClientConfig = Object.freeze({
  maxAttempts: 3,
  connectionTimeoutMs: 1000,
  requestTimeoutMs: 1000,
  retryBudgetMs: 1000,
  maxSockets: 50,
});

/**
 * Reads FLYWHEEL_AWS_MAX_ATTEMPTS, FLYWHEEL_AWS_CONNECTION_TIMEOUT_MS, FLYWHEEL_AWS_REQUEST_TIMEOUT_MS,
 * FLYWHEEL_AWS_RETRY_BUDGET_MS and FLYWHEEL_AWS_MAX_SOCKETS, each optional, each failing at start when malformed.
 */
export function readAwsClientConfig(env: NodeJS.ProcessEnv = process.env): AwsClientConfig {
  const defaults = DEFAULT_AWS_CLIENT_CONFIG;
  return {
    maxAttempts: readPositiveInteger(env, "FLYWHEEL_AWS_MAX_ATTEMPTS", defaults.maxAttempts),
    connectionTimeoutMs: readPositiveInteger(
      env,
      "FLYWHEEL_AWS_CONNECTION_TIMEOUT_MS",
      defaults.connectionTimeoutMs,
    ),
    requestTimeoutMs: readPositiveInteger(env, "FLYWHEEL_AWS_REQUEST_TIMEOUT_MS", defaults.requestTimeoutMs),
    retryBudgetMs: readPositiveInteger(env, "FLYWHEEL_AWS_RETRY_BUDGET_MS", defaults.retryBudgetMs),
    maxSockets: readPositiveInteger(env, "FLYWHEEL_AWS_MAX_SOCKETS", defaults.maxSockets),
  };
}

/**
 * The DynamoDB client settings every Flywheel client uses: HTTP/1.1 with keep-alive and timeouts that throw,
 * and the budgeted retry strategy. Exported for tests that must point one client at an emulator of their own
 * (the fault tests); everything else uses the factories below.
 */
export function dynamoDbClientSettings(
  config: AwsClientConfig = DEFAULT_AWS_CLIENT_CONFIG,
): DynamoDBClientConfig {
  return {
    maxAttempts: config.maxAttempts,
    retryStrategy: new BudgetedRetryStrategy(config.maxAttempts, config.retryBudgetMs),
    requestHandler: new NodeHttpHandler({
      connectionTimeout: config.connectionTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      // Without this a breached requestTimeout is only logged, and a stalled server hangs the call.
      throwOnRequestTimeout: true,
      socketTimeout: config.requestTimeoutMs,
      // Agent options, not Agent instances: the handler builds the agents with `require("node:http")`. An ES
      // import of node:http here would cost every cold start ~30 ms, because an ES module namespace of
      // node:http reads its lazy WebSocket getters, which load the WebSocket client (measured in
      // docs/lambda-packaging.md).
      httpAgent: { keepAlive: true, maxSockets: config.maxSockets },
      httpsAgent: { keepAlive: true, maxSockets: config.maxSockets },
    }),
  };
}

/** The low-level client, for control-plane calls (provisioning). Build it once, at module scope. */
export function createDynamoDbClient(config: AwsClientConfig = DEFAULT_AWS_CLIENT_CONFIG): DynamoDBClient {
  return new DynamoDBClient(dynamoDbClientSettings(config));
}

/** The document client the DynamoDB adapters take. Build it once, at module scope, and share it. */
export function createDynamoDbDocumentClient(
  config: AwsClientConfig = DEFAULT_AWS_CLIENT_CONFIG,
): DynamoDBDocumentClient {
  return toDocumentClient(createDynamoDbClient(config));
}

/**
 * Wraps a low-level client with the translation the adapters rely on. Numbers go to DynamoDB as JavaScript's
 * shortest round-trip decimal and come back through Number(), which restores every finite double exactly.
 * The SDK's default refuses numbers beyond ±2^53 on write and turns them into BigInt (or fails) on read.
 */
export function toDocumentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { allowImpreciseNumbers: true, convertClassInstanceToMap: false },
    unmarshallOptions: { wrapNumbers: (value: string) => Number(value) },
  });
}

type RetryStrategyV2 = Extract<
  NonNullable<DynamoDBClientConfig["retryStrategy"]>,
  { acquireInitialRetryToken: unknown }
>;
type RetryToken = Awaited<ReturnType<RetryStrategyV2["acquireInitialRetryToken"]>>;
type RetryErrorInfo = Parameters<RetryStrategyV2["refreshRetryTokenForRetry"]>[1];

const TRANSIENT_BASE_DELAY_MS = 25;
const THROTTLING_BASE_DELAY_MS = 100;
const MAX_DELAY_MS = 1000;

class BudgetedRetryToken implements RetryToken {
  readonly startedAt: number;
  private readonly retryCount: number;
  private readonly delayMs: number;

  constructor(startedAt: number, retryCount: number, delayMs: number) {
    this.startedAt = startedAt;
    this.retryCount = retryCount;
    this.delayMs = delayMs;
  }

  getRetryCount(): number {
    return this.retryCount;
  }

  getRetryDelay(): number {
    return this.delayMs;
  }
}

/**
 * Retries throttling and transient failures (timeouts, refused or reset connections, 5xx) with exponential
 * backoff and full jitter, like the SDK's standard strategy, but never starts an attempt past a time budget.
 * The standard strategy waits up to seconds between throttled attempts, which would keep a request on the
 * serving path waiting long after the cascade should have fallen through. When the budget or the attempts
 * run out, the SDK rethrows the last error as it was (throttling stays throttling).
 */
class BudgetedRetryStrategy implements RetryStrategyV2 {
  private readonly maxAttempts: number;
  private readonly budgetMs: number;

  constructor(maxAttempts: number, budgetMs: number) {
    this.maxAttempts = maxAttempts;
    this.budgetMs = budgetMs;
  }

  async acquireInitialRetryToken(): Promise<RetryToken> {
    return new BudgetedRetryToken(Date.now(), 0, 0);
  }

  async refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
    const retryable = errorInfo.errorType === "THROTTLING" || errorInfo.errorType === "TRANSIENT";
    const retryCount = token.getRetryCount() + 1;
    if (!retryable || retryCount >= this.maxAttempts)
      throw new Error("no retry: not retryable or out of attempts");
    const startedAt = token instanceof BudgetedRetryToken ? token.startedAt : Date.now();
    const base = errorInfo.errorType === "THROTTLING" ? THROTTLING_BASE_DELAY_MS : TRANSIENT_BASE_DELAY_MS;
    let delayMs = Math.random() * Math.min(MAX_DELAY_MS, base * 2 ** (retryCount - 1));
    const hinted = errorInfo.retryAfterHint?.getTime();
    if (hinted !== undefined) delayMs = Math.max(delayMs, hinted - Date.now());
    if (Date.now() + delayMs - startedAt > this.budgetMs) throw new Error("no retry: out of time budget");
    return new BudgetedRetryToken(startedAt, retryCount, Math.round(delayMs));
  }

  recordSuccess(): void {}
}
