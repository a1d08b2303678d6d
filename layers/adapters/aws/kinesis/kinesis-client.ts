import { KinesisClient } from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";

export interface KinesisClientConfig {
  /** @default 1000 */
  readonly connectionTimeoutMs: number;
  /** One PutRecords or GetRecords request and its response. @default 5000 */
  readonly requestTimeoutMs: number;
  /**
   * SDK attempts per request. 1 by default: the event bus retries per record and per call itself, with
   * its own budget, and SDK retries underneath would multiply it.
   * @default 1
   */
  readonly maxAttempts: number;
}

export const DEFAULT_KINESIS_CLIENT_CONFIG: KinesisClientConfig = {
  connectionTimeoutMs: 1000,
  requestTimeoutMs: 5000,
  maxAttempts: 1,
};

/**
 * A Kinesis client over HTTP/1.1. The SDK's default handler for Kinesis is HTTP/2 (for SubscribeToShard,
 * which Flywheel does not use); kinesis-local and some proxies speak only HTTP/1.1, and PutRecords gains
 * nothing from HTTP/2. Region, credentials and endpoint (`AWS_ENDPOINT_URL_KINESIS`) come from the SDK's
 * configuration chain.
 */
export function createKinesisClient(
  config: KinesisClientConfig = DEFAULT_KINESIS_CLIENT_CONFIG,
): KinesisClient {
  return new KinesisClient({
    maxAttempts: config.maxAttempts,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: config.connectionTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      throwOnRequestTimeout: true,
    }),
  });
}
