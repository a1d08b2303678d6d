import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { NodeHttpHandler } from "@smithy/node-http-handler";

export interface SecretsManagerClientConfig {
  /** @default 1000 */
  readonly connectionTimeoutMs: number;
  /** One GetSecretValue and its response. @default 2000 */
  readonly requestTimeoutMs: number;
  /** @default 3 */
  readonly maxAttempts: number;
}

export const DEFAULT_SECRETS_MANAGER_CLIENT_CONFIG: SecretsManagerClientConfig = {
  connectionTimeoutMs: 1000,
  requestTimeoutMs: 2000,
  maxAttempts: 3,
};

/**
 * A Secrets Manager client for reading a secret once per cold start. Region, credentials and endpoint
 * (`AWS_ENDPOINT_URL_SECRETS_MANAGER`) come from the SDK's configuration chain.
 */
export function createSecretsManagerClient(
  config: SecretsManagerClientConfig = DEFAULT_SECRETS_MANAGER_CLIENT_CONFIG,
): SecretsManagerClient {
  return new SecretsManagerClient({
    maxAttempts: config.maxAttempts,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: config.connectionTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      throwOnRequestTimeout: true,
    }),
  });
}
