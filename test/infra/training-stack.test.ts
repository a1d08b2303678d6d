import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { App, type CfnElement, type Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { pipelineDependenciesFromEnvironment } from "../../functions/pipeline/pipeline-dependencies-from-environment.ts";
import type { FlywheelFunction } from "../../infra/constructs/flywheel-function.ts";
import type { DataStack } from "../../infra/stacks/data-stack.ts";
import { VECTOR_INDEX_WRITE_ACTIONS } from "../../infra/stacks/search-stack.ts";
import {
  definitionPlaceholders,
  PIPELINE_STEPS,
  type PipelineStep,
  TrainingStack,
} from "../../infra/stacks/training-stack.ts";
import { TABLE_ACCESS_ACTIONS } from "../../layers/adapters/aws/dynamodb/table-access-actions.ts";
import type { TableKey } from "../../layers/adapters/aws/dynamodb/table-definitions.ts";
import { deployedValue, joinedText } from "./template-values.ts";
import { ENV, NO_BUNDLING, upstreamStacks } from "./upstream-stacks.ts";

// Fine-grained assertions on the training stack as app.ts composes it: the definition and every
// substitution, the pipeline Lambdas (handlers, placement, least-privilege grants), the Spark job role and
// code, the schedule, the state machine's role, logging and alarms. esbuild is skipped: only templates are
// read. No whole-template snapshot.

const REPOSITORY_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DEFINITION_PATH = join(REPOSITORY_ROOT, "state-machines", "nightly-training.asl.json");
const PIPELINE_HANDLERS_PATH = join(REPOSITORY_ROOT, "functions", "pipeline", "pipeline-handlers.ts");
const STEPS = Object.keys(PIPELINE_STEPS) as PipelineStep[];
/** `${name}`: a placeholder of the definition, which CloudFormation's DefinitionSubstitutions replaces. */
const placeholder = (name: string) => `\${${name}}`;

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
  const template = Template.fromStack(training);
  return { app, stage, data, ingest, search, training, template };
}

function logicalIdOf(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

const StatementSchema = z.looseObject({
  Effect: z.string(),
  Action: z.union([z.string(), z.array(z.string())]),
  Resource: z.unknown(),
  Condition: z.unknown().optional(),
});
type Statement = z.infer<typeof StatementSchema>;
const PolicySchema = z.object({
  Properties: z.looseObject({
    PolicyDocument: z.object({ Statement: z.array(StatementSchema) }),
    Roles: z.array(z.object({ Ref: z.string() })),
  }),
});
const TrustStatementSchema = z.looseObject({
  Action: z.string(),
  Principal: z.unknown(),
  Condition: z.unknown().optional(),
});
const RoleSchema = z.object({
  Properties: z.looseObject({
    AssumeRolePolicyDocument: z.object({ Statement: z.array(TrustStatementSchema) }),
  }),
});
const FunctionSchema = z.object({
  Properties: z.looseObject({
    Handler: z.string(),
    MemorySize: z.number(),
    Timeout: z.number(),
    Environment: z.object({ Variables: z.record(z.string(), z.unknown()) }),
    VpcConfig: z.unknown().optional(),
  }),
});
const StateMachineSchema = z.object({
  Properties: z.looseObject({
    DefinitionString: z.string(),
    DefinitionSubstitutions: z.record(z.string(), z.unknown()),
    StateMachineName: z.string(),
    LoggingConfiguration: z.looseObject({ Level: z.string(), IncludeExecutionData: z.boolean() }),
    TracingConfiguration: z.object({ Enabled: z.boolean() }),
  }),
});
const ScheduleSchema = z.object({
  Properties: z.looseObject({
    ScheduleExpression: z.string(),
    ScheduleExpressionTimezone: z.string(),
    State: z.string(),
    Target: z.looseObject({
      Arn: z.unknown(),
      Input: z.string(),
      RoleArn: z.unknown(),
      DeadLetterConfig: z.object({ Arn: z.unknown() }),
      RetryPolicy: z.object({ MaximumRetryAttempts: z.number(), MaximumEventAgeInSeconds: z.number() }),
    }),
  }),
});
const GetAttSchema = z.object({ "Fn::GetAtt": z.tuple([z.string(), z.string()]) });

const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];
const resourcesOf = (statement: Statement): unknown[] =>
  Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
