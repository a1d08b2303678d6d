import { App, type CfnElement, Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { HANDLERS, PLANNED_HANDLERS, ROUTES, type RouteDefinition } from "../../functions/api/route-table.ts";
import { ARTIFACT_BUCKET_DEFINITION } from "../../infra/config/data-resource-definitions.ts";
import { readStageConfig } from "../../infra/config/stage-config.ts";
import { ApiRoutes } from "../../infra/constructs/api-routes.ts";
import type { FlywheelFunction } from "../../infra/constructs/flywheel-function.ts";
import { DataStack } from "../../infra/stacks/data-stack.ts";
import { IngestStack } from "../../infra/stacks/ingest-stack.ts";
import { NetworkStack } from "../../infra/stacks/network-stack.ts";
import { TABLE_ACCESS_ACTIONS } from "../../layers/adapters/aws/dynamodb/table-access-actions.ts";

// Fine-grained assertions on the ingest stack: the event-source mappings of the stream and archive Lambdas,
// their grants, the alarms, and the MSK option. The handler modules are the real ones; esbuild is skipped
// because only the templates are inspected. No whole-template snapshot.

const ENV = { account: "123456789012", region: "eu-west-1" };
const NO_BUNDLING = { "aws:cdk:bundling-stacks": [] };
const SERVED_ROUTES: readonly RouteDefinition[] = ROUTES;
/** The events handler, wherever the route table keeps it (PLANNED_HANDLERS until its route is served). */
const EVENTS_HANDLER = { ...PLANNED_HANDLERS, ...HANDLERS }.events;

/** The whole streaming side as app.ts composes it, plus an API with the events route and its grants. */
function synth(context: Record<string, unknown> = {}) {
  const app = new App({ context: { ...NO_BUNDLING, ...context } });
  const stage = readStageConfig(app.node);
  const data = new DataStack(app, "Data", { env: ENV, stage });
  const network = new NetworkStack(app, "Network", { env: ENV, stage, encryptionKey: data.encryptionKey });
  network.addStackDependency(data);
  const ingest = new IngestStack(app, "Ingest", {
    env: ENV,
    stage,
    data,
    network,
    functionEnvironment: { stageName: stage.stageName, version: "1.2.3" },
  });
  ingest.addStackDependency(network);
  const apiStack = new Stack(app, "Api", { env: ENV });
  apiStack.addStackDependency(ingest);
  const api = new ApiRoutes(apiStack, "Api", {
    routeTable: {
      routes: [
        ...SERVED_ROUTES.filter((route) => route.handler !== "events"),
        { method: "POST", path: "/v1/events", handler: "events", auth: "api-key" },
      ],
      handlers: { ...HANDLERS, events: EVENTS_HANDLER },
    },
    stageName: stage.stageName,
    functionEnvironment: { stageName: stage.stageName, version: "1.2.3" },
    handlerOptions: {
      events: {
        ...(stage.eventBus.kind === "msk" ? { network: network.functionPlacement } : {}),
        grant: (fn) => ingest.grantEventPublish(fn),
      },
    },
  });
  const eventsFunction = api.functions.get("events");
  if (eventsFunction === undefined) throw new Error("no events function");
  return {
    data,
    network,
    ingest,
    apiStack,
    eventsFunction,
    template: Template.fromStack(ingest),
    apiTemplate: Template.fromStack(apiStack),
  };
}

function logicalIdOf(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

/** `{ "Fn::ImportValue": "…<logical id>…" }`, a reference to another stack's resource, for Template matchers. */
const importOf = (logicalId: string) => ({ "Fn::ImportValue": Match.stringLikeRegexp(logicalId) });
/** The same, for vitest's matchers. */
const importLike = (logicalId: string) => ({ "Fn::ImportValue": expect.stringContaining(logicalId) });

const StatementSchema = z.looseObject({
  Effect: z.string(),
  Action: z.union([z.string(), z.array(z.string())]),
  Resource: z.unknown(),
});
type Statement = z.infer<typeof StatementSchema>;
const PolicySchema = z.object({
  Properties: z.looseObject({
    PolicyDocument: z.object({ Statement: z.array(StatementSchema) }),
    Roles: z.array(z.object({ Ref: z.string() })),
  }),
});

/** Every statement of the inline policies attached to this function's role. */
function statementsOf(template: Template, stack: Stack, fn: FlywheelFunction): Statement[] {
  const role = fn.function.role;
  if (role === undefined) throw new Error("the function has no role");
  const roleId = logicalIdOf(stack, role);
  return Object.values(template.findResources("AWS::IAM::Policy"))
    .map((policy) => PolicySchema.parse(policy).Properties)
    .filter((properties) => properties.Roles.some((ref) => ref.Ref === roleId))
    .flatMap((properties) => properties.PolicyDocument.Statement);
}

const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

function esmOf(template: Template, stack: Stack, fn: FlywheelFunction): Record<string, unknown> {
  const mappings = Object.values(
    template.findResources("AWS::Lambda::EventSourceMapping", {
      Properties: { FunctionName: { Ref: logicalIdOf(stack, fn.function) } },
    }),
  );
  expect(mappings).toHaveLength(1);
  return z.object({ Properties: z.record(z.string(), z.unknown()) }).parse(mappings[0]).Properties;
}

describe("IngestStack stream Lambda (Kinesis)", () => {
  const { data, network, ingest, template } = synth();
  const mapping = esmOf(template, ingest, ingest.streamHandler);

  it("reads the event stream through an enhanced fan-out consumer from the trim horizon, invoking as records arrive", () => {
    const consumer = ingest.streamConsumer;
    if (consumer === undefined) throw new Error("no enhanced fan-out consumer");
    expect(mapping).toMatchObject({
      EventSourceArn: {
        "Fn::GetAtt": [ingest.getLogicalId(consumer.node.defaultChild as CfnElement), "ConsumerARN"],
      },
      StartingPosition: "TRIM_HORIZON",
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 0,
      ParallelizationFactor: 1,
    });
    template.hasResourceProperties("AWS::Kinesis::StreamConsumer", {
      ConsumerName: "flywheel-dev-stream-handler",
    });
    expect(JSON.stringify(template.findResources("AWS::Kinesis::StreamConsumer"))).toContain(
      logicalIdOf(data, data.eventStream),
    );
  });

  it("polls the stream itself (no consumer) in shared read mode", () => {
    const shared = synth({ streamReadMode: "shared" });
    expect(shared.ingest.streamConsumer).toBeUndefined();
    shared.template.resourceCountIs("AWS::Kinesis::StreamConsumer", 0);
    expect(esmOf(shared.template, shared.ingest, shared.ingest.streamHandler)).toMatchObject({
      EventSourceArn: importLike(logicalIdOf(shared.data, shared.data.eventStream)),
    });
  });

  it("bisects failed batches, reports item failures, retries 5 times, and sends what still fails to the DLQ", () => {
    expect(mapping).toMatchObject({
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      MaximumRetryAttempts: 5,
      MaximumRecordAgeInSeconds: 3600,
    });
    const destination = JSON.stringify(mapping.DestinationConfig);
    expect(destination).toContain("OnFailure");
    expect(destination).toContain(logicalIdOf(data, data.streamDeadLetterQueue));
    expect(destination).toMatch(/Arn/);
  });

  it("takes batch size, window, retries, record age and parallelization from the stage", () => {
    const custom = synth({
      streamBatchSize: "250",
      streamBatchingWindowSeconds: "0",
      streamRetryAttempts: "2",
      streamMaxRecordAgeSeconds: "600",
      streamParallelization: "4",
    });
    expect(esmOf(custom.template, custom.ingest, custom.ingest.streamHandler)).toMatchObject({
      BatchSize: 250,
      MaximumBatchingWindowInSeconds: 0,
      MaximumRetryAttempts: 2,
      MaximumRecordAgeInSeconds: 600,
      ParallelizationFactor: 4,
    });
  });

  it("runs in the VPC's private subnets with a security group the cache lets in", () => {
    const fnGroup = ingest.streamHandler.function.connections.securityGroups[0];
    if (fnGroup === undefined) throw new Error("no security group");
    template.hasResourceProperties("AWS::Lambda::Function", {
      Handler: "index.handler",
      Runtime: "nodejs24.x",
      Architectures: ["arm64"],
      VpcConfig: {
        SubnetIds: [importOf("privateSubnet1"), importOf("privateSubnet2")],
        SecurityGroupIds: [{ "Fn::GetAtt": [logicalIdOf(ingest, fnGroup), "GroupId"] }],
      },
    });
    template.hasResourceProperties("AWS::EC2::SecurityGroupIngress", {
      GroupId: importOf(logicalIdOf(network, network.cacheSecurityGroup)),
      SourceSecurityGroupId: { "Fn::GetAtt": [logicalIdOf(ingest, fnGroup), "GroupId"] },
      FromPort: 6379,
      ToPort: 6380,
    });
  });

  it("is told every table, the bucket, the dead-letter queue and the cache by the grant helpers", () => {
    template.hasResourceProperties("AWS::Lambda::Function", {
      FunctionName: Match.absent(),
      Environment: {
        Variables: Match.objectLike({
          FLYWHEEL_INTERACTIONS_TABLE: importOf(logicalIdOf(data, data.tables.interactions.table)),
          FLYWHEEL_PROFILES_TABLE: importOf(logicalIdOf(data, data.tables.profiles.table)),
          FLYWHEEL_RECOMMENDATION_LOG_TABLE: importOf(logicalIdOf(data, data.tables.recommendationLog.table)),
          FLYWHEEL_CATALOG_TABLE: importOf(logicalIdOf(data, data.tables.catalog.table)),
          FLYWHEEL_BATCH_RECOMMENDATIONS_TABLE: importOf(
            logicalIdOf(data, data.tables.batchRecommendations.table),
          ),
          FLYWHEEL_MODEL_REGISTRY_TABLE: importOf(logicalIdOf(data, data.tables.modelRegistry.table)),
          FLYWHEEL_ARTIFACT_BUCKET: importOf(logicalIdOf(data, data.artifactBucket)),
          FLYWHEEL_STREAM_DEAD_LETTER_QUEUE_URL: importOf(logicalIdOf(data, data.streamDeadLetterQueue)),
          FLYWHEEL_REDIS_URL: Match.anyValue(),
          FLYWHEEL_REDIS_CLUSTER: "true",
        }),
      },
      VpcConfig: Match.anyValue(),
    });
  });

  it("gets exactly its adapters' DynamoDB actions: read-write where it writes, read where it reads", () => {
    const statements = statementsOf(template, ingest, ingest.streamHandler);
    const dynamoByTable = new Map<string, string[]>();
    for (const statement of statements) {
      const actions = actionsOf(statement).filter((action) => action.startsWith("dynamodb:"));
      if (actions.length > 0) dynamoByTable.set(JSON.stringify(statement.Resource), actions);
    }
    const expected = {
      interactions: TABLE_ACCESS_ACTIONS.interactions["read-write"],
      profiles: TABLE_ACCESS_ACTIONS.profiles["read-write"],
      recommendationLog: TABLE_ACCESS_ACTIONS.recommendationLog["read-write"],
      catalog: TABLE_ACCESS_ACTIONS.catalog.read,
      batchRecommendations: TABLE_ACCESS_ACTIONS.batchRecommendations.read,
      modelRegistry: TABLE_ACCESS_ACTIONS.modelRegistry.read,
    } as const;
    expect(dynamoByTable.size).toBe(Object.keys(expected).length);
    for (const [key, actions] of Object.entries(expected)) {
      const tableId = logicalIdOf(data, data.tables[key as keyof typeof expected].table);
      const granted = [...dynamoByTable.entries()].find(([resource]) => resource.includes(tableId))?.[1];
      expect(granted === undefined ? undefined : [granted].flat().sort(), key).toEqual([...actions].sort());
    }
  });

  it("reads model artifacts under models/ only, and writes nothing to the bucket", () => {
    const s3 = statementsOf(template, ingest, ingest.streamHandler).filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith("s3:")),
    );
    expect(s3).toHaveLength(1);
    expect(actionsOf(s3[0] as Statement).every((action) => /^s3:(Get|List)/.test(action))).toBe(true);
    // Objects under models/ and the bucket itself (for listing); no other object pattern.
    expect(JSON.stringify(s3[0]?.Resource).match(/"\/[^"]*\*"/g)).toEqual([
      `"/${ARTIFACT_BUCKET_DEFINITION.modelsPrefix}*"`,
    ]);
  });
});

