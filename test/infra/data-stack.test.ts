import { App, type CfnElement, type Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { describe, expect, it } from "vitest";
import { readStageConfig } from "../../infra/config/stage-config.ts";
import { READ_WRITE_KEY_ACTIONS } from "../../infra/constructs/flywheel-table.ts";
import { ACCESS_LOG_RETENTION_DAYS, DataStack } from "../../infra/stacks/data-stack.ts";
import { TABLE_ACCESS_ACTIONS } from "../../layers/adapters/aws/dynamodb/table-access-actions.ts";
import {
  TABLE_DEFINITIONS,
  TABLE_KEYS,
  type TableDefinition,
} from "../../layers/adapters/aws/dynamodb/table-definitions.ts";

// Fine-grained assertions on the synthesized data stack, for a disposable stage (dev) and a retained one
// (prod). No whole-template snapshot: each test names the property it cares about.

const ENV = { account: "123456789012", region: "eu-west-1" };

function synth(context: Record<string, unknown> = {}): { stack: DataStack; template: Template } {
  const app = new App({ context });
  const stack = new DataStack(app, "Data", { env: ENV, stage: readStageConfig(app.node) });
  return { stack, template: Template.fromStack(stack) };
}

function logicalIdOf(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

/** Asserts that the resource with this logical id has (at least) these properties. */
function expectResource(template: Template, type: string, logicalId: string, properties: object): void {
  const matching = template.findResources(type, { Properties: Match.objectLike(properties) });
  expect(Object.keys(matching), `${logicalId} should match ${JSON.stringify(properties)}`).toContain(
    logicalId,
  );
}

function keySchemaOf(definition: TableDefinition): object[] {
  return [
    { AttributeName: definition.partitionKey.name, KeyType: "HASH" },
    ...(definition.sortKey === undefined
      ? []
      : [{ AttributeName: definition.sortKey.name, KeyType: "RANGE" }]),
  ];
}

function attributeDefinitionsOf(definition: TableDefinition): object[] {
  return [definition.partitionKey, ...(definition.sortKey === undefined ? [] : [definition.sortKey])].map(
    (key) => ({
      AttributeName: key.name,
      AttributeType: key.type,
    }),
  );
}

describe("DataStack tables", () => {
  const { stack, template } = synth({ stage: "prod" });
  const keyArn = { "Fn::GetAtt": [logicalIdOf(stack, stack.encryptionKey), "Arn"] };

  it("creates one table per definition and nothing else of the kind", () => {
    template.resourceCountIs("AWS::DynamoDB::GlobalTable", TABLE_KEYS.length);
  });

  for (const key of TABLE_KEYS) {
    const definition: TableDefinition = TABLE_DEFINITIONS[key];

    it(`${key}: keys, billing and TTL exactly as declared`, () => {
      expectResource(template, "AWS::DynamoDB::GlobalTable", logicalIdOf(stack, stack.tables[key].table), {
        KeySchema: keySchemaOf(definition),
        AttributeDefinitions: attributeDefinitionsOf(definition),
        BillingMode: "PAY_PER_REQUEST",
        TimeToLiveSpecification:
          definition.timeToLiveAttribute === undefined
            ? Match.absent()
            : { AttributeName: definition.timeToLiveAttribute, Enabled: true },
        GlobalSecondaryIndexes: Match.absent(),
        StreamSpecification: Match.absent(),
      });
    });

    it(`${key}: point-in-time recovery, deletion protection and encryption with the stack's key`, () => {
      expectResource(template, "AWS::DynamoDB::GlobalTable", logicalIdOf(stack, stack.tables[key].table), {
        SSESpecification: { SSEEnabled: true, SSEType: "KMS" },
        Replicas: [
          Match.objectLike({
            Region: ENV.region,
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
            DeletionProtectionEnabled: true,
            SSESpecification: { KMSMasterKeyId: keyArn },
          }),
        ],
      });
    });
  }

  it("uses a customer-managed key with rotation, kept 30 days after deletion in a retained stage", () => {
    template.hasResourceProperties("AWS::KMS::Key", { EnableKeyRotation: true, PendingWindowInDays: 30 });
  });
});

describe("DataStack retention per stage", () => {
  const retainedTypes = [
    "AWS::DynamoDB::GlobalTable",
    "AWS::S3::Bucket",
    "AWS::Kinesis::Stream",
    "AWS::SQS::Queue",
    "AWS::KMS::Key",
  ];

  it("retains every data resource in prod", () => {
    const { template } = synth({ stage: "prod" });
    for (const type of retainedTypes) {
      template.allResources(type, { DeletionPolicy: "Retain", UpdateReplacePolicy: "Retain" });
    }
    template.resourceCountIs("Custom::S3AutoDeleteObjects", 0);
  });

  it("retains data in a stage it does not know (staging), the safe default", () => {
    const { template } = synth({ stage: "staging" });
    for (const type of retainedTypes) template.allResources(type, { DeletionPolicy: "Retain" });
  });

  it("lets a dev stack be destroyed completely: tables unprotected, bucket emptied first", () => {
    const { template } = synth({ stage: "dev" });
    for (const type of retainedTypes) {
      template.allResources(type, { DeletionPolicy: "Delete", UpdateReplacePolicy: "Delete" });
    }
    template.allResourcesProperties("AWS::DynamoDB::GlobalTable", {
      Replicas: [Match.objectLike({ DeletionProtectionEnabled: false })],
    });
    // The artifact bucket and its access-log bucket.
    template.resourceCountIs("Custom::S3AutoDeleteObjects", 2);
    template.hasResourceProperties("AWS::KMS::Key", { PendingWindowInDays: 7 });
  });

  it("lets context override a stage's default", () => {
    const { template } = synth({ stage: "dev", dataRemovalPolicy: "retain" });
    template.allResources("AWS::DynamoDB::GlobalTable", { DeletionPolicy: "Retain" });
  });
});

describe("DataStack artifact bucket", () => {
  const { stack, template } = synth({ stage: "prod" });
  const bucketRef = { Ref: logicalIdOf(stack, stack.artifactBucket) };

  it("is versioned, encrypted with the stack's key (bucket key on), private and owner-enforced", () => {
    template.hasResourceProperties("AWS::S3::Bucket", {
      VersioningConfiguration: { Status: "Enabled" },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: "aws:kms",
              KMSMasterKeyID: { "Fn::GetAtt": [logicalIdOf(stack, stack.encryptionKey), "Arn"] },
            },
          },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] },
    });
  });

  it("denies requests without TLS, and below TLS 1.2", () => {
    template.hasResourceProperties("AWS::S3::BucketPolicy", {
      Bucket: bucketRef,
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Deny",
            Action: "s3:*",
            Principal: { AWS: "*" },
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          }),
          Match.objectLike({
            Effect: "Deny",
            Action: "s3:*",
            Condition: { NumericLessThan: { "s3:TlsVersion": 1.2 } },
          }),
        ]),
      },
    });
  });

  it("expires superseded model artifacts, tiers the event archive and aborts stale uploads", () => {
    template.hasResourceProperties("AWS::S3::Bucket", {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Id: "expire-superseded-model-artifacts",
            Prefix: "models/",
            Status: "Enabled",
            NoncurrentVersionExpiration: { NoncurrentDays: 30 },
            ExpiredObjectDeleteMarker: true,
          }),
          Match.objectLike({
            Id: "tier-event-archive",
            Prefix: "events/",
            Transitions: [
              { StorageClass: "STANDARD_IA", TransitionInDays: 30 },
              { StorageClass: "GLACIER_IR", TransitionInDays: 90 },
            ],
          }),
          Match.objectLike({
            Id: "abort-incomplete-multipart-uploads",
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
          }),
        ]),
      },
    });
  });

  it("never expires current model artifacts by age", () => {
    const bucket = template.findResources("AWS::S3::Bucket")[logicalIdOf(stack, stack.artifactBucket)];
    const rules = (bucket as { Properties: { LifecycleConfiguration: { Rules: object[] } } }).Properties
      .LifecycleConfiguration.Rules;
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) expect(rule).not.toHaveProperty("ExpirationInDays");
  });

  it("sends its server access logs to the access-log bucket, which S3's logging service alone may write", () => {
    const logBucketId = logicalIdOf(stack, stack.accessLogBucket);
    template.hasResourceProperties("AWS::S3::Bucket", {
      LoggingConfiguration: {
        DestinationBucketName: { Ref: logBucketId },
        LogFilePrefix: "artifact-bucket/",
      },
      VersioningConfiguration: { Status: "Enabled" },
    });
    template.hasResourceProperties("AWS::S3::Bucket", {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
      },
      LifecycleConfiguration: {
        Rules: [Match.objectLike({ ExpirationInDays: ACCESS_LOG_RETENTION_DAYS, Status: "Enabled" })],
      },
    });
    template.hasResourceProperties("AWS::S3::BucketPolicy", {
      Bucket: { Ref: logBucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
          Match.objectLike({
            Effect: "Allow",
            Principal: { Service: "logging.s3.amazonaws.com" },
            Action: "s3:PutObject",
            Condition: {
              ArnLike: {
                "aws:SourceArn": { "Fn::GetAtt": [logicalIdOf(stack, stack.artifactBucket), "Arn"] },
              },
              StringEquals: { "aws:SourceAccount": ENV.account },
            },
          }),
        ]),
      },
    });
  });
});