const sorted = (values: Iterable<string>) => [...values].sort();

function helpers(template: Template, training: TrainingStack) {
  const resources = template.toJSON().Resources as Record<string, unknown>;
  const statementsOfRole = (roleLogicalId: string): Statement[] =>
    Object.values(template.findResources("AWS::IAM::Policy"))
      .map((policy) => PolicySchema.parse(policy).Properties)
      .filter((properties) => properties.Roles.some((ref) => ref.Ref === roleLogicalId))
      .flatMap((properties) => properties.PolicyDocument.Statement);
  const roleIdOf = (fn: FlywheelFunction): string => {
    const role = fn.function.role;
    if (role === undefined) throw new Error("the function has no role");
    return logicalIdOf(training, role);
  };
  const functionProperties = (fn: FlywheelFunction) =>
    FunctionSchema.parse(resources[logicalIdOf(training, fn.function)]).Properties;
  const stateMachine = StateMachineSchema.parse(
    resources[logicalIdOf(training, training.stateMachine)],
  ).Properties;
  return { resources, statementsOfRole, roleIdOf, functionProperties, stateMachine };
}

/**
 * What a role may do with the stage's data, keyed the way the grants are meant: DynamoDB actions per table,
 * S3 object actions per key pattern of the artifact bucket and bucket actions under `bucket`, es actions.
 */
function dataAccessOf(statements: readonly Statement[], data: DataStack) {
  const tableKeys = Object.keys(data.tables) as TableKey[];
  const bucketId = logicalIdOf(data, data.artifactBucket);
  const dynamodb: Partial<Record<TableKey, string[]>> = {};
  const s3: Record<string, string[]> = {};
  const es: string[] = [];
  for (const statement of statements) {
    for (const action of actionsOf(statement)) {
      for (const resource of resourcesOf(statement)) {
        const text = joinedText(resource);
        if (action.startsWith("dynamodb:")) {
          const key = tableKeys.find((tableKey) =>
            text.includes(logicalIdOf(data, data.tables[tableKey].table)),
          );
          if (key === undefined) throw new Error(`DynamoDB action on an unknown resource: ${text}`);
          dynamodb[key] = sorted(new Set([...(dynamodb[key] ?? []), action]));
        } else if (action.startsWith("s3:") && text.includes(bucketId)) {
          // IAM applies bucket actions to the bucket and object actions to objects: file each accordingly.
          const pattern = text.match(/\}\/(.+)$/)?.[1];
          const isBucketAction = action === "s3:ListBucket";
          if (isBucketAction !== (pattern === undefined)) continue;
          const scope = pattern ?? "bucket";
          s3[scope] = sorted(new Set([...(s3[scope] ?? []), action]));
        } else if (action.startsWith("es:")) {
          if (!es.includes(action)) es.push(action);
        }
      }
    }
  }
  return { dynamodb, s3, es: es.sort() };
}

