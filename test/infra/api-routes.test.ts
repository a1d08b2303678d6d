import { App, type CfnElement, Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import * as iam from "aws-cdk-lib/aws-iam";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  HANDLERS,
  type HandlerDefinition,
  PLANNED_HANDLERS,
  PLANNED_ROUTES,
  ROUTES,
  type RouteDefinition,
} from "../../functions/api/route-table.ts";
import { RouteTableError } from "../../functions/api/route-table-validation.ts";
import { DEFAULT_USAGE_PLAN_THROTTLE } from "../../functions/api/usage-plan-throttle.ts";
import { readStageConfig } from "../../infra/config/stage-config.ts";
import { ApiRoutes } from "../../infra/constructs/api-routes.ts";
import { ApiStack } from "../../infra/stacks/api-stack.ts";

// Fine-grained assertions on the API built from the route table: every route is a method with the auth
// the table asks for, wired to its handler's Lambda with the house defaults. No whole-template snapshot.

const ENV = { account: "123456789012", region: "eu-west-1" };
/** Skips esbuild: for tests that look only at the template, not at the bundle. */
const NO_BUNDLING = { "aws:cdk:bundling-stacks": [] };

function synthApiStack(
  context: Record<string, unknown> = {},
  throttle?: { rateLimit: number; burstLimit: number },
) {
  const app = new App({ context });
  const stack = new ApiStack(app, "Api", {
    env: ENV,
    stage: readStageConfig(app.node),
    version: "1.2.3",
    ...(throttle === undefined ? {} : { throttle }),
  });
  return { stack, template: Template.fromStack(stack) };
}

/** Every route of issues 4, 5 and 6, each planned handler standing in with the health module. */
function synthAllRoutes() {
  const app = new App({ context: NO_BUNDLING });
  const stack = new Stack(app, "AllRoutes", { env: ENV });
  const handlers: Record<string, HandlerDefinition> = {};
  for (const [id, definition] of Object.entries({ ...HANDLERS, ...PLANNED_HANDLERS }))
    handlers[id] = { ...definition, entry: HANDLERS.health.entry };
  const routes: readonly RouteDefinition[] = [...ROUTES, ...PLANNED_ROUTES];
  const api = new ApiRoutes(stack, "Api", {
    routeTable: { routes, handlers },
    stageName: "test",
    functionEnvironment: { stageName: "test", version: "1.2.3" },
  });
  const operator = new iam.Role(stack, "Operator", { assumedBy: new iam.AccountRootPrincipal() });
  api.grantAdminInvoke(operator);
  return { stack, api, routes, operator, template: Template.fromStack(stack) };
}

