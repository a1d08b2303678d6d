import { App, type CfnElement, Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import {
  API_ROUTE_TABLE,
  HANDLERS,
  type HandlerDefinition,
  PLANNED_HANDLERS,
  PLANNED_ROUTES,
  ROUTES,
  type RouteDefinition,
  type RouteTable,
} from "../../functions/api/route-table.ts";
import { apiHandlerOptions, servedHandlerOptions } from "../../infra/api-handler-options.ts";
import {
  ARTIFACT_BUCKET_DEFINITION,
  EVENT_STREAM_DEFINITION,
} from "../../infra/config/data-resource-definitions.ts";
import { ApiRoutes } from "../../infra/constructs/api-routes.ts";
import type { FlywheelFunction } from "../../infra/constructs/flywheel-function.ts";
import { VECTOR_INDEX_READ_ACTIONS, VECTOR_INDEX_WRITE_ACTIONS } from "../../infra/stacks/search-stack.ts";
import { TABLE_ACCESS_ACTIONS } from "../../layers/adapters/aws/dynamodb/table-access-actions.ts";
import type { TableKey } from "../../layers/adapters/aws/dynamodb/table-definitions.ts";
import {
  actionsOf,
  ENV,
  FunctionSchema,
  NO_BUNDLING,
  PolicySchema,
  type Statement,
  upstreamStacks,
} from "./upstream-stacks.ts";

// The serving handlers' VPC placement and grants, as app.ts composes them (infra/api-handler-options.ts),
// asserted on an API with every client route of the table: the planned handlers stand in with the health
// module until theirs exist. No whole-template snapshot.

/** Stands in for the training stack: only the admin routes use it, and these tests serve none. */
const NO_ADMIN_ROUTES = {
  grantRunControl: (): never => {
    throw new Error("an admin handler was granted in a test without admin routes");
  },
};
/** The serving handlers; each builds only the adapters its endpoint uses, and is granted those alone. */
const SERVING_HANDLERS = ["recommendations", "similar-items", "popular-items"] as const;

/** Every client route, served or planned; the admin routes (issue 6) bring their own grants. */
function clientRouteTable(): RouteTable {
  const routes: readonly RouteDefinition[] = [...ROUTES, ...PLANNED_ROUTES].filter(
    (route) => route.auth !== "admin",
  );
  const handlers: Record<string, HandlerDefinition> = {};
  const definitions: Record<string, HandlerDefinition> = { ...PLANNED_HANDLERS, ...HANDLERS };
  for (const handlerId of new Set(routes.map((route) => route.handler))) {
    const definition = definitions[handlerId];
    if (definition === undefined) throw new Error(`no handler ${handlerId}`);
    handlers[handlerId] = { ...definition, entry: HANDLERS.health.entry };
  }
  return { routes, handlers };
}

function synth(context: Record<string, unknown> = {}) {
  const app = new App({ context: { ...NO_BUNDLING, ...context } });
  const { stage, functionEnvironment, data, network, ingest, search } = upstreamStacks(app);
  const apiStack = new Stack(app, "Api", { env: ENV });
  const routeTable = clientRouteTable();
  const api = new ApiRoutes(apiStack, "Api", {
    routeTable,
    stageName: stage.stageName,
    functionEnvironment,
    handlerOptions: servedHandlerOptions(
      // No admin route is served here (test/infra/admin-handler-options.test.ts covers those).
      apiHandlerOptions({ stage, data, network, ingest, search, training: NO_ADMIN_ROUTES }),
      routeTable,
    ),
  });
  const functionOf = (handlerId: string): FlywheelFunction => {
    const fn = api.functions.get(handlerId);
    if (fn === undefined) throw new Error(`no function for ${handlerId}`);
    return fn;
  };
  return { data, network, search, apiStack, functionOf, template: Template.fromStack(apiStack) };
}

function logicalIdOf(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

describe("API handler options (every client route served)", () => {
  const { data, network, search, apiStack, functionOf, template } = synth();

  /** An ingress rule on `target` (another stack's group) from the function's own security group. */
  function expectIngress(
    fn: FlywheelFunction,
    target: { node: { defaultChild?: unknown } },
    stack: Stack,
    port: number,
  ) {
    const [source] = fn.function.connections.securityGroups;
    if (source === undefined) throw new Error(`${fn.node.path} has no security group`);
    template.hasResourceProperties("AWS::EC2::SecurityGroupIngress", {
      GroupId: { "Fn::ImportValue": Match.stringLikeRegexp(logicalIdOf(stack, target)) },
      SourceSecurityGroupId: { "Fn::GetAtt": [logicalIdOf(apiStack, source), "GroupId"] },
      FromPort: port,
    });
  }

  function statementsOf(fn: FlywheelFunction): Statement[] {
    const role = fn.function.role;
    if (role === undefined) throw new Error("the function has no role");
    const roleId = logicalIdOf(apiStack, role);
    return Object.values(template.findResources("AWS::IAM::Policy"))
      .map((policy) => PolicySchema.parse(policy).Properties)
      .filter((properties) => properties.Roles.some((ref) => ref.Ref === roleId))
      .flatMap((properties) => properties.PolicyDocument.Statement);
  }

  function functionProperties(fn: FlywheelFunction) {
    const resource = template.toJSON().Resources?.[logicalIdOf(apiStack, fn.function)];
    return FunctionSchema.parse(resource).Properties;
  }

  /** DynamoDB actions per table key, found by the table's logical id in the statement's resources. */
  function dynamoActionsOf(fn: FlywheelFunction): Partial<Record<TableKey, string[]>> {
    const byTable: Partial<Record<TableKey, string[]>> = {};
    for (const statement of statementsOf(fn)) {
      const actions = actionsOf(statement).filter((action) => action.startsWith("dynamodb:"));
      if (actions.length === 0) continue;
      const resource = JSON.stringify(statement.Resource);
      const key = (Object.keys(data.tables) as TableKey[]).find((tableKey) =>
        resource.includes(logicalIdOf(data, data.tables[tableKey].table)),
      );
      if (key === undefined) throw new Error(`DynamoDB actions on an unknown resource: ${resource}`);
      byTable[key] = [...(byTable[key] ?? []), ...actions].sort();
    }
    return byTable;
  }

  const prefixed = (fn: FlywheelFunction, prefix: string) =>
    statementsOf(fn)
      .flatMap(actionsOf)
      .filter((action) => action.startsWith(prefix))
      .sort();
  const sorted = (actions: readonly string[]) => [...actions].sort();

  it("places every data-serving handler in the VPC, and leaves the static ones out", () => {
    for (const id of ["recommendations", "similar-items", "popular-items", "catalog-items", "users"]) {
      expect(functionProperties(functionOf(id)).VpcConfig, id).toBeDefined();
    }
    for (const id of ["openapi", "health", "events"]) {
      expect(functionProperties(functionOf(id)).VpcConfig, id).toBeUndefined();
    }
  });

  it("gives every data-serving handler the cache: its TLS URL, and ingress from its security group", () => {
    for (const id of ["recommendations", "similar-items", "popular-items", "users"]) {
      const fn = functionOf(id);
      expect(functionProperties(fn).Environment.Variables, id).toMatchObject({
        FLYWHEEL_REDIS_URL: expect.anything(),
        FLYWHEEL_REDIS_CLUSTER: "true",
      });
      expectIngress(fn, network.cacheSecurityGroup, network, 6379);
    }
    // The catalog handler reads no cache variable: it gets none, and no way in.
    expect(functionProperties(functionOf("catalog-items")).Environment.Variables).not.toHaveProperty(
      "FLYWHEEL_REDIS_URL",
    );
  });

  it("grants the vector index: read to the recommendations cascade, write to the catalog, none elsewhere", () => {
    expect(prefixed(functionOf("recommendations"), "es:")).toEqual(sorted(VECTOR_INDEX_READ_ACTIONS));
    expect(prefixed(functionOf("catalog-items"), "es:")).toEqual(sorted(VECTOR_INDEX_WRITE_ACTIONS));
    // Similar items come from the model's factors in memory; popular items from the trending counters.
    for (const id of ["similar-items", "popular-items", "users", "openapi", "health", "events"]) {
      expect(prefixed(functionOf(id), "es:"), id).toEqual([]);
      expect(functionProperties(functionOf(id)).Environment.Variables, id).not.toHaveProperty(
        "FLYWHEEL_OPENSEARCH_ENDPOINT",
      );
    }
    for (const id of ["recommendations", "catalog-items"]) {
      expect(functionProperties(functionOf(id)).Environment.Variables, id).toMatchObject({
        FLYWHEEL_OPENSEARCH_ENDPOINT: expect.anything(),
        FLYWHEEL_OPENSEARCH_AUTH: "sigv4",
      });
      expectIngress(functionOf(id), search.domainSecurityGroup, search, 443);
    }
  });

  it("grants each handler exactly its tables' actions", () => {
    const read = (key: TableKey) => sorted(TABLE_ACCESS_ACTIONS[key].read);
    const readWrite = (key: TableKey) => sorted(TABLE_ACCESS_ACTIONS[key]["read-write"]);
    // The serving handlers read; the recommendation log is written by the stream handler from impressions.
    expect(dynamoActionsOf(functionOf("recommendations"))).toEqual({
      profiles: read("profiles"),
      batchRecommendations: read("batchRecommendations"),
      catalog: read("catalog"),
      interactions: read("interactions"),
      modelRegistry: read("modelRegistry"),
    });
    expect(dynamoActionsOf(functionOf("similar-items"))).toEqual({
      catalog: read("catalog"),
      modelRegistry: read("modelRegistry"),
    });
    expect(dynamoActionsOf(functionOf("popular-items"))).toEqual({ catalog: read("catalog") });
    expect(dynamoActionsOf(functionOf("catalog-items"))).toEqual({ catalog: readWrite("catalog") });
    expect(dynamoActionsOf(functionOf("users"))).toEqual({
      profiles: readWrite("profiles"),
      interactions: readWrite("interactions"),
      batchRecommendations: readWrite("batchRecommendations"),
    });
    for (const id of ["openapi", "health", "events"]) expect(dynamoActionsOf(functionOf(id)), id).toEqual({});
  });

  it("lets the model readers get objects under models/ only, with exact S3 actions", () => {
    const bucketId = logicalIdOf(data, data.artifactBucket);
    for (const id of ["recommendations", "similar-items"]) {
      const s3 = statementsOf(functionOf(id)).filter((statement) =>
        actionsOf(statement).some((action) => action.startsWith("s3:")),
      );
      expect(s3, id).toHaveLength(1);
      expect(sorted(actionsOf(s3[0] as Statement))).toEqual(["s3:GetObject", "s3:ListBucket"]);
      const resources = JSON.stringify(s3[0]?.Resource);
      expect(resources).toContain(bucketId);
      expect(resources.match(/"\/[^"]*\*"/g)).toEqual([`"/${ARTIFACT_BUCKET_DEFINITION.modelsPrefix}*"`]);
    }
    for (const id of ["popular-items", "catalog-items", "users", "openapi", "health", "events"]) {
      expect(prefixed(functionOf(id), "s3:"), id).toEqual([]);
    }
  });

  it("lets the recommendations handler publish impressions to the stage's event bus", () => {
    expect(prefixed(functionOf("recommendations"), "kinesis:")).toEqual(
      expect.arrayContaining(["kinesis:PutRecord", "kinesis:PutRecords"]),
    );
    expect(functionProperties(functionOf("recommendations")).Environment.Variables).toHaveProperty(
      EVENT_STREAM_DEFINITION.streamNameEnvironmentVariable,
    );
    // Similar and popular lists are not personalised and not logged as impressions.
    for (const id of ["similar-items", "popular-items", "catalog-items", "users", "openapi"]) {
      expect(prefixed(functionOf(id), "kinesis:"), id).toEqual([]);
    }
  });

  it("grants no service-wide wildcard, and no wildcard action on tables, bucket or domain", () => {
    for (const id of [
      "recommendations",
      "similar-items",
      "popular-items",
      "catalog-items",
      "users",
      "openapi",
    ]) {
      const actions = statementsOf(functionOf(id)).flatMap(actionsOf);
      expect(
        actions.filter((action) => action === "*" || action.endsWith(":*")),
        id,
      ).toEqual([]);
      expect(
        actions.filter((action) => /^(dynamodb|s3|es):.*\*/.test(action)),
        id,
      ).toEqual([]);
    }
  });

  it("sets every variable each serving handler's adapters read at cold start, and no other", () => {
    const bucket = ARTIFACT_BUCKET_DEFINITION.bucketNameEnvironmentVariable;
    const stream = EVENT_STREAM_DEFINITION.streamNameEnvironmentVariable;
    const expected: Record<(typeof SERVING_HANDLERS)[number], { read: string[]; unset: string[] }> = {
      recommendations: {
        read: [
          "FLYWHEEL_PROFILES_TABLE",
          "FLYWHEEL_BATCH_RECOMMENDATIONS_TABLE",
          "FLYWHEEL_CATALOG_TABLE",
          "FLYWHEEL_INTERACTIONS_TABLE",
          "FLYWHEEL_MODEL_REGISTRY_TABLE",
          bucket,
          stream,
          "FLYWHEEL_REDIS_URL",
          "FLYWHEEL_OPENSEARCH_ENDPOINT",
        ],
        unset: ["FLYWHEEL_RECOMMENDATION_LOG_TABLE"],
      },
      "similar-items": {
        read: ["FLYWHEEL_CATALOG_TABLE", "FLYWHEEL_MODEL_REGISTRY_TABLE", bucket, "FLYWHEEL_REDIS_URL"],
        unset: ["FLYWHEEL_PROFILES_TABLE", "FLYWHEEL_OPENSEARCH_ENDPOINT", stream],
      },
      "popular-items": {
        read: ["FLYWHEEL_CATALOG_TABLE", "FLYWHEEL_REDIS_URL"],
        unset: ["FLYWHEEL_MODEL_REGISTRY_TABLE", bucket, "FLYWHEEL_OPENSEARCH_ENDPOINT", stream],
      },
    };
    for (const id of SERVING_HANDLERS) {
      const variables = functionProperties(functionOf(id)).Environment.Variables;
      for (const name of expected[id].read) expect(variables, `${id} ${name}`).toHaveProperty(name);
      for (const name of expected[id].unset) expect(variables, `${id} ${name}`).not.toHaveProperty(name);
    }
  });
});

describe("servedHandlerOptions", () => {
  it("keeps only the handlers a served route uses, so planned handlers wait for their routes", () => {
    const options = { events: {}, recommendations: {}, users: {} };
    const served = new Set(API_ROUTE_TABLE.routes.map((route) => route.handler));
    const kept = Object.keys(servedHandlerOptions(options, API_ROUTE_TABLE));
    expect(kept).toEqual(Object.keys(options).filter((id) => served.has(id)));
    const everything = clientRouteTable();
    expect(Object.keys(servedHandlerOptions(options, everything)).sort()).toEqual(
      ["events", "recommendations", "users"].sort(),
    );
  });
});

describe("API handler options with the MSK event bus", () => {
  it("puts the events handler in the VPC as well (Kafka clients run in the cluster's VPC)", () => {
    const { functionOf, template, apiStack } = synth({ eventBus: "msk" });
    const events = template.toJSON().Resources?.[logicalIdOf(apiStack, functionOf("events").function)];
    expect(FunctionSchema.parse(events).Properties.VpcConfig).toBeDefined();
  });
});