describe("IngestStack archive Lambda", () => {
  const { data, ingest, template } = synth();
  const archive = ingest.archiveHandler;
  if (archive === undefined) throw new Error("the Kinesis stage has an archive Lambda");

  it("has its own mapping on the same stream: 10,000 records over 60 s, bisect, retries, DLQ", () => {
    const mapping = esmOf(template, ingest, archive);
    expect(mapping).toMatchObject({
      EventSourceArn: importLike(logicalIdOf(data, data.eventStream)),
      StartingPosition: "TRIM_HORIZON",
      BatchSize: 10_000,
      MaximumBatchingWindowInSeconds: 60,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      MaximumRetryAttempts: 5,
      MaximumRecordAgeInSeconds: 3600,
    });
    expect(JSON.stringify(mapping.DestinationConfig)).toContain(
      logicalIdOf(data, data.streamDeadLetterQueue),
    );
  });

  it("takes its batching window and batch size from the stage", () => {
    const custom = synth({ archiveBatchingWindowSeconds: "120", archiveBatchSize: "5000" });
    const customArchive = custom.ingest.archiveHandler;
    if (customArchive === undefined) throw new Error("no archive Lambda");
    expect(esmOf(custom.template, custom.ingest, customArchive)).toMatchObject({
      BatchSize: 5000,
      MaximumBatchingWindowInSeconds: 120,
    });
  });

  it("may write objects under events/ only: no read, no list, no delete, no table", () => {
    const statements = statementsOf(template, ingest, archive);
    const s3 = statements.filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith("s3:")),
    );
    expect(s3).toHaveLength(1);
    expect(actionsOf(s3[0] as Statement).sort()).toEqual(["s3:AbortMultipartUpload", "s3:PutObject"]);
    expect(s3[0]?.Resource).toEqual({
      "Fn::Join": [
        "",
        [
          importLike(logicalIdOf(data, data.artifactBucket)),
          `/${ARTIFACT_BUCKET_DEFINITION.eventArchivePrefix}*`,
        ],
      ],
    });
    const all = statements.flatMap(actionsOf);
    expect(all.filter((action) => action.startsWith("dynamodb:"))).toEqual([]);
    expect(all.filter((action) => /^s3:(Get|List|Delete)/.test(action))).toEqual([]);
  });

  it("runs outside the VPC: it talks to S3 only", () => {
    const fn = template.findResources("AWS::Lambda::Function", {
      Properties: {
        Environment: { Variables: Match.objectLike({ FLYWHEEL_ARTIFACT_BUCKET: Match.anyValue() }) },
      },
    });
    const archiveId = logicalIdOf(ingest, archive.function);
    expect(fn[archiveId]).toBeDefined();
    expect(fn[archiveId]).not.toHaveProperty("Properties.VpcConfig");
  });
});

