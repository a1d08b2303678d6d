import { createDynamoDbDocumentClient, readAwsClientConfig } from "../../layers/adapters/aws/aws-clients.ts";
import { DynamoDbBatchRecStore } from "../../layers/adapters/aws/dynamodb/dynamodb-batch-rec-store.ts";
import { DynamoDbInteractionLog } from "../../layers/adapters/aws/dynamodb/dynamodb-interaction-log.ts";
import { DynamoDbItemCatalog } from "../../layers/adapters/aws/dynamodb/dynamodb-item-catalog.ts";
import { DynamoDbModelRegistry } from "../../layers/adapters/aws/dynamodb/dynamodb-model-registry.ts";
import { readDynamoDbTableNames } from "../../layers/adapters/aws/dynamodb/dynamodb-table-names.ts";
import {
  createOpenSearchClient,
  readOpenSearchConfig,
} from "../../layers/adapters/aws/opensearch/opensearch-client.ts";
import { OpenSearchVectorIndex } from "../../layers/adapters/aws/opensearch/opensearch-vector-index.ts";
import { S3ArchiveStore } from "../../layers/adapters/aws/s3/s3-archive-store.ts";
import { createS3Client, readS3ClientConfig } from "../../layers/adapters/aws/s3/s3-client.ts";
import { S3ModelStore } from "../../layers/adapters/aws/s3/s3-model-store.ts";
import { InvalidInputError } from "../../layers/domain/errors/domain-errors.ts";
import { archiveInteractionSource } from "../../layers/domain/pipeline/interaction-source.ts";
import type { PipelineDependencies } from "../../layers/domain/pipeline/pipeline-dependencies.ts";
import { pipelineSettings } from "../../layers/domain/pipeline/pipeline-settings.ts";
import { systemClock } from "../../layers/ports/clock.ts";

/** The bucket that holds models (models/<version>/) and the runs' workspaces (pipeline-runs/<runId>/). */
export const ARTIFACT_BUCKET_VARIABLE = "FLYWHEEL_ARTIFACT_BUCKET";

const PIPELINE_CLIENT_DEFAULTS = {
  FLYWHEEL_AWS_REQUEST_TIMEOUT_MS: "10000",
  FLYWHEEL_AWS_RETRY_BUDGET_MS: "10000",
};

/** The pipeline Lambdas' adapters, from the environment the training stack sets; checked at module load. */
export function pipelineDependenciesFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): PipelineDependencies {
  const tables = readDynamoDbTableNames(
    ["batchRecommendations", "catalog", "modelRegistry", "interactions"],
    env,
  );
  const bucket = requireVariable(env, ARTIFACT_BUCKET_VARIABLE);
  // Batch work, not a request path: a slow call is waited for (10 s) rather than failed after the request
  // path's 1 s; the state machine's retries cover what still fails. FLYWHEEL_AWS_* variables override.
  const client = createDynamoDbDocumentClient(readAwsClientConfig({ ...PIPELINE_CLIENT_DEFAULTS, ...env }));
  const s3 = createS3Client(readS3ClientConfig(env));
  // One bucket: the archive under events/, the runs' workspaces under pipeline-runs/, models under models/.
  const workspace = new S3ArchiveStore({ client: s3, bucket });
  return {
    interactions: archiveInteractionSource(
      workspace,
      new DynamoDbInteractionLog({ client, tableName: tables.interactions }),
    ),
    workspace,
    registry: new DynamoDbModelRegistry({ client, tableName: tables.modelRegistry }),
    models: new S3ModelStore({ client: s3, bucket }),
    vectorIndex: new OpenSearchVectorIndex({ client: createOpenSearchClient(readOpenSearchConfig(env)) }),
    batchRecs: new DynamoDbBatchRecStore({
      client,
      tableName: tables.batchRecommendations,
      clock: systemClock,
    }),
    catalog: new DynamoDbItemCatalog({ client, tableName: tables.catalog }),
    clock: systemClock,
    settings: pipelineSettings(),
  };
}

function requireVariable(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === "") throw new InvalidInputError(`${name} must be set`, name);
  return value;
}
