import type { App } from "aws-cdk-lib";
import { z } from "zod";
import { readStageConfig } from "../../infra/config/stage-config.ts";
import { DataStack } from "../../infra/stacks/data-stack.ts";
import { IngestStack } from "../../infra/stacks/ingest-stack.ts";
import { NetworkStack } from "../../infra/stacks/network-stack.ts";
import { SearchStack } from "../../infra/stacks/search-stack.ts";

// What the stack tests that sit above the data path share: the account, no Lambda bundling, the stacks
// below them as infra/flywheel-app.ts composes them, and the shapes of the IAM and function resources read.

export const ENV = { account: "123456789012", region: "eu-west-1" };
export const NO_BUNDLING = { "aws:cdk:bundling-stacks": [] };

/** Data, Network, Ingest and Search for the app's stage, wired as the app wires them. */
export function upstreamStacks(app: App) {
  const stage = readStageConfig(app.node);
  const functionEnvironment = { stageName: stage.stageName, version: "1.2.3" };
  const data = new DataStack(app, "Data", { env: ENV, stage });
  const network = new NetworkStack(app, "Network", { env: ENV, stage, encryptionKey: data.encryptionKey });
  const ingest = new IngestStack(app, "Ingest", { env: ENV, stage, data, network, functionEnvironment });
  const search = new SearchStack(app, "Search", {
    env: ENV,
    stage,
    network,
    encryptionKey: data.encryptionKey,
  });
  return { stage, functionEnvironment, data, network, ingest, search };
}

export const StatementSchema = z.looseObject({
  Effect: z.string(),
  Action: z.union([z.string(), z.array(z.string())]),
  Resource: z.unknown(),
});
export type Statement = z.infer<typeof StatementSchema>;
export const PolicySchema = z.object({
  Properties: z.looseObject({
    PolicyDocument: z.object({ Statement: z.array(StatementSchema) }),
    Roles: z.array(z.object({ Ref: z.string() })),
  }),
});
export const FunctionSchema = z.object({
  Properties: z.looseObject({
    Environment: z.object({ Variables: z.record(z.string(), z.unknown()) }),
    VpcConfig: z.unknown().optional(),
  }),
});
export const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];