describe("TrainingStack (dev)", () => {
  const { app, data, ingest, search, training, template } = synth();
  const { resources, statementsOfRole, roleIdOf, functionProperties, stateMachine } = helpers(
    template,
    training,
  );
  const alarmTopicImport = {
    "Fn::ImportValue": Match.stringLikeRegexp(logicalIdOf(ingest, ingest.alarmTopic)),
  };

  it("inlines the definition file and substitutes every placeholder in it, and nothing else", () => {
    const file = readFileSync(DEFINITION_PATH, "utf8");
    expect(stateMachine.DefinitionString).toBe(file);
    const placeholders = [...file.matchAll(/\$\{([^}]*)\}/g)].map((match) => match[1] ?? "");
    expect(placeholders.length).toBeGreaterThan(0);
    expect(sorted(Object.keys(stateMachine.DefinitionSubstitutions))).toEqual(sorted(new Set(placeholders)));
    for (const [name, value] of Object.entries(stateMachine.DefinitionSubstitutions)) {
      // A value is a literal or one of our references, never text that still holds a placeholder.
      expect(joinedText(value), name).not.toMatch(/\$\{/);
      expect(joinedText(value), name).not.toBe("");
    }
  });

  it("refuses to synthesize a definition with a placeholder the stack does not fill", () => {
    const directory = mkdtempSync(join(tmpdir(), "flywheel-definition-"));
    try {
      const definitionPath = join(directory, "nightly.asl.json");
      const file = readFileSync(DEFINITION_PATH, "utf8");
      writeFileSync(
        definitionPath,
        file.replace(placeholder("AlarmTopicArn"), placeholder("OnCallTopicArn")),
      );
      const other = new App({ context: NO_BUNDLING });
      const { stage, functionEnvironment, data, network, ingest, search } = upstreamStacks(other);
      expect(
        () =>
          new TrainingStack(other, "Training", {
            env: ENV,
            stage,
            data,
            network,
            search,
            alarmTopic: ingest.alarmTopic,
            functionEnvironment,
            definitionPath,
          }),
      ).toThrow(/no value for \["OnCallTopicArn"\], unused \["AlarmTopicArn"\]/);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
    const sample = JSON.stringify({
      a: placeholder("X"),
      b: placeholder("Y"),
      c: placeholder("X"),
      d: "$.x",
    });
    expect(definitionPlaceholders(sample)).toEqual(["X", "Y"]);
  });

  it("runs each Lambda-backed state on a function whose handler is that state's export of the pipeline module", () => {
    const exports = [
      ...readFileSync(PIPELINE_HANDLERS_PATH, "utf8").matchAll(/^export const (\w+)\s*=/gm),
    ].map((match) => match[1] ?? "");
    expect(sorted(exports)).toEqual(sorted(STEPS));
    for (const step of STEPS) {
      const substitution = stateMachine.DefinitionSubstitutions[`${PIPELINE_STEPS[step]}FunctionArn`];
      const [logicalId, attribute] = GetAttSchema.parse(substitution)["Fn::GetAtt"];
      expect(attribute).toBe("Arn");
      expect(FunctionSchema.parse(resources[logicalId]).Properties.Handler, step).toBe(`index.${step}`);
    }
  });

  it("places every pipeline Lambda in the VPC and sizes it per step", () => {
    const sizes = Object.fromEntries(
      STEPS.map((step) => {
        const properties = functionProperties(training.pipelineFunctions[step]);
        expect(properties.VpcConfig, step).toBeDefined();
        return [step, { memory: properties.MemorySize, timeout: properties.Timeout }];
      }),
    );
    expect(sizes).toEqual({
      prepareData: { memory: 4096, timeout: 900 },
      train: { memory: 10_240, timeout: 900 },
      evaluate: { memory: 4096, timeout: 900 },
      reject: { memory: 512, timeout: 60 },
      refreshVectors: { memory: 2048, timeout: 900 },
      planBatchRecs: { memory: 4096, timeout: 900 },
      publishBatchFile: { memory: 2048, timeout: 300 },
      registerModel: { memory: 512, timeout: 120 },
      markFailed: { memory: 512, timeout: 120 },
    });
  });

  it("gives every pipeline Lambda the configuration the shared module reads at cold start", () => {
    for (const step of STEPS) {
      const variables = functionProperties(training.pipelineFunctions[step]).Environment.Variables;
      // Resource names are references here; the module only checks that each is set.
      const environment: NodeJS.ProcessEnv = { AWS_REGION: ENV.region };
      for (const [name, value] of Object.entries(variables)) environment[name] = deployedValue(value, ENV);
      expect(() => pipelineDependenciesFromEnvironment(environment), step).not.toThrow();
      expect(variables.FLYWHEEL_OPENSEARCH_AUTH, step).toBe("sigv4");
    }
  });

  it("grants each pipeline Lambda exactly what its step does", () => {
    const read = (key: TableKey) => sorted(TABLE_ACCESS_ACTIONS[key].read);
    const readWrite = (key: TableKey) => sorted(TABLE_ACCESS_ACTIONS[key]["read-write"]);
    const get = ["s3:GetObject"];
    const put = ["s3:AbortMultipartUpload", "s3:PutObject"];
    const list = { bucket: ["s3:ListBucket"] };
    const esWrite = sorted(VECTOR_INDEX_WRITE_ACTIONS);
    const expected: Record<PipelineStep, ReturnType<typeof dataAccessOf>> = {
      prepareData: {
        dynamodb: {
          modelRegistry: read("modelRegistry"),
          interactions: sorted([...read("interactions"), "dynamodb:Scan"]),
        },
        s3: { "events/*": get, "pipeline-runs/*": sorted([...get, ...put]), ...list },
        es: [],
      },
      train: {
        dynamodb: {},
        s3: { "pipeline-runs/*": get, "models/*": sorted([...get, ...put, "s3:DeleteObject"]), ...list },
        es: [],
      },
      evaluate: {
        dynamodb: { modelRegistry: readWrite("modelRegistry") },
        s3: { "pipeline-runs/*": get, "models/*": get, ...list },
        es: [],
      },
      reject: { dynamodb: { modelRegistry: readWrite("modelRegistry") }, s3: {}, es: [] },
      refreshVectors: {
        dynamodb: { catalog: read("catalog") },
        s3: { "models/*": get, ...list },
        es: esWrite,
      },
      planBatchRecs: { dynamodb: {}, s3: { "pipeline-runs/*": sorted([...get, ...put]), ...list }, es: [] },
      publishBatchFile: {
        dynamodb: { batchRecommendations: readWrite("batchRecommendations") },
        s3: { "pipeline-runs/*": get, "models/*": get, ...list },
        es: [],
      },
      registerModel: { dynamodb: { modelRegistry: readWrite("modelRegistry") }, s3: {}, es: esWrite },
      markFailed: {
        dynamodb: { modelRegistry: read("modelRegistry") },
        s3: { "pipeline-runs/*": put },
        es: esWrite,
      },
    };
    for (const step of STEPS) {
      const statements = statementsOfRole(roleIdOf(training.pipelineFunctions[step]));
      expect(dataAccessOf(statements, data), step).toEqual(expected[step]);
    }
  });

  it("grants the pipeline Lambdas no wildcard action on data, and `*` resources for tracing and network interfaces only", () => {
    for (const step of STEPS) {
      const statements = statementsOfRole(roleIdOf(training.pipelineFunctions[step]));
      const actions = statements.flatMap(actionsOf);
      expect(
        actions.filter((action) => action === "*" || action.endsWith(":*")),
        step,
      ).toEqual([]);
      expect(
        actions.filter((action) => /^(dynamodb|s3|es):.*\*/.test(action)),
        step,
      ).toEqual([]);
      for (const statement of statements.filter((candidate) => resourcesOf(candidate).includes("*"))) {
        for (const action of actionsOf(statement)) {
          expect(action, step).toMatch(
            /^(xray:|ec2:.*NetworkInterface|ec2:.*PrivateIpAddresses$|ec2:DescribeSubnets$)/,
          );
        }
      }
    }
  });

  it("opens the OpenSearch domain to the steps that use it, and to no other", () => {
    const ingress = Object.values(template.findResources("AWS::EC2::SecurityGroupIngress")).map((rule) =>
      JSON.stringify(rule),
    );
    const searchGroup = logicalIdOf(search, search.domainSecurityGroup);
    for (const step of STEPS) {
      const [group] = training.pipelineFunctions[step].function.connections.securityGroups;
      if (group === undefined) throw new Error(`${step} has no security group`);
      const opened = ingress.some(
        (rule) => rule.includes(searchGroup) && rule.includes(`"${logicalIdOf(training, group)}"`),
      );
      expect(opened, step).toBe(["refreshVectors", "registerModel", "markFailed"].includes(step));
    }
  });

  it("logs every execution with its data in dev, and traces it", () => {
    expect(stateMachine.StateMachineName).toBe("flywheel-dev-nightly-training");
    expect(stateMachine.LoggingConfiguration).toMatchObject({ Level: "ALL", IncludeExecutionData: true });
    expect(stateMachine.TracingConfiguration.Enabled).toBe(true);
    template.hasResourceProperties("AWS::Logs::LogGroup", {
      LogGroupName: "/aws/vendedlogs/states/flywheel-dev-nightly-training",
      RetentionInDays: 30,
    });
  });

  it("starts a run at 02:00 UTC with the stage's trainer and quality gate, no runId, retried, with a DLQ", () => {
    const [schedule, ...others] = Object.values(template.findResources("AWS::Scheduler::Schedule"));
    expect(others).toEqual([]);
    const { Properties } = ScheduleSchema.parse(schedule);
    expect(Properties).toMatchObject({
      ScheduleExpression: "cron(0 2 * * ? *)",
      ScheduleExpressionTimezone: "Etc/UTC",
      State: "ENABLED",
    });
    expect(JSON.parse(Properties.Target.Input)).toEqual({
      trainer: "embedded",
      qualityGate: { maxNdcgDrop: 0.02 },
    });
    expect(Properties.Target.Arn).toEqual({ Ref: logicalIdOf(training, training.stateMachine) });
    expect(Properties.Target.DeadLetterConfig.Arn).toEqual({
      "Fn::GetAtt": [logicalIdOf(training, training.scheduleDeadLetterQueue), "Arn"],
    });
    expect(Properties.Target.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
    // The schedule's own role may start this state machine and send to its dead-letter queue, nothing else.
    const roleId = GetAttSchema.parse(Properties.Target.RoleArn)["Fn::GetAtt"][0];
    const statements = statementsOfRole(roleId);
    expect(sorted(statements.flatMap(actionsOf))).toEqual(["sqs:SendMessage", "states:StartExecution"]);
    const trust = RoleSchema.parse(resources[roleId]).Properties.AssumeRolePolicyDocument.Statement;
    expect(trust).toEqual([
      expect.objectContaining({
        Principal: { Service: "scheduler.amazonaws.com" },
        Condition: { StringEquals: expect.objectContaining({ "aws:SourceAccount": ENV.account }) },
      }),
    ]);
  });

  it("runs Spark 3.5 on an EMR 7 application that starts on demand, stops when idle, within the stage's ceiling", () => {
    template.hasResourceProperties("AWS::EMRServerless::Application", {
      Type: "SPARK",
      ReleaseLabel: "emr-7.5.0",
      AutoStartConfiguration: { Enabled: true },
      AutoStopConfiguration: { Enabled: true, IdleTimeoutMinutes: 15 },
      MaximumCapacity: { Cpu: "16 vCPU", Memory: "64 GB" },
      MonitoringConfiguration: {
        CloudWatchLoggingConfiguration: { Enabled: true, LogGroupName: { Ref: Match.anyValue() } },
      },
    });
  });

  it("ships the Spark code as assets: the entry point, a zip with flywheel_spark/ at its root, the event weights", () => {
    const entryPoint = joinedText(stateMachine.DefinitionSubstitutions.SparkEntryPoint);
    expect(entryPoint).toMatch(/^s3:\/\/cdk-[a-z0-9]+-assets-123456789012-eu-west-1\/[0-9a-f]{64}\.py$/);
    const parameters = joinedText(stateMachine.DefinitionSubstitutions.SparkSubmitParameters);
    const codeBucket = logicalIdOf(training, training.sparkCodeBucket);
    const zipHash = parameters.match(
      /--py-files s3:\/\/cdk-[a-z0-9]+-assets-[0-9a-z-]+\/([0-9a-f]{64})\.zip /,
    )?.[1];
    expect(zipHash).toBeDefined();
    expect(parameters).toContain(`--files s3://{{"Ref":"${codeBucket}"}}/spark/event-weights.json `);
    for (const conf of [
      "spark.executor.cores=4",
      "spark.executor.memory=8g",
      "spark.driver.cores=2",
      "spark.driver.memory=4g",
      "spark.dynamicAllocation.maxExecutors=2",
    ]) {
      expect(parameters).toContain(`--conf ${conf}`);
    }
    // The staged package: the package folder at the root, its modules in it, no tests.
    const staged = join(app.outdir, `asset.${zipHash}`);
    expect(existsSync(join(staged, "flywheel_spark", "train_als.py"))).toBe(true);
    expect(existsSync(join(staged, "flywheel_spark", "__init__.py"))).toBe(true);
    expect(existsSync(join(staged, "tests"))).toBe(false);
    expect(existsSync(join(staged, "README.md"))).toBe(false);
  });

  it("lets the Spark job role read the archive and runs, write runs and models, read its code, and log", () => {
    const roleId = logicalIdOf(training, training.sparkJobRole);
    const trust = RoleSchema.parse(resources[roleId]).Properties.AssumeRolePolicyDocument.Statement;
    expect(trust).toEqual([
      expect.objectContaining({
        Principal: { Service: "emr-serverless.amazonaws.com" },
        Condition: {
          StringEquals: { "aws:SourceAccount": ENV.account },
          ArnLike: {
            "aws:SourceArn": expect.arrayContaining([{ "Fn::GetAtt": ["SparkApplication", "Arn"] }]),
          },
        },
      }),
    ]);
    const statements = statementsOfRole(roleId);
    const objectWrites = ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"];
    expect(dataAccessOf(statements, data)).toEqual({
      dynamodb: {},
      s3: {
        "events/*": ["s3:GetObject"],
        "pipeline-runs/*": objectWrites,
        "models/*": objectWrites,
        bucket: ["s3:ListBucket"],
      },
      es: [],
    });
    const actions = statements.flatMap(actionsOf);
    expect(
      actions.filter((action) => action === "s3:*" || action === "*" || /^s3:.*\*/.test(action)),
    ).toEqual([]);
    for (const statement of statements) expect(resourcesOf(statement)).not.toContain("*");
    // Its code: exactly three objects, nothing else of the CDK asset bucket.
    const code = statements.filter((statement) => statement.Sid === "SparkCode");
    expect(code).toHaveLength(1);
    expect(actionsOf(code[0] as Statement)).toEqual(["s3:GetObject"]);
    const codeObjects = resourcesOf(code[0] as Statement).map(joinedText);
    expect(codeObjects).toHaveLength(3);
    expect(codeObjects.filter((arn) => /cdk-.*-assets-.*\/[0-9a-f]{64}\.(py|zip)$/.test(arn))).toHaveLength(
      2,
    );
    expect(codeObjects.filter((arn) => arn.endsWith("/spark/event-weights.json"))).toHaveLength(1);
    // The data key: decrypt what it reads, generate keys for what it writes.
    expect(sorted(new Set(actions.filter((action) => action.startsWith("kms:"))))).toEqual([
      "kms:Decrypt",
      "kms:GenerateDataKey",
    ]);
    expect(actions).toEqual(expect.arrayContaining(["logs:CreateLogStream", "logs:PutLogEvents"]));
  });

  describe("the state machine's role", () => {
    const roleId = GetAttSchema.parse(
      StateMachineSchema.parse(resources[logicalIdOf(training, training.stateMachine)]).Properties.RoleArn,
    )["Fn::GetAtt"][0];
    const statements = statementsOfRole(roleId);
    const withAction = (action: string) =>
      statements.filter((statement) => actionsOf(statement).includes(action));

    it("invokes exactly the pipeline Lambdas", () => {
      const invoke = withAction("lambda:InvokeFunction");
      expect(invoke).toHaveLength(1);
      expect(sorted(resourcesOf(invoke[0] as Statement).map((resource) => JSON.stringify(resource)))).toEqual(
        sorted(
          STEPS.map((step) =>
            JSON.stringify({
              "Fn::GetAtt": [logicalIdOf(training, training.pipelineFunctions[step].function), "Arn"],
            }),
          ),
        ),
      );
    });

    it("publishes to the notification topic and the ingest stack's alarm topic", () => {
      const publish = withAction("sns:Publish").flatMap(resourcesOf);
      expect(publish).toHaveLength(2);
      expect(publish).toEqual(
        expect.arrayContaining([
          { Ref: logicalIdOf(training, training.notificationTopic) },
          { "Fn::ImportValue": expect.stringContaining(logicalIdOf(ingest, ingest.alarmTopic)) },
        ]),
      );
    });

    it("runs the Spark job with .sync on its application only, and passes the job role to EMR Serverless only", () => {
      const application = { "Fn::GetAtt": ["SparkApplication", "Arn"] };
      expect(withAction("emr-serverless:StartJobRun").flatMap(resourcesOf)).toEqual([application]);
      for (const action of ["emr-serverless:GetJobRun", "emr-serverless:CancelJobRun"]) {
        expect(withAction(action).flatMap(resourcesOf).map(joinedText)).toEqual([
          `{${JSON.stringify(application)}}/jobruns/*`,
        ]);
      }
      const rule = withAction("events:PutRule");
      expect(sorted(actionsOf(rule[0] as Statement))).toEqual([
        "events:DescribeRule",
        "events:PutRule",
        "events:PutTargets",
      ]);
      expect(resourcesOf(rule[0] as Statement).map(joinedText)).toEqual([
        expect.stringMatching(
          /:events:eu-west-1:123456789012:rule\/StepFunctionsGetEventsForEMRServerlessJobRule$/,
        ),
      ]);
      const passRole = withAction("iam:PassRole");
      expect(passRole).toHaveLength(1);
      expect(passRole[0]).toMatchObject({
        Action: "iam:PassRole",
        Resource: { "Fn::GetAtt": [logicalIdOf(training, training.sparkJobRole), "Arn"] },
        Condition: { StringEquals: { "iam:PassedToService": "emr-serverless.amazonaws.com" } },
      });
      // No other role of the stack may pass roles.
      const passers = Object.values(template.findResources("AWS::IAM::Policy")).filter((policy) =>
        JSON.stringify(policy).includes("iam:PassRole"),
      );
      expect(passers).toHaveLength(1);
    });

    it("starts and follows the Distributed Map's child executions of itself, named without a reference to itself", () => {
      const start = withAction("states:StartExecution").flatMap(resourcesOf).map(joinedText);
      expect(start).toEqual([
        expect.stringMatching(/:states:eu-west-1:123456789012:stateMachine:flywheel-dev-nightly-training$/),
      ]);
      const follow = withAction("states:DescribeExecution");
      expect(sorted(actionsOf(follow[0] as Statement))).toEqual([
        "states:DescribeExecution",
        "states:StopExecution",
      ]);
      expect(sorted(resourcesOf(follow[0] as Statement).map(joinedText))).toEqual([
        expect.stringMatching(/:execution:flywheel-dev-nightly-training\/\*$/),
        expect.stringMatching(/:execution:flywheel-dev-nightly-training:\*$/),
      ]);
    });

    it("has `*` resources only for log delivery and tracing, as Step Functions requires", () => {
      for (const statement of statements.filter((candidate) => resourcesOf(candidate).includes("*"))) {
        expect(
          actionsOf(statement).every((action) => /^(logs|xray):/.test(action)),
          JSON.stringify(statement),
        ).toBe(true);
      }
    });
  });

  it("alarms on failed, timed-out and aborted runs, a start the schedule gave up on, and Lambda errors", () => {
    const alarms = Object.values(template.findResources("AWS::CloudWatch::Alarm"));
    const stateMachineRef = { Ref: logicalIdOf(training, training.stateMachine) };
    for (const metricName of ["ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"]) {
      template.hasResourceProperties("AWS::CloudWatch::Alarm", {
        Namespace: "AWS/States",
        MetricName: metricName,
        Dimensions: [{ Name: "StateMachineArn", Value: stateMachineRef }],
        Threshold: 0,
        ComparisonOperator: "GreaterThanThreshold",
        AlarmActions: [alarmTopicImport],
      });
    }
    for (const step of STEPS) {
      template.hasResourceProperties("AWS::CloudWatch::Alarm", {
        Namespace: "AWS/Lambda",
        MetricName: "Errors",
        Dimensions: [
          {
            Name: "FunctionName",
            Value: { Ref: logicalIdOf(training, training.pipelineFunctions[step].function) },
          },
        ],
        AlarmActions: [alarmTopicImport],
      });
    }
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/SQS",
      MetricName: "ApproximateNumberOfMessagesVisible",
      AlarmActions: [alarmTopicImport],
    });
    expect(alarms).toHaveLength(3 + STEPS.length + 1);
  });

  it("creates the notification topic with TLS enforced, like the ingest stack's alarm topic", () => {
    template.resourceCountIs("AWS::SNS::Topic", 1);
    template.hasResourceProperties("AWS::SNS::TopicPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
        ]),
      },
    });
  });

  it("names the state machine for the admin API by an ARN that needs no export", () => {
    expect(joinedText(training.resolve(training.stateMachineArn))).toMatch(
      /^arn:\{\{"Ref":"AWS::Partition"\}\}:states:eu-west-1:123456789012:stateMachine:flywheel-dev-nightly-training$/,
    );
  });
});

