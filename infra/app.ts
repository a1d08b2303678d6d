import { App, Tags } from "aws-cdk-lib";
import { API_ROUTE_TABLE } from "../functions/api/route-table.ts";
import { apiHandlerOptions, servedHandlerOptions } from "./api-handler-options.ts";
import { packageVersion } from "./config/package-version.ts";
import { readStageConfig } from "./config/stage-config.ts";
import { ApiStack } from "./stacks/api-stack.ts";
import { DataStack } from "./stacks/data-stack.ts";
import { IngestStack } from "./stacks/ingest-stack.ts";
import { NetworkStack } from "./stacks/network-stack.ts";
import { SearchStack } from "./stacks/search-stack.ts";
import { TrainingStack } from "./stacks/training-stack.ts";

// The CDK app (cdk.json: `node infra/app.ts`, run by Node 24 from node_modules/.bin). Choose the stage with
// `npx cdk synth -c stage=prod`; see infra/config/stage-config.ts for every context key.
const app = new App();
const stage = readStageConfig(app.node);
// Tables encrypted with a customer-managed key need a concrete region at synthesis. The CDK CLI provides
// one from the AWS profile (us-east-1 when none is configured).
const region = process.env.CDK_DEFAULT_REGION ?? process.env.AWS_REGION;
if (region === undefined || region === "") {
  throw new Error("no AWS region: run through `npx cdk …`, or set AWS_REGION");
}
const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region };
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
  handlerOptions: servedHandlerOptions(
    apiHandlerOptions({ stage, data, network, ingest, search, training }),
    API_ROUTE_TABLE,
  ),
});
api.addStackDependency(data);
api.addStackDependency(ingest);
api.addStackDependency(search);
api.addStackDependency(training);

Tags.of(app).add("project", "flywheel");
Tags.of(app).add("stage", stage.stageName);
