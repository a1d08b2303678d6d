import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DynamoDbModelRegistry } from "../../layers/adapters/aws/dynamodb/dynamodb-model-registry.ts";
import { createS3Client } from "../../layers/adapters/aws/s3/s3-client.ts";
import { S3ModelStore } from "../../layers/adapters/aws/s3/s3-model-store.ts";
import { InvalidInputError } from "../../layers/domain/errors/domain-errors.ts";
import { ActiveModelCache } from "../../layers/domain/streaming/active-model.ts";
import type { Clock } from "../../layers/ports/clock.ts";

/**
 * The active model: the registry's pointer (DynamoDB) and the artifact it names (S3, FLYWHEEL_ARTIFACT_BUCKET),
 * loaded on the first request and again only when the pointer moves.
 */
export function activeModelFromEnvironment(
  client: DynamoDBDocumentClient,
  registryTableName: string,
  clock: Clock,
  env: NodeJS.ProcessEnv,
): ActiveModelCache {
  const bucket = env.FLYWHEEL_ARTIFACT_BUCKET;
  if (bucket === undefined || bucket === "")
    throw new InvalidInputError("FLYWHEEL_ARTIFACT_BUCKET must be set", "FLYWHEEL_ARTIFACT_BUCKET");
  return new ActiveModelCache({
    registry: new DynamoDbModelRegistry({ client, tableName: registryTableName }),
    store: new S3ModelStore({ client: createS3Client(), bucket }),
    clock,
  });
}
