/**
 * The deployment's log-hash key from its Secrets Manager secret. The client library is imported here, on
 * first use (a chunk of the bundle), so a function whose hashing is off, or which runs outside AWS, never
 * loads it.
 */
export async function readLogHashSalt(secretId: string): Promise<string> {
  const [{ createSecretsManagerClient }, { readSecretString }] = await Promise.all([
    import("../../layers/adapters/aws/secretsmanager/secrets-manager-client.ts"),
    import("../../layers/adapters/aws/secretsmanager/read-secret-string.ts"),
  ]);
  return readSecretString(createSecretsManagerClient(), secretId);
}
