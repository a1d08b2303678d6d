import { SFNClient } from "@aws-sdk/client-sfn";
import { NodeHttpHandler } from "@smithy/node-http-handler";

export interface StepFunctionsClientConfig {
  /** @default 1000 */
  readonly connectionTimeoutMs: number;
  /** One request and its response (a page of history is up to 1,000 events). @default 5000 */
  readonly requestTimeoutMs: number;
  /** SDK attempts per call: throttling and 5xx are retried with the SDK's backoff. @default 3 */
  readonly maxAttempts: number;
}

export const DEFAULT_STEP_FUNCTIONS_CLIENT_CONFIG: StepFunctionsClientConfig = {
  connectionTimeoutMs: 1000,
  requestTimeoutMs: 5000,
  maxAttempts: 3,
};

/**
 * A Step Functions client with timeouts that throw. Region, credentials and endpoint
 * (`AWS_ENDPOINT_URL_SFN`: the local Step Functions endpoint, LocalStack, or nothing for AWS) come from the
 * SDK's configuration chain. Build it once, at module scope.
 */
export function createStepFunctionsClient(
  config: StepFunctionsClientConfig = DEFAULT_STEP_FUNCTIONS_CLIENT_CONFIG,
): SFNClient {
  return new SFNClient({
    maxAttempts: config.maxAttempts,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: config.connectionTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      throwOnRequestTimeout: true,
    }),
  });
}
