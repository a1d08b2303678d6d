import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { DependencyError } from "../../../domain/errors/domain-errors.ts";

export const SECRETS_MANAGER_DEPENDENCY = "secretsmanager";

/**
 * The current string value of a secret (its ARN or name). Any failure, an empty value included, is a
 * DependencyError naming the secret, never its value.
 */
export async function readSecretString(client: SecretsManagerClient, secretId: string): Promise<string> {
  let value: string | undefined;
  try {
    ({ SecretString: value } = await client.send(new GetSecretValueCommand({ SecretId: secretId })));
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new DependencyError(SECRETS_MANAGER_DEPENDENCY, `read secret ${secretId}: ${reason}`, {
      cause: error,
    });
  }
  if (value === undefined || value === "") {
    throw new DependencyError(SECRETS_MANAGER_DEPENDENCY, `secret ${secretId} has no string value`, {
      retryable: false,
    });
  }
  return value;
}