describe("IngestStack IAM", () => {
  const { ingest, template } = synth();

  it("grants no wildcard action, and a wildcard resource only to X-Ray and the VPC's network interfaces", () => {
    for (const fn of [ingest.streamHandler, ingest.archiveHandler]) {
      if (fn === undefined) continue;
      for (const statement of statementsOf(template, ingest, fn)) {
        for (const action of actionsOf(statement)) expect(action).not.toContain("*");
        if (statement.Resource === "*") {
          for (const action of actionsOf(statement))
            expect(action).toMatch(
              /^(xray:|ec2:.*NetworkInterface|ec2:.*PrivateIpAddresses$|ec2:DescribeSubnets$)/,
            );
        }
      }
    }
  });

  it("gives the functions no managed policy: each writes to its own log group only", () => {
    for (const fn of [ingest.streamHandler, ingest.archiveHandler]) {
      if (fn === undefined) continue;
      const role = fn.function.role;
      if (role === undefined) throw new Error("the function has no role");
      expect(template.findResources("AWS::IAM::Role")[logicalIdOf(ingest, role)]).not.toHaveProperty(
        "Properties.ManagedPolicyArns",
      );
      const logStatements = statementsOf(template, ingest, fn).filter((statement) =>
        actionsOf(statement).some((action) => action.startsWith("logs:")),
      );
      expect(logStatements).toEqual([
        expect.objectContaining({
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: { "Fn::GetAtt": [logicalIdOf(ingest, fn.logGroup), "Arn"] },
        }),
      ]);
    }
  });
});

