import { App, type CfnElement, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { adminTrainingRunsDependenciesFromEnvironment } from "../../functions/api/admin-dependencies-from-environment.ts";
import {
  HANDLERS,
  type HandlerDefinition,
  PLANNED_HANDLERS,
  PLANNED_ROUTES,
  ROUTES,
  type RouteDefinition,
  type RouteTable,
} from "../../functions/api/route-table.ts";
import { apiHandlerOptions, servedHandlerOptions } from "../../infra/api-handler-options.ts";
import { ApiRoutes } from "../../infra/constructs/api-routes.ts";
import type { FlywheelFunction } from "../../infra/constructs/flywheel-function.ts";
import { TrainingStack } from "../../infra/stacks/training-stack.ts";
import { TABLE_ACCESS_ACTIONS } from "../../layers/adapters/aws/dynamodb/table-access-actions.ts";
import { deployedValue } from "./template-values.ts";
import {
  actionsOf,
  ENV,
  FunctionSchema,
  NO_BUNDLING,
  PolicySchema,
  type Statement,
  upstreamStacks,
} from "./upstream-stacks.ts";

// The admin handlers' options (infra/api-handler-options.ts) as app.ts composes them, on an API that serves
// the admin routes only: who may start and follow training runs, and read the registry.

/** The admin routes, served or planned, each with its handler module. */
function adminRouteTable(): RouteTable {
  const routes: readonly RouteDefinition[] = [...ROUTES, ...PLANNED_ROUTES].filter(
    (route) => route.auth === "admin",
  );
  const definitions: Record<string, HandlerDefinition> = { ...PLANNED_HANDLERS, ...HANDLERS };
  const handlers: Record<string, HandlerDefinition> = {};
  for (const handlerId of new Set(routes.map((route) => route.handler))) {
    const definition = definitions[handlerId];
    if (definition === undefined) throw new Error(`no handler ${handlerId}`);
    handlers[handlerId] = definition;
  }
  return { routes, handlers };
}

function synth(context: Record<string, unknown> = {}) {
  const app = new App({ context: { ...NO_BUNDLING, ...context } });
  const { stage, functionEnvironment, data, network, ingest, search } = upstreamStacks(app);
  const training = new TrainingStack(app, "Training", {
    env: ENV,
    stage,
    data,
    network,
    search,
    alarmTopic: ingest.alarmTopic,
    functionEnvironment,
  });
  const apiStack = new Stack(app, "Api", { env: ENV });
  const routeTable = adminRouteTable();
  const api = new ApiRoutes(apiStack, "Api", {
    routeTable,
    stageName: stage.stageName,
    functionEnvironment,
    handlerOptions: servedHandlerOptions(
      apiHandlerOptions({ stage, data, network, ingest, search, training }),
      routeTable,
    ),
  });
  const functionOf = (handlerId: string): FlywheelFunction => {
    const fn = api.functions.get(handlerId);
    if (fn === undefined) throw new Error(`no function for ${handlerId}`);
    return fn;
  };
  return { data, training, apiStack, functionOf, template: Template.fromStack(apiStack) };
}

function logicalIdOf(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

describe("admin handler options", () => {
  const { data, training, apiStack, functionOf, template } = synth();
  const routeHandlers = new Set(adminRouteTable().routes.map((route) => route.handler));

  function statementsOf(fn: FlywheelFunction): Statement[] {
    const role = fn.function.role;
    if (role === undefined) throw new Error("the function has no role");
    const roleId = logicalIdOf(apiStack, role);
    return Object.values(template.findResources("AWS::IAM::Policy"))
      .map((policy) => PolicySchema.parse(policy).Properties)
      .filter((properties) => properties.Roles.some((ref) => ref.Ref === roleId))
      .flatMap((properties) => properties.PolicyDocument.Statement);
  }
  const variablesOf = (fn: FlywheelFunction) =>
    FunctionSchema.parse(template.toJSON().Resources?.[logicalIdOf(apiStack, fn.function)]).Properties;
  const prefixed = (fn: FlywheelFunction, prefix: string) =>
    statementsOf(fn)
      .flatMap(actionsOf)
      .filter((action) => action.startsWith(prefix))
      .sort();

  it("serves both admin handlers", () => {
    expect([...routeHandlers].sort()).toEqual(["admin-models", "admin-training-runs"]);
  });

  it("lets the training-runs handler start runs and follow them, on this state machine only", () => {
    const fn = functionOf("admin-training-runs");
    const stateMachineArn = apiStack.resolve(training.stateMachineArn);
    const states = statementsOf(fn).filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith("states:")),
    );
    const byAction = new Map(
      states.flatMap((statement) =>
        actionsOf(statement).map((action) => [action, statement.Resource] as const),
      ),
    );
    expect([...byAction.keys()].sort()).toEqual([
      "states:DescribeExecution",
      "states:GetExecutionHistory",
      "states:ListExecutions",
      "states:StartExecution",
    ]);
    expect(byAction.get("states:StartExecution")).toEqual(stateMachineArn);
    expect(byAction.get("states:ListExecutions")).toEqual(stateMachineArn);
    expect(JSON.stringify(byAction.get("states:DescribeExecution"))).toContain(
      ":execution:flywheel-dev-nightly-training:*",
    );
    expect(prefixed(fn, "dynamodb:")).toEqual([...TABLE_ACCESS_ACTIONS.modelRegistry.read].sort());
    expect(JSON.stringify(statementsOf(fn))).toContain(logicalIdOf(data, data.tables.modelRegistry.table));
  });

  it("tells the training-runs handler the state machine and the stage's defaults, which its adapters accept", () => {
    const { Environment, VpcConfig } = variablesOf(functionOf("admin-training-runs"));
    expect(VpcConfig).toBeUndefined();
    expect(Environment.Variables).toMatchObject({
      FLYWHEEL_TRAINING_STATE_MACHINE_ARN: apiStack.resolve(training.stateMachineArn),
      FLYWHEEL_DEFAULT_TRAINER: "embedded",
      FLYWHEEL_DEFAULT_MAX_NDCG_DROP: "0.02",
    });
    // As deployed: the ARN's pseudo parameters are the test environment's, other references stand in.
    const environment: NodeJS.ProcessEnv = { AWS_REGION: ENV.region };
    for (const [name, value] of Object.entries(Environment.Variables))
      environment[name] = deployedValue(value, ENV);
    const dependencies = adminTrainingRunsDependenciesFromEnvironment(environment);
    expect(dependencies.defaults).toEqual({ trainer: "embedded", qualityGate: { maxNdcgDrop: 0.02 } });
  });

  it("lets the models handler read the registry, and nothing else", () => {
    const fn = functionOf("admin-models");
    expect(variablesOf(fn).VpcConfig).toBeUndefined();
    const dataActions = statementsOf(fn)
      .flatMap(actionsOf)
      .filter((action) => /^(dynamodb|s3|es|states|kinesis):/.test(action))
      .sort();
    expect(dataActions).toEqual([...TABLE_ACCESS_ACTIONS.modelRegistry.read].sort());
    expect(variablesOf(fn).Environment.Variables).not.toHaveProperty("FLYWHEEL_TRAINING_STATE_MACHINE_ARN");
  });
});
