import {
  CreateSecretCommand,
  DeleteSecretCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { afterAll, describe, expect, it } from "vitest";
import { readLogHashSalt } from "../../../functions/commons/read-log-hash-salt.ts";
import { DependencyError } from "../../../layers/domain/errors/domain-errors.ts";
import { uniqueId } from "../../contract/unique-id.ts";

// The log-hash key read from Secrets Manager (AWS_ENDPOINT_URL_SECRETS_MANAGER: moto in the local cloud),
// as a deployed function reads it at cold start.

const endpointVariable = "AWS_ENDPOINT_URL_SECRETS_MANAGER";
const created: string[] = [];

function admin(): SecretsManagerClient {
  if (!process.env[endpointVariable]) {
    throw new Error(`${endpointVariable} is not set; integration tests never talk to real AWS`);
  }
  return new SecretsManagerClient({});
}

async function createSecret(value: string): Promise<string> {
  const { ARN } = await admin().send(
    new CreateSecretCommand({ Name: uniqueId("flywheel-log-hash"), SecretString: value }),
  );
  if (ARN === undefined) throw new Error("CreateSecret returned no ARN");
  created.push(ARN);
  return ARN;
}

afterAll(async () => {
  for (const secretId of created) {
    await admin().send(new DeleteSecretCommand({ SecretId: secretId, ForceDeleteWithoutRecovery: true }));
  }
});

describe("readLogHashSalt on a Secrets Manager endpoint", () => {
  it("reads the secret's string by its ARN", async () => {
    const arn = await createSecret("a-generated-key-of-48-characters-like-the-stacks");
    await expect(readLogHashSalt(arn)).resolves.toBe("a-generated-key-of-48-characters-like-the-stacks");
  });

  it("fails with a dependency error naming the secret, never a value, when there is no such secret", async () => {
    const missing = `${uniqueId("flywheel-missing")}`;
    const failure = await readLogHashSalt(missing).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DependencyError);
    expect(String((failure as Error).message)).toContain(missing);
  });
});