describe("TrainingStack (prod, with overrides)", () => {
  const { training, template } = synth({
    stage: "prod",
    trainingScheduleEnabled: "false",
    trainingSchedule: "cron(30 3 * * ? *)",
    trainingEmrMaxVcpu: "64",
    trainingLogRetentionDays: "180",
    trainingMaxNdcgDrop: "0.05",
  });
  const { stateMachine } = helpers(template, training);

  it("trains on Spark, keeps the schedule but disabled at the configured time, with the configured gate", () => {
    const { Properties } = ScheduleSchema.parse(
      Object.values(template.findResources("AWS::Scheduler::Schedule"))[0],
    );
    expect(Properties).toMatchObject({ ScheduleExpression: "cron(30 3 * * ? *)", State: "DISABLED" });
    expect(JSON.parse(Properties.Target.Input)).toEqual({
      trainer: "spark",
      qualityGate: { maxNdcgDrop: 0.05 },
    });
  });

  it("logs every transition, without execution data, kept as configured, under the data key", () => {
    expect(stateMachine.StateMachineName).toBe("flywheel-prod-nightly-training");
    expect(stateMachine.LoggingConfiguration).toMatchObject({ Level: "ALL", IncludeExecutionData: false });
    expect(stateMachine.TracingConfiguration.Enabled).toBe(true);
    template.hasResource("AWS::Logs::LogGroup", {
      Properties: {
        LogGroupName: "/aws/vendedlogs/states/flywheel-prod-nightly-training",
        RetentionInDays: 180,
        KmsKeyId: Match.anyValue(),
      },
      DeletionPolicy: "Retain",
    });
  });

  it("sizes Spark and the application for production, with the configured ceiling", () => {
    template.hasResourceProperties("AWS::EMRServerless::Application", {
      MaximumCapacity: { Cpu: "64 vCPU", Memory: "512 GB" },
    });
    const parameters = joinedText(stateMachine.DefinitionSubstitutions.SparkSubmitParameters);
    expect(parameters).toContain("--conf spark.executor.memory=16g");
    expect(parameters).toContain("--conf spark.dynamicAllocation.maxExecutors=20");
    template.hasResourceProperties("AWS::Lambda::Function", { Handler: "index.evaluate", MemorySize: 8192 });
  });
});