function logicalIdOf(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

const RefSchema = z.object({ Ref: z.string() });
const RootSchema = z.object({ "Fn::GetAtt": z.tuple([z.string(), z.literal("RootResourceId")]) });
const ResourceSchema = z.object({
  Properties: z.object({ ParentId: z.union([RefSchema, RootSchema]), PathPart: z.string() }),
});
const MethodSchema = z.object({
  Properties: z.looseObject({
    HttpMethod: z.string(),
    ResourceId: z.union([RefSchema, RootSchema]),
    AuthorizationType: z.string(),
    ApiKeyRequired: z.boolean().optional(),
    Integration: z.looseObject({ Type: z.string(), IntegrationHttpMethod: z.string(), Uri: z.unknown() }),
  }),
});
type MethodProperties = z.infer<typeof MethodSchema>["Properties"];

/** The template's methods keyed `METHOD /full/path`, the path rebuilt from the resources' parent chain. */
function methodsByRoute(template: Template): Map<string, MethodProperties> {
  const resources = new Map<string, z.infer<typeof ResourceSchema>>();
  for (const [id, resource] of Object.entries(template.findResources("AWS::ApiGateway::Resource")))
    resources.set(id, ResourceSchema.parse(resource));
  const pathOf = (reference: z.infer<typeof RefSchema> | z.infer<typeof RootSchema>): string => {
    if ("Fn::GetAtt" in reference) return "";
    const resource = resources.get(reference.Ref);
    if (resource === undefined) throw new Error(`no resource ${reference.Ref}`);
    return `${pathOf(resource.Properties.ParentId)}/${resource.Properties.PathPart}`;
  };
  const methods = new Map<string, MethodProperties>();
  for (const method of Object.values(template.findResources("AWS::ApiGateway::Method"))) {
    const { Properties } = MethodSchema.parse(method);
    methods.set(`${Properties.HttpMethod} ${pathOf(Properties.ResourceId) || "/"}`, Properties);
  }
  return methods;
}

function expectAuth(method: MethodProperties | undefined, route: RouteDefinition): void {
  const label = `${route.method} ${route.path}`;
  expect(method, `${label} should be a method`).toBeDefined();
  if (route.auth === "api-key") {
    expect(method?.AuthorizationType, label).toBe("NONE");
    expect(method?.ApiKeyRequired, label).toBe(true);
  } else if (route.auth === "admin") {
    expect(method?.AuthorizationType, label).toBe("AWS_IAM");
    expect(method?.ApiKeyRequired ?? false, label).toBe(false);
  } else {
    expect(method?.AuthorizationType, label).toBe("NONE");
    expect(method?.ApiKeyRequired ?? false, label).toBe(false);
  }
}

describe("ApiStack (the served route table)", () => {
  // This synthesis bundles the handler with esbuild, so a broken bundle fails here too.
  const { stack, template } = synthApiStack();
  const methods = methodsByRoute(template);

  it("declares exactly the served routes as methods, each with the auth the table asks for", () => {
    expect([...methods.keys()].sort()).toEqual(ROUTES.map((route) => `${route.method} ${route.path}`).sort());
    for (const route of ROUTES) expectAuth(methods.get(`${route.method} ${route.path}`), route);
  });

  it("integrates each method with its handler's Lambda through the proxy integration", () => {
    for (const route of ROUTES) {
      const method = methods.get(`${route.method} ${route.path}`);
      const fn = stack.routes.functions.get(route.handler);
      if (fn === undefined) throw new Error(`no function for ${route.handler}`);
      expect(method?.Integration.Type).toBe("AWS_PROXY");
      expect(method?.Integration.IntegrationHttpMethod).toBe("POST");
      expect(JSON.stringify(method?.Integration.Uri)).toContain(logicalIdOf(stack, fn.function));
    }
  });

  it("builds one Lambda per handler id with the house defaults and the table's timeout and memory", () => {
    const handlerIds = [...new Set(ROUTES.map((route) => route.handler))];
    template.resourceCountIs("AWS::Lambda::Function", handlerIds.length);
    for (const id of handlerIds) {
      const fn = stack.routes.functions.get(id);
      if (fn === undefined) throw new Error(`no function for ${id}`);
      const definition = HANDLERS[id];
      const matching = template.findResources("AWS::Lambda::Function", {
        Properties: Match.objectLike({
          Runtime: "nodejs24.x",
          Architectures: ["arm64"],
          Handler: "index.handler",
          TracingConfig: { Mode: "Active" },
          Timeout: definition.timeoutSeconds,
          MemorySize: definition.memorySizeMb,
          LoggingConfig: {
            LogFormat: "JSON",
            ApplicationLogLevel: "INFO",
            SystemLogLevel: "WARN",
            LogGroup: { Ref: logicalIdOf(stack, fn.logGroup) },
          },
          Environment: {
            Variables: Match.objectLike({
              FLYWHEEL_STAGE: "dev",
              FLYWHEEL_VERSION: "1.2.3",
            }),
          },
        }),
      });
      expect(Object.keys(matching)).toEqual([logicalIdOf(stack, fn.function)]);
    }
  });

  it("gives every function's log group a retention; a disposable stage's logs go with the stack", () => {
    template.allResourcesProperties("AWS::Logs::LogGroup", { RetentionInDays: 30 });
    for (const group of Object.values(template.findResources("AWS::Logs::LogGroup")))
      expect(group).toMatchObject({ DeletionPolicy: "Delete" });
    const prod = synthApiStack({ ...NO_BUNDLING, stage: "prod" }).template;
    for (const group of Object.values(prod.findResources("AWS::Logs::LogGroup")))
      expect(group).toMatchObject({ DeletionPolicy: "Retain" });
  });

  it("lets only the deployed methods invoke the functions (no test-invoke permission)", () => {
    const permissions = Object.values(template.findResources("AWS::Lambda::Permission"));
    expect(permissions).toHaveLength(ROUTES.length);
    // The source ARN has `*` where the path template has a variable.
    for (const route of ROUTES)
      expect(JSON.stringify(permissions)).toContain(
        `/${route.method}${route.path.replace(/\{[^}]+\}/g, "*")}`,
      );
    expect(JSON.stringify(permissions)).not.toContain("test-invoke-stage");
  });

  it("throttles each client key with a usage plan on the stage, with the shared default numbers", () => {
    template.hasResourceProperties("AWS::ApiGateway::UsagePlan", {
      Throttle: {
        RateLimit: DEFAULT_USAGE_PLAN_THROTTLE.rateLimit,
        BurstLimit: DEFAULT_USAGE_PLAN_THROTTLE.burstLimit,
      },
      ApiStages: [
        {
          ApiId: { Ref: logicalIdOf(stack, stack.routes.api) },
          Stage: { Ref: logicalIdOf(stack, stack.routes.api.deploymentStage) },
        },
      ],
    });
    template.hasResourceProperties("AWS::ApiGateway::UsagePlanKey", {
      KeyType: "API_KEY",
      UsagePlanId: { Ref: logicalIdOf(stack, stack.routes.usagePlan) },
    });
    // API Gateway generates the key's value; it is never in the template.
    template.allResourcesProperties("AWS::ApiGateway::ApiKey", { Value: Match.absent(), Enabled: true });
  });

  it("takes the throttle numbers it is given", () => {
    const { template: custom } = synthApiStack(NO_BUNDLING, { rateLimit: 50, burstLimit: 100 });
    custom.hasResourceProperties("AWS::ApiGateway::UsagePlan", {
      Throttle: { RateLimit: 50, BurstLimit: 100 },
    });
  });

  it("takes the stage's throttle from the context (apiThrottleRate, apiThrottleBurst)", () => {
    const { template: custom } = synthApiStack({
      ...NO_BUNDLING,
      apiThrottleRate: "300",
      apiThrottleBurst: "600",
    });
    custom.hasResourceProperties("AWS::ApiGateway::UsagePlan", {
      Throttle: { RateLimit: 300, BurstLimit: 600 },
    });
  });

  it("is a regional REST API whose stage traces and writes access logs without key values", () => {
    template.hasResourceProperties("AWS::ApiGateway::RestApi", {
      EndpointConfiguration: { Types: ["REGIONAL"] },
      ApiKeySourceType: "HEADER",
    });
    const stages = Object.values(template.findResources("AWS::ApiGateway::Stage"));
    expect(stages).toHaveLength(1);
    const { Properties } = z
      .object({
        Properties: z.looseObject({
          StageName: z.string(),
          TracingEnabled: z.boolean(),
          AccessLogSetting: z.object({ DestinationArn: z.unknown(), Format: z.string() }),
        }),
      })
      .parse(stages[0]);
    expect(Properties.StageName).toBe("dev");
    expect(Properties.TracingEnabled).toBe(true);
    expect(Properties.AccessLogSetting.Format).toContain("$context.identity.apiKeyId");
    expect(Properties.AccessLogSetting.Format).not.toMatch(/\$context\.identity\.apiKey[^I]/);
  });

  it("logs execution errors only, never bodies, into a group it creates first with a retention", () => {
    template.hasResourceProperties("AWS::ApiGateway::Stage", {
      MethodSettings: [
        Match.objectLike({
          HttpMethod: "*",
          ResourcePath: "/*",
          LoggingLevel: "ERROR",
          DataTraceEnabled: false,
        }),
      ],
    });
    template.hasResourceProperties("AWS::Logs::LogGroup", {
      LogGroupName: {
        "Fn::Join": ["", ["API-Gateway-Execution-Logs_", { Ref: Match.anyValue() }, "/dev"]],
      },
      RetentionInDays: 30,
    });
    const stage = Object.values(template.findResources("AWS::ApiGateway::Stage"))[0];
    expect(JSON.stringify(stage?.DependsOn)).toContain("ExecutionLog");
  });

  it("puts a web ACL on the stage unless the stage turns it off", () => {
    template.resourceCountIs("AWS::WAFv2::WebACL", 1);
    template.resourceCountIs("AWS::WAFv2::WebACLAssociation", 1);
    const { template: withoutWaf } = synthApiStack({ ...NO_BUNDLING, waf: { enabled: false } });
    withoutWaf.resourceCountIs("AWS::WAFv2::WebACL", 0);
  });

  it("outputs the invoke URL and the key's id", () => {
    template.hasOutput("ApiUrl", {});
    template.hasOutput("ApiKeyId", { Value: { Ref: logicalIdOf(stack, stack.routes.apiKey) } });
  });
});

describe("ApiRoutes with every route of the table (planned ones included)", () => {
  const { stack, api, routes, operator, template } = synthAllRoutes();
  const methods = methodsByRoute(template);

  it("declares every route as a method with the right auth: API key for clients, IAM for admin", () => {
    expect(methods.size).toBe(routes.length);
    for (const route of routes) expectAuth(methods.get(`${route.method} ${route.path}`), route);
  });

  it("builds one Lambda per handler id; routes sharing a handler share its Lambda", () => {
    const handlerIds = new Set(routes.map((route) => route.handler));
    template.resourceCountIs("AWS::Lambda::Function", handlerIds.size);
    for (const route of routes) {
      const fn = api.functions.get(route.handler);
      if (fn === undefined) throw new Error(`no function for ${route.handler}`);
      expect(JSON.stringify(methods.get(`${route.method} ${route.path}`)?.Integration.Uri)).toContain(
        logicalIdOf(stack, fn.function),
      );
    }
  });

  it("grantAdminInvoke allows execute-api:Invoke on exactly the admin methods of the stage", () => {
    const policies = template.findResources("AWS::IAM::Policy", {
      Properties: { Roles: [{ Ref: logicalIdOf(stack, operator) }] },
    });
    const statements = z
      .array(
        z.object({
          Properties: z.object({ PolicyDocument: z.object({ Statement: z.array(z.looseObject({})) }) }),
        }),
      )
      .parse(Object.values(policies))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({ Action: "execute-api:Invoke", Effect: "Allow" });
    const adminRoutes = routes.filter((route) => route.auth === "admin");
    expect(adminRoutes.length).toBeGreaterThan(0);
    const resources = z
      .array(z.unknown())
      .parse(statements[0]?.Resource)
      .map((arn) => JSON.stringify(arn));
    expect(resources).toHaveLength(adminRoutes.length);
    const stageRef = JSON.stringify({ Ref: logicalIdOf(stack, api.api.deploymentStage) });
    for (const route of adminRoutes) {
      const suffix = `/${route.method}${route.path.replace(/\{[^}]+\}/g, "*")}"`;
      expect(resources.filter((arn) => arn.includes(stageRef) && arn.endsWith(`${suffix}]]}`))).toHaveLength(
        1,
      );
    }
  });
});

describe("ApiRoutes refuses", () => {
  const build = (routes: readonly RouteDefinition[], handlers: Record<string, HandlerDefinition>) => () =>
    new ApiRoutes(new Stack(new App({ context: NO_BUNDLING }), "S", { env: ENV }), "Api", {
      routeTable: { routes, handlers },
      stageName: "test",
      functionEnvironment: { stageName: "test", version: "1" },
    });

  it("a route whose handler module does not exist, naming it", () => {
    // A module no one will write, so the test does not depend on which planned handlers exist yet.
    const missing = { ...HANDLERS.health, entry: "api/no-such-handler.ts" };
    expect(
      build([{ method: "GET", path: "/v1/no-such-route", handler: "missing", auth: "api-key" }], { missing }),
    ).toThrow(/handler "missing": module api\/no-such-handler\.ts does not exist/);
  });

  it("an invalid route table", () => {
    expect(build([...ROUTES, ...ROUTES], HANDLERS)).toThrow(RouteTableError);
  });

  it("options for a handler that no served route uses, naming it", () => {
    const withOptions = () =>
      new ApiRoutes(new Stack(new App({ context: NO_BUNDLING }), "S", { env: ENV }), "Api", {
        routeTable: { routes: ROUTES, handlers: HANDLERS },
        stageName: "test",
        functionEnvironment: { stageName: "test", version: "1" },
        handlerOptions: { "no-such-handler": { grant: () => {} } },
      });
    expect(withOptions).toThrow(/options for handlers no served route uses: no-such-handler/);
  });
});

describe("ApiRoutes handler options", () => {
  it("applies a handler's grant to its function only, after the function exists", () => {
    const app = new App({ context: NO_BUNDLING });
    const stack = new Stack(app, "S", { env: ENV });
    const granted: string[] = [];
    const api = new ApiRoutes(stack, "Api", {
      routeTable: { routes: ROUTES, handlers: HANDLERS },
      stageName: "test",
      functionEnvironment: { stageName: "test", version: "1" },
      handlerOptions: {
        health: {
          grant: (fn) => {
            granted.push(fn.node.path);
            fn.addEnvironment("FLYWHEEL_PROBE", "granted");
          },
        },
      },
    });
    const health = api.functions.get("health");
    expect(granted).toEqual([health?.node.path]);
    Template.fromStack(stack).hasResourceProperties("AWS::Lambda::Function", {
      Environment: { Variables: Match.objectLike({ FLYWHEEL_PROBE: "granted" }) },
    });
  });
});

describe("ApiStack with provisioned concurrency (apiProvisionedConcurrency)", () => {
  const { stack, template } = synthApiStack({
    ...NO_BUNDLING,
    apiProvisionedConcurrency: '{"recommendations": 3, "similar-items": 1}',
  });
  const methods = methodsByRoute(template);
  const aliases = template.findResources("AWS::Lambda::Alias");

  it("keeps that many environments initialized on a live alias of each named function's current version", () => {
    expect(Object.keys(aliases)).toHaveLength(2);
    for (const [handler, environments] of [
      ["recommendations", 3],
      ["similar-items", 1],
    ] as const) {
      const fn = stack.routes.functions.get(handler);
      if (fn === undefined) throw new Error(`no ${handler} function`);
      template.hasResourceProperties("AWS::Lambda::Alias", {
        Name: "live",
        FunctionName: { Ref: logicalIdOf(stack, fn.function) },
        FunctionVersion: { "Fn::GetAtt": [Match.stringLikeRegexp("Version"), "Version"] },
        ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: environments },
      });
    }
  });

  it("invokes the alias from the named handlers' routes and the function itself from the others", () => {
    const aliasIds = Object.keys(aliases);
    for (const route of ROUTES) {
      const uri = JSON.stringify(methods.get(`${route.method} ${route.path}`)?.Integration.Uri);
      const throughAlias = aliasIds.some((id) => uri.includes(`"${id}"`));
      expect(throughAlias, `${route.method} ${route.path}`).toBe(
        route.handler === "recommendations" || route.handler === "similar-items",
      );
    }
  });

  it("lets the methods invoke the alias, not the unqualified function, for the named handlers", () => {
    const permissions = Object.values(template.findResources("AWS::Lambda::Permission"));
    expect(permissions).toHaveLength(ROUTES.length);
    const onAliases = permissions.filter((permission) =>
      Object.keys(aliases).some((id) => JSON.stringify(permission).includes(`"${id}"`)),
    );
    expect(onAliases).toHaveLength(
      ROUTES.filter((route) => route.handler === "recommendations" || route.handler === "similar-items")
        .length,
    );
  });

  it("gives no other function an alias or a version", () => {
    const { template: plain } = synthApiStack(NO_BUNDLING);
    plain.resourceCountIs("AWS::Lambda::Alias", 0);
    plain.resourceCountIs("AWS::Lambda::Version", 0);
    template.resourceCountIs("AWS::Lambda::Version", 2);
  });

  it("refuses provisioned concurrency for a handler no served route uses", () => {
    const build = () =>
      new ApiRoutes(new Stack(new App({ context: NO_BUNDLING }), "S", { env: ENV }), "Api", {
        routeTable: { routes: ROUTES, handlers: HANDLERS },
        stageName: "test",
        functionEnvironment: { stageName: "test", version: "1" },
        provisionedConcurrency: { "no-such-handler": 2 },
      });
    expect(build).toThrow(/options for handlers no served route uses: no-such-handler/);
  });
});