describe("IngestStack alarms", () => {
  const { data, ingest, template } = synth();
  const topicRef = { Ref: logicalIdOf(ingest, ingest.alarmTopic) };

  const alarmProperties = (alarm: { node: { defaultChild?: unknown } } | undefined) => {
    if (alarm === undefined) throw new Error("alarm missing");
    const found = template.findResources("AWS::CloudWatch::Alarm")[logicalIdOf(ingest, alarm)];
    return z.object({ Properties: z.record(z.string(), z.unknown()) }).parse(found).Properties;
  };

  it("alarms when the stream's GetRecords iterator age passes the stage's threshold", () => {
    expect(alarmProperties(ingest.alarms.streamIteratorAge)).toMatchObject({
      Namespace: "AWS/Kinesis",
      MetricName: "GetRecords.IteratorAgeMilliseconds",
      Dimensions: [{ Name: "StreamName", Value: importLike(logicalIdOf(data, data.eventStream)) }],
      Statistic: "Maximum",
      Threshold: 60_000,
      ComparisonOperator: "GreaterThanThreshold",
      AlarmActions: [topicRef],
    });
  });

  it("alarms when the stream Lambda's IteratorAge passes the threshold", () => {
    expect(alarmProperties(ingest.alarms.streamHandlerIteratorAge)).toMatchObject({
      Namespace: "AWS/Lambda",
      MetricName: "IteratorAge",
      Dimensions: [
        { Name: "FunctionName", Value: { Ref: logicalIdOf(ingest, ingest.streamHandler.function) } },
      ],
      Statistic: "Maximum",
      Threshold: 60_000,
      AlarmActions: [topicRef],
    });
  });

  it("takes the iterator-age threshold from the stage", () => {
    const custom = synth({ iteratorAgeAlarmSeconds: "5" });
    const alarms = Object.values(
      custom.template.findResources("AWS::CloudWatch::Alarm", {
        Properties: { MetricName: Match.stringLikeRegexp("IteratorAge") },
      }),
    );
    expect(alarms).toHaveLength(2);
    for (const alarm of alarms) expect(alarm).toMatchObject({ Properties: { Threshold: 5000 } });
  });

  it("alarms as soon as a message is visible in the dead-letter queue", () => {
    expect(alarmProperties(ingest.alarms.deadLetters)).toMatchObject({
      Namespace: "AWS/SQS",
      MetricName: "ApproximateNumberOfMessagesVisible",
      Dimensions: [{ Name: "QueueName", Value: importLike(logicalIdOf(data, data.streamDeadLetterQueue)) }],
      Threshold: 0,
      ComparisonOperator: "GreaterThanThreshold",
      EvaluationPeriods: 1,
      AlarmActions: [topicRef],
    });
  });

  it("alarms on stream and archive handler errors", () => {
    for (const [alarm, fn] of [
      [ingest.alarms.streamHandlerErrors, ingest.streamHandler],
      [ingest.alarms.archiveHandlerErrors, ingest.archiveHandler],
    ] as const) {
      if (fn === undefined) throw new Error("no archive Lambda");
      expect(alarmProperties(alarm)).toMatchObject({
        Namespace: "AWS/Lambda",
        MetricName: "Errors",
        Dimensions: [{ Name: "FunctionName", Value: { Ref: logicalIdOf(ingest, fn.function) } }],
        Statistic: "Sum",
        Threshold: 0,
        ComparisonOperator: "GreaterThanThreshold",
        AlarmActions: [topicRef],
        OKActions: [topicRef],
      });
    }
  });

  it("sends alarms to a topic that refuses unencrypted publishing", () => {
    template.hasResourceProperties("AWS::SNS::TopicPolicy", {
      Topics: [topicRef],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
        ]),
      },
    });
    template.hasOutput("AlarmTopicArn", { Value: topicRef });
  });
});

