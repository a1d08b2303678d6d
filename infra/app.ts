import { App } from "aws-cdk-lib";
import { readStageConfig } from "./config/stage-config.ts";
import { buildFlywheelApp } from "./flywheel-app.ts";
import { ObservabilityStack } from "./stacks/observability-stack.ts";
import { WebStack } from "./stacks/web-stack.ts";

// The CDK app (cdk.json: `node infra/app.ts`, run by Node 24 from node_modules/.bin). Choose the stage with
// `npx cdk synth -c stage=prod`; see infra/config/stage-config.ts for every context key. The stacks are
// composed in infra/flywheel-app.ts, which the tests share.
const app = new App();
const stage = readStageConfig(app.node);
// Tables encrypted with a customer-managed key need a concrete region at synthesis. The CDK CLI provides
// one from the AWS profile (us-east-1 when none is configured).
const region = process.env.CDK_DEFAULT_REGION ?? process.env.AWS_REGION;
if (region === undefined || region === "") {
  throw new Error("no AWS region: run through `npx cdk …`, or set AWS_REGION");
}
const flywheel = buildFlywheelApp(app, stage, { account: process.env.CDK_DEFAULT_ACCOUNT, region });
// The web app (web/, built by `npm run build:web`), with the API under its domain at /v1.
const web = new WebStack(app, `Flywheel-${stage.stageName}-Web`, {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region },
  stage,
  api: { restApiId: flywheel.api.routes.api.restApiId, stageName: stage.stageName },
  description: `Flywheel (${stage.stageName}): the web app (S3 and CloudFront)`,
});
web.addStackDependency(flywheel.api);
// The stage's dashboard, and the API and OpenSearch alarms, on the ingest stack's alarm topic.
new ObservabilityStack(app, `Flywheel-${stage.stageName}-Observability`, {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region },
  stage,
  stacks: flywheel,
  description: `Flywheel (${stage.stageName}): the dashboard, and the API and OpenSearch alarms`,
});
