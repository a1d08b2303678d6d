import { Agent as HttpAgent } from "node:http";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { S3Client } from "@aws-sdk/client-s3";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { Redis } from "ioredis";

/**
 * SDK and Redis clients for integration tests, built from the environment only: region, credentials and
 * endpoints come from the variables the local cloud exports (the SDK reads AWS_ENDPOINT_URL_<SERVICE> itself),
 * exactly as they reach the code under test. Nothing here knows whether it talks to an emulator or LocalStack.
 */

export interface TestClientOptions {
  /** @default 1_000 */
  readonly connectionTimeoutMs?: number;
  /** An attempt without a complete response within this time fails; a hung server is an error, not a hang. @default 5_000 */
  readonly requestTimeoutMs?: number;
  /** SDK attempts per call; 1 makes faults visible at once. @default 2 */
  readonly maxAttempts?: number;
  /** Another endpoint than the environment's: an emulator a fault test started for itself. */
  readonly endpoint?: string;
}

/** Each service's endpoint variable; a test client refuses to start without it, so no test reaches real AWS. */
const ENDPOINT_VARIABLES = {
  dynamodb: "AWS_ENDPOINT_URL_DYNAMODB",
  kinesis: "AWS_ENDPOINT_URL_KINESIS",
  s3: "AWS_ENDPOINT_URL_S3",
  sagemakerRuntime: "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME",
} as const;

export function createTestDynamoDbClient(options: TestClientOptions = {}): DynamoDBClient {
  requireEndpoint("dynamodb", options);
  return new DynamoDBClient(sdkSettings(options));
}

/**
 * Over HTTP/1.1, like every client here. The SDK's default for Kinesis is HTTP/2, over which kinesis-mock
 * fails calls now and then with ERR_HTTP2_ERROR.
 */
export function createTestKinesisClient(options: TestClientOptions = {}): KinesisClient {
  requireEndpoint("kinesis", options);
  return new KinesisClient(sdkSettings(options));
}

/**
 * Path-style only if FLYWHEEL_S3_FORCE_PATH_STYLE says so (as the S3 adapter reads it); the local cloud's
 * endpoints are IP addresses, which the SDK addresses path-style anyway.
 */
export function createTestS3Client(options: TestClientOptions = {}): S3Client {
  requireEndpoint("s3", options);
  return new S3Client({
    ...sdkSettings(options),
    forcePathStyle: process.env.FLYWHEEL_S3_FORCE_PATH_STYLE === "true",
  });
}

export function createTestSageMakerRuntimeClient(options: TestClientOptions = {}): SageMakerRuntimeClient {
  requireEndpoint("sagemakerRuntime", options);
  return new SageMakerRuntimeClient(sdkSettings(options));
}

export interface TestRedisOptions {
  /** A command without a reply within this time fails. @default 1_000 */
  readonly commandTimeoutMs?: number;
  /** @default 1_000 */
  readonly connectTimeoutMs?: number;
  /** Another URL than FLYWHEEL_REDIS_URL (a server of the test's own). */
  readonly url?: string;
}

/**
 * An ioredis client that fails fast: no offline queue (a command while disconnected fails at once instead of
 * waiting for a reconnect) and one resend at most. It connects on `await redis.connect()`, not before (a
 * command sent before it is connected would fail for want of the queue). Call `disconnect()` when done.
 */
export function createTestRedisClient(options: TestRedisOptions = {}): Redis {
  const url = options.url ?? process.env.FLYWHEEL_REDIS_URL;
  if (url === undefined || url === "")
    throw new Error("FLYWHEEL_REDIS_URL is not set; is the integration globalSetup configured?");
  const redis = new Redis(url, {
    commandTimeout: options.commandTimeoutMs ?? 1_000,
    connectTimeout: options.connectTimeoutMs ?? 1_000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    lazyConnect: true,
    retryStrategy: (attempt) => Math.min(attempt * 50, 500),
  });
  // Errors surface on the commands; without a listener ioredis also prints each reconnect failure.
  redis.on("error", () => {});
  return redis;
}

function sdkSettings(options: TestClientOptions) {
  const requestTimeout = options.requestTimeoutMs ?? 5_000;
  return {
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    maxAttempts: options.maxAttempts ?? 2,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: options.connectionTimeoutMs ?? 1_000,
      requestTimeout,
      // Without this a breached requestTimeout is only logged and a stalled server hangs the call.
      throwOnRequestTimeout: true,
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 16 }),
    }),
  };
}

function requireEndpoint(service: keyof typeof ENDPOINT_VARIABLES, options: TestClientOptions): void {
  if (options.endpoint !== undefined) return;
  const name = ENDPOINT_VARIABLES[service];
  if (!process.env[name]) {
    throw new Error(
      `${name} is not set; integration tests never talk to real AWS (is the globalSetup configured?)`,
    );
  }
}
