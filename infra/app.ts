import { App, Tags } from "aws-cdk-lib";
import { readStageConfig } from "./config/stage-config.ts";
import { ApiStack } from "./stacks/api-stack.ts";
import { DataStack } from "./stacks/data-stack.ts";

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

new DataStack(app, `Flywheel-${stage.stageName}-Data`, {
  env,
  stage,
  description: `Flywheel (${stage.stageName}): tables, artifact bucket, event stream, dead-letter queue`,
});

new ApiStack(app, `Flywheel-${stage.stageName}-Api`, {
  env,
  stage,
  description: `Flywheel (${stage.stageName}): HTTP API (API Gateway REST API and its Lambdas)`,
});

Tags.of(app).add("project", "flywheel");
Tags.of(app).add("stage", stage.stageName);
