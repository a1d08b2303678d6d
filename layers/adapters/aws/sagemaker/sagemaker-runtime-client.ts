import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { NodeHttpHandler } from "@smithy/node-http-handler";

export interface SageMakerRuntimeClientConfig {
  /** @default 500 */
  readonly connectionTimeoutMs: number;
  /**
   * SDK attempts per invocation. The ranker is optional (the cascade keeps the retrieval order without
   * it) and each call is bounded by its own timeout, so one retry is the most worth spending.
   * @default 2
   */
  readonly maxAttempts: number;
}

export const DEFAULT_SAGEMAKER_RUNTIME_CLIENT_CONFIG: SageMakerRuntimeClientConfig = {
  connectionTimeoutMs: 500,
  maxAttempts: 2,
};

/**
 * A SageMaker runtime client for InvokeEndpoint. Region, credentials and endpoint
 * (`AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME`) come from the SDK's configuration chain. There is no request
 * timeout here: each call carries its own deadline (the ranker's `timeoutMs`) as an abort signal.
 */
export function createSageMakerRuntimeClient(
  config: SageMakerRuntimeClientConfig = DEFAULT_SAGEMAKER_RUNTIME_CLIENT_CONFIG,
): SageMakerRuntimeClient {
  return new SageMakerRuntimeClient({
    maxAttempts: config.maxAttempts,
    requestHandler: new NodeHttpHandler({ connectionTimeout: config.connectionTimeoutMs }),
  });
}
