import { type App, type Environment, type Stack, Tags, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { API_ROUTE_TABLE } from "../functions/api/route-table.ts";
import { apiHandlerOptions, servedHandlerOptions } from "./api-handler-options.ts";
import { packageVersion } from "./config/package-version.ts";
import type { StageConfig } from "./config/stage-config.ts";
import { FlywheelFunction } from "./constructs/flywheel-function.ts";
import { ApiStack } from "./stacks/api-stack.ts";
import { DataStack } from "./stacks/data-stack.ts";
import { IngestStack } from "./stacks/ingest-stack.ts";
import { NetworkStack } from "./stacks/network-stack.ts";
import { SearchStack } from "./stacks/search-stack.ts";
import { TrainingStack } from "./stacks/training-stack.ts";

/** The stacks of one stage, in deployment order. */
export interface FlywheelApp {
  readonly data: DataStack;
  readonly network: NetworkStack;
  readonly ingest: IngestStack;
  readonly search: SearchStack;
  readonly training: TrainingStack;
  readonly api: ApiStack;
  readonly stacks: readonly Stack[];
}

/**
 * Composes Flywheel's stacks for `stage` into `app`: the one composition that the CDK entry point
 * (infra/app.ts) and the tests share. It also registers cdk-nag's AwsSolutions checks on the app, so an
 * error-level finding that nobody fixed or acknowledged (with its reason, next to the resource) fails
 * `cdk synth`.
 *
 * `env` needs a concrete region: tables encrypted with a customer-managed key are synthesized per region.
 */
export function buildFlywheelApp(app: App, stage: StageConfig, env: Environment): FlywheelApp {
  const functionEnvironment = { stageName: stage.stageName, version: packageVersion() };
  const stackName = (part: string) => `Flywheel-${stage.stageName}-${part}`;

  // Deployed in this order: Data, then Network (the cache is encrypted with the data key), then Search (the
  // OpenSearch domain, in the VPC, under the data key) and Ingest (the stream consumers, in the VPC), then
  // Training (the nightly pipeline: it rebuilds the vector index and alarms on the ingest stack's topic),
  // then Api (whose handlers use all of them; the admin routes start training runs).
  const data = new DataStack(app, stackName("Data"), {
    env,
    stage,
    description: `Flywheel (${stage.stageName}): tables, artifact bucket, event stream, dead-letter queue`,
  });

  const network = new NetworkStack(app, stackName("Network"), {
    env,
    stage,
    encryptionKey: data.encryptionKey,
    description: `Flywheel (${stage.stageName}): VPC, its service endpoints, and the Valkey cache`,
  });
  network.addStackDependency(data);

  const ingest = new IngestStack(app, stackName("Ingest"), {
    env,
    stage,
    data,
    network,
    functionEnvironment,
    description: `Flywheel (${stage.stageName}): stream and archive consumers, their alarms${
      stage.eventBus.kind === "msk" ? ", the MSK Serverless cluster" : ""
    }`,
  });
  ingest.addStackDependency(data);
  ingest.addStackDependency(network);

  const search = new SearchStack(app, stackName("Search"), {
    env,
    stage,
    network,
    encryptionKey: data.encryptionKey,
    description: `Flywheel (${stage.stageName}): the OpenSearch domain of item vectors (k-NN), in the VPC`,
  });
  search.addStackDependency(data);
  search.addStackDependency(network);

  const training = new TrainingStack(app, stackName("Training"), {
    env,
    stage,
    data,
    network,
    search,
    alarmTopic: ingest.alarmTopic,
    functionEnvironment,
    description: `Flywheel (${stage.stageName}): the nightly training pipeline (Step Functions, EMR Serverless Spark, Scheduler)`,
  });
  training.addStackDependency(data);
  training.addStackDependency(network);
  training.addStackDependency(search);
  training.addStackDependency(ingest);

  // What each handler needs from the other stacks (infra/api-handler-options.ts); ApiRoutes stays generic and
  // applies them by handler id. A handler still in PLANNED_HANDLERS gets its options once its routes are served.
  const api = new ApiStack(app, stackName("Api"), {
    env,
    stage,
    version: functionEnvironment.version,
    description: `Flywheel (${stage.stageName}): HTTP API (API Gateway REST API and its Lambdas)`,
    logEncryptionKey: data.encryptionKey,
    handlerOptions: servedHandlerOptions(
      apiHandlerOptions({ stage, data, network, ingest, search, training }),
      API_ROUTE_TABLE,
    ),
  });
  api.addStackDependency(data);
  api.addStackDependency(ingest);
  api.addStackDependency(search);
  api.addStackDependency(training);

  // Every Flywheel function, whichever stack holds it, hashes user ids in its logs under the deployment's key.
  for (const fn of app.node.findAll().filter((node) => node instanceof FlywheelFunction)) {
    data.grantLogHashSaltRead(fn);
  }

  // CloudFormation's AWS::CloudWatch::Dashboard takes no Tags (cfn-lint E3002), though CDK would add them.
  const untaggable = { excludeResourceTypes: ["AWS::CloudWatch::Dashboard"] };
  Tags.of(app).add("project", "flywheel", untaggable);
  Tags.of(app).add("stage", stage.stageName, untaggable);
  // cdk-nag 3 is a policy-validation plugin: it runs once the templates are written, and an unacknowledged
  // error fails synthesis. Acknowledgments sit next to their resources; docs/security.md lists them all.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));

  return {
    data,
    network,
    ingest,
    search,
    training,
    api,
    stacks: [data, network, ingest, search, training, api],
  };
}