describe("IngestStack with a provisioned stream", () => {
  const { data, ingest, template } = synth({
    stage: "prod",
    streamMode: "provisioned",
    streamShards: "4",
    streamParallelization: "3",
  });

  it("reads the provisioned stream with the stage's parallelization factor per shard", () => {
    Template.fromStack(data).hasResourceProperties("AWS::Kinesis::Stream", {
      StreamModeDetails: { StreamMode: "PROVISIONED" },
      ShardCount: 4,
    });
    expect(esmOf(template, ingest, ingest.streamHandler)).toMatchObject({ ParallelizationFactor: 3 });
  });

  it("retains the functions' logs in a retained stage", () => {
    for (const group of Object.values(template.findResources("AWS::Logs::LogGroup")))
      expect(group).toMatchObject({ DeletionPolicy: "Retain" });
  });
});

describe("IngestStack with the MSK option (eventBus=msk)", () => {
  const { data, ingest, template, eventsFunction, apiStack, apiTemplate } = synth({
    eventBus: "msk",
    kafkaTopic: "clicks",
  });
  const kafka = ingest.kafka;
  if (kafka === undefined) throw new Error("the MSK stage has a cluster");

  it("creates an MSK Serverless cluster with IAM authentication in the private subnets", () => {
    template.hasResourceProperties("AWS::MSK::ServerlessCluster", {
      ClusterName: "flywheel-dev-events",
      ClientAuthentication: { Sasl: { Iam: { Enabled: true } } },
      VpcConfigs: [
        {
          SubnetIds: [importOf("privateSubnet1"), importOf("privateSubnet2")],
          SecurityGroups: [{ "Fn::GetAtt": [logicalIdOf(ingest, kafka.securityGroup), "GroupId"] }],
        },
      ],
    });
    template.hasResourceProperties("Custom::KafkaTopic", { Topic: "clicks", Partitions: 6 });
  });

  it("creates the topic from a function in the VPC that may create and describe that topic only", () => {
    template.hasResourceProperties("AWS::Lambda::Function", {
      Description: Match.stringLikeRegexp("creates the events topic"),
      VpcConfig: Match.anyValue(),
      Environment: {
        Variables: Match.objectLike({
          FLYWHEEL_KAFKA_BROKERS: {
            "Fn::GetAtt": [Match.stringLikeRegexp("BootstrapBrokers"), "BootstrapBrokerStringSaslIam"],
          },
          FLYWHEEL_KAFKA_AUTH: "msk-iam",
        }),
      },
    });
    template.hasResourceProperties("AWS::IAM::Policy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ["kafka-cluster:CreateTopic", "kafka-cluster:DescribeTopic"],
            Resource: { "Fn::Join": ["", Match.arrayWith([Match.stringLikeRegexp(":topic/"), "/clicks"])] },
          }),
        ]),
      },
    });
  });

  it("consumes the topic through a Kafka mapping with the same error handling, and no Kinesis mapping", () => {
    const mapping = esmOf(template, ingest, ingest.streamHandler);
    expect(mapping).toMatchObject({
      EventSourceArn: { "Fn::GetAtt": [ingest.getLogicalId(kafka.cluster), "Arn"] },
      Topics: ["clicks"],
      AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: "flywheel-dev-stream" },
      StartingPosition: "TRIM_HORIZON",
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 0,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 5,
      MaximumRecordAgeInSeconds: 3600,
      ProvisionedPollerConfig: { MinimumPollers: 1, MaximumPollers: 10 },
    });
    // The MSK handler fails whole batches; it never returns item failures.
    expect(mapping.FunctionResponseTypes).toBeUndefined();
    expect(JSON.stringify(mapping.DestinationConfig)).toContain(
      logicalIdOf(data, data.streamDeadLetterQueue),
    );
    const kinesisMappings = template.findResources("AWS::Lambda::EventSourceMapping", {
      Properties: { EventSourceArn: importOf(logicalIdOf(data, data.eventStream)) },
    });
    expect(Object.keys(kinesisMappings)).toEqual([]);
    expect(ingest.archiveHandler).toBeUndefined();
  });

  it("waits for the topic before creating the mapping", () => {
    const mappings = template.findResources("AWS::Lambda::EventSourceMapping");
    expect(Object.values(mappings)[0]).toMatchObject({
      DependsOn: expect.arrayContaining([logicalIdOf(ingest, kafka.topic)]),
    });
  });

  it("lets the stream Lambda read the topic and commit its group, on this cluster only", () => {
    const statements = statementsOf(template, ingest, ingest.streamHandler);
    const kafkaActions = statements
      .flatMap(actionsOf)
      .filter((action) => action.startsWith("kafka-cluster:"));
    expect(kafkaActions.sort()).toEqual(
      [
        "kafka-cluster:AlterGroup",
        "kafka-cluster:Connect",
        "kafka-cluster:DescribeClusterDynamicConfiguration",
        "kafka-cluster:DescribeGroup",
        "kafka-cluster:DescribeTopic",
        "kafka-cluster:ReadData",
      ].sort(),
    );
    const read = statements.find((statement) => actionsOf(statement).includes("kafka-cluster:ReadData"));
    expect(JSON.stringify(read?.Resource)).toContain(":topic/");
    expect(JSON.stringify(read?.Resource)).toContain("/clicks");
    expect(kafkaActions).not.toContain("kafka-cluster:WriteData");
  });

  it("alarms on the consumer's offset lag instead of the Kinesis iterator ages", () => {
    expect(ingest.alarms.streamIteratorAge).toBeUndefined();
    expect(ingest.alarms.streamHandlerIteratorAge).toBeUndefined();
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/Lambda",
      MetricName: "OffsetLag",
      Threshold: 10_000,
    });
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "ApproximateNumberOfMessagesVisible",
    });
  });

  it("lets the events function publish to the topic only, from the VPC, with the Kafka variables", () => {
    const roleId = logicalIdOf(
      apiStack,
      eventsFunction.function.role as unknown as { node: { defaultChild?: unknown } },
    );
    const statements = Object.values(apiTemplate.findResources("AWS::IAM::Policy"))
      .map((policy) => PolicySchema.parse(policy).Properties)
      .filter((properties) => properties.Roles.some((ref) => ref.Ref === roleId))
      .flatMap((properties) => properties.PolicyDocument.Statement);
    const actions = statements.flatMap(actionsOf);
    expect(actions).toEqual(expect.arrayContaining(["kafka-cluster:Connect", "kafka-cluster:WriteData"]));
    expect(actions.filter((action) => action.startsWith("kinesis:"))).toEqual([]);
    apiTemplate.hasResourceProperties("AWS::Lambda::Function", {
      VpcConfig: Match.anyValue(),
      Environment: {
        Variables: Match.objectLike({
          FLYWHEEL_EVENT_BUS: "msk",
          FLYWHEEL_KAFKA_TOPIC: "clicks",
          FLYWHEEL_KAFKA_AUTH: "msk-iam",
          FLYWHEEL_KAFKA_BROKERS: importOf("BootstrapBrokers"),
        }),
      },
    });
    apiTemplate.hasResourceProperties("AWS::EC2::SecurityGroupIngress", {
      GroupId: importOf(logicalIdOf(ingest, kafka.securityGroup)),
      FromPort: 9098,
      ToPort: 9098,
    });
  });
});