describe("DataStack key", () => {
  it("lets CloudWatch Logs of its own account and region encrypt log groups with it, and no one else", () => {
    const { template } = synth({ stage: "prod" });
    template.hasResourceProperties("AWS::KMS::Key", {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: "CloudWatchLogsOfThisAccountAndRegion",
            Principal: { Service: `logs.${ENV.region}.amazonaws.com` },
            Condition: {
              ArnLike: {
                "kms:EncryptionContext:aws:logs:arn": {
                  "Fn::Join": [
                    "",
                    ["arn:", { Ref: "AWS::Partition" }, `:logs:${ENV.region}:${ENV.account}:log-group:*`],
                  ],
                },
              },
            },
          }),
        ]),
      },
    });
  });
});

describe("DataStack event stream and dead-letter queue", () => {
  it("is an on-demand stream encrypted with the stack's key by default", () => {
    const { stack, template } = synth({ stage: "prod" });
    template.hasResourceProperties("AWS::Kinesis::Stream", {
      StreamModeDetails: { StreamMode: "ON_DEMAND" },
      ShardCount: Match.absent(),
      RetentionPeriodHours: 24,
      StreamEncryption: {
        EncryptionType: "KMS",
        KeyId: { "Fn::GetAtt": [logicalIdOf(stack, stack.encryptionKey), "Arn"] },
      },
    });
  });

  it("is a provisioned stream with the given shards and retention when the context asks", () => {
    const { template } = synth({
      stage: "prod",
      streamMode: "provisioned",
      streamShards: "4",
      streamRetentionHours: "168",
    });
    template.hasResourceProperties("AWS::Kinesis::Stream", {
      StreamModeDetails: { StreamMode: "PROVISIONED" },
      ShardCount: 4,
      RetentionPeriodHours: 168,
      StreamEncryption: Match.objectLike({ EncryptionType: "KMS" }),
    });
  });

  it("keeps dead letters 14 days, encrypted with the stack's key, and refuses them without TLS", () => {
    const { stack, template } = synth({ stage: "prod" });
    const queueRef = { Ref: logicalIdOf(stack, stack.streamDeadLetterQueue) };
    template.hasResourceProperties("AWS::SQS::Queue", {
      MessageRetentionPeriod: 14 * 24 * 3600,
      KmsMasterKeyId: { "Fn::GetAtt": [logicalIdOf(stack, stack.encryptionKey), "Arn"] },
    });
    template.hasResourceProperties("AWS::SQS::QueuePolicy", {
      Queues: [queueRef],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
        ]),
      },
    });
  });
});