describe("IngestStack.grantEventPublish with Kinesis", () => {
  const { data, apiStack, apiTemplate, eventsFunction } = synth();

  it("gives the events function PutRecords on the stream and its name, outside the VPC", () => {
    apiTemplate.hasResourceProperties("AWS::IAM::Policy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(["kinesis:PutRecord", "kinesis:PutRecords"]),
            Resource: importOf(logicalIdOf(data, data.eventStream)),
          }),
        ]),
      },
    });
    const fn =
      apiTemplate.findResources("AWS::Lambda::Function")[logicalIdOf(apiStack, eventsFunction.function)];
    expect(fn).toMatchObject({
      Properties: {
        Environment: {
          Variables: expect.objectContaining({ FLYWHEEL_EVENT_STREAM_NAME: expect.anything() }),
        },
      },
    });
    expect(fn).not.toHaveProperty("Properties.VpcConfig");
  });
});

describe("IngestStack refuses", () => {
  it("a stage whose handler modules do not exist, naming them", () => {
    const app = new App({ context: NO_BUNDLING });
    const stage = readStageConfig(app.node);
    const data = new DataStack(app, "Data", { env: ENV, stage });
    const network = new NetworkStack(app, "Network", { env: ENV, stage, encryptionKey: data.encryptionKey });
    expect(
      () =>
        new IngestStack(app, "Ingest", {
          env: ENV,
          stage,
          data,
          network,
          functionEnvironment: { stageName: "dev", version: "1" },
          functionsDirectory: "/nonexistent",
        }),
    ).toThrow(/stream\/kinesis-stream-handler\.ts, stream\/archive-handler\.ts/);
  });
});