describe("DataStack grant helpers", () => {
  function withFunction(): { stack: DataStack; fn: lambda.Function } {
    const app = new App({ context: { stage: "prod" } });
    const stack = new DataStack(app, "Data", { env: ENV, stage: readStageConfig(app.node) });
    const fn = new lambda.Function(stack, "Probe", {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: "index.handler",
      code: lambda.Code.fromInline("export const handler = async () => {};"),
    });
    return { stack, fn };
  }

  function policyStatementsOf(template: Template): Array<Record<string, unknown>> {
    return Object.values(template.findResources("AWS::IAM::Policy")).flatMap(
      (policy) =>
        (policy as { Properties: { PolicyDocument: { Statement: Array<Record<string, unknown>> } } })
          .Properties.PolicyDocument.Statement,
    );
  }

  it("grants a profile writer exactly its adapter's actions on the profiles table and sets its name", () => {
    const { stack, fn } = withFunction();
    stack.grantProfileReadWrite(fn);
    const template = Template.fromStack(stack);
    const tableId = logicalIdOf(stack, stack.tables.profiles.table);
    template.hasResourceProperties("AWS::IAM::Policy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: "Allow",
            Action: [...TABLE_ACCESS_ACTIONS.profiles["read-write"]],
            Resource: { "Fn::GetAtt": [tableId, "Arn"] },
          },
          Match.objectLike({
            Effect: "Allow",
            Action: [...READ_WRITE_KEY_ACTIONS],
            Resource: { "Fn::GetAtt": [logicalIdOf(stack, stack.encryptionKey), "Arn"] },
          }),
        ]),
      },
    });
    template.hasResourceProperties("AWS::Lambda::Function", {
      Environment: { Variables: { FLYWHEEL_PROFILES_TABLE: { Ref: tableId } } },
    });
  });

  it("grants a reader no write action, and no table anyone did not ask for", () => {
    const { stack, fn } = withFunction();
    stack.grantCatalogRead(fn);
    const template = Template.fromStack(stack);
    const dynamoActions = policyStatementsOf(template).flatMap((statement) => {
      const action = statement.Action;
      const actions = Array.isArray(action) ? action : [action];
      return actions.filter(
        (name): name is string => typeof name === "string" && name.startsWith("dynamodb:"),
      );
    });
    expect(dynamoActions.sort()).toEqual([...TABLE_ACCESS_ACTIONS.catalog.read].sort());
    const keyStatement = policyStatementsOf(template).find(
      (statement) => Array.isArray(statement.Action) && statement.Action.includes("kms:Decrypt"),
    );
    expect(keyStatement?.Action).toEqual(["kms:Decrypt", "kms:DescribeKey"]);
    template.hasResourceProperties("AWS::Lambda::Function", {
      Environment: {
        Variables: { FLYWHEEL_CATALOG_TABLE: { Ref: logicalIdOf(stack, stack.tables.catalog.table) } },
      },
    });
  });

  it("never grants Scan, whatever is granted", () => {
    const { stack, fn } = withFunction();
    for (const key of TABLE_KEYS) stack.tables[key].grantAccess(fn, "read-write");
    const actions = JSON.stringify(policyStatementsOf(Template.fromStack(stack)));
    expect(actions).not.toContain("dynamodb:Scan");
    expect(actions).not.toContain("dynamodb:*");
  });

  it("names every action it grants on the stream, the queue and the key: no wildcard", () => {
    const { stack, fn } = withFunction();
    stack.grantEventPublish(fn);
    stack.grantEventConsume(fn);
    stack.grantDeadLetterSend(fn);
    stack.grantModelArtifactsRead(fn);
    stack.grantEventArchiveWrite(fn);
    stack.grantProfileReadWrite(fn);
    const deadLetters = stack.deadLetterDestination().bind(
      // The mapping is not read; the destination grants to the function.
      {} as lambda.IEventSourceMapping,
      fn,
    );
    expect(deadLetters.destination).toEqual(stack.streamDeadLetterQueue.queueArn);
    const actions = policyStatementsOf(Template.fromStack(stack)).flatMap((statement) =>
      Array.isArray(statement.Action) ? statement.Action : [statement.Action],
    );
    expect(actions.filter((action) => typeof action !== "string" || action.includes("*"))).toEqual([]);
    expect(actions).toEqual(
      expect.arrayContaining(["kinesis:PutRecords", "sqs:SendMessage", "kms:GenerateDataKey"]),
    );
  });

  it("binds the stream, the bucket and the dead-letter queue with their names", () => {
    const { stack, fn } = withFunction();
    stack.grantEventPublish(fn);
    stack.grantModelArtifactsRead(fn);
    stack.grantDeadLetterSend(fn);
    const template = Template.fromStack(stack);
    template.hasResourceProperties("AWS::IAM::Policy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(["kinesis:PutRecord", "kinesis:PutRecords"]),
            Resource: { "Fn::GetAtt": [logicalIdOf(stack, stack.eventStream), "Arn"] },
          }),
          Match.objectLike({
            Action: Match.arrayWith(["sqs:SendMessage"]),
            Resource: { "Fn::GetAtt": [logicalIdOf(stack, stack.streamDeadLetterQueue), "Arn"] },
          }),
        ]),
      },
    });
    template.hasResourceProperties("AWS::Lambda::Function", {
      Environment: {
        Variables: {
          FLYWHEEL_EVENT_STREAM_NAME: { Ref: logicalIdOf(stack, stack.eventStream) },
          FLYWHEEL_ARTIFACT_BUCKET: { Ref: logicalIdOf(stack, stack.artifactBucket) },
          FLYWHEEL_STREAM_DEAD_LETTER_QUEUE_URL: { Ref: logicalIdOf(stack, stack.streamDeadLetterQueue) },
        },
      },
    });
  });
});
