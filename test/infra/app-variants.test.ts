import { App, Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import * as iam from "aws-cdk-lib/aws-iam";
import { AwsSolutionsChecks } from "cdk-nag";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { RANKER_ENDPOINT_VARIABLE } from "../../functions/api/serving-dependencies-from-environment.ts";
import { RANKER_ENDPOINT_ENVIRONMENT_VARIABLE } from "../../infra/api-handler-options.ts";
import { SYNTH_VARIANTS, type SynthVariant } from "../../infra/checks/synth-variants.ts";
import { readStageConfig } from "../../infra/config/stage-config.ts";
import { buildFlywheelApp, type FlywheelApp } from "../../infra/flywheel-app.ts";
import { DataStack } from "../../infra/stacks/data-stack.ts";

// The whole app (infra/flywheel-app.ts, the composition infra/app.ts runs) for each stage variant CI
// checks: it synthesizes, cdk-nag's AwsSolutions pack finds nothing that is not acknowledged with a reason,
// no IAM statement allows `*` or `service:*` on a data resource, data is encrypted at rest and in transit,
// and kept in prod. Bundling is skipped; everything else is the real composition.

const ENV = { account: "123456789012", region: "us-east-1" };
const NO_BUNDLING = { "aws:cdk:bundling-stacks": [] };
/** Synthesizing the whole app takes a while; each variant does it once, in its beforeAll. */
const SYNTH_TIMEOUT_MS = 180_000;

interface SynthesizedApp {
  readonly flywheel: FlywheelApp;
  readonly templates: ReadonlyMap<Stack, Template>;
}

function synthesize(context: Readonly<Record<string, unknown>>): SynthesizedApp {
  const app = new App({ context: { ...NO_BUNDLING, ...context } });
  const flywheel = buildFlywheelApp(app, readStageConfig(app.node), ENV);
  // The cdk-nag plugin runs during synthesis, which throws on an unacknowledged error with the report.
  app.synth();
  return {
    flywheel,
    templates: new Map(flywheel.stacks.map((stack) => [stack, Template.fromStack(stack)])),
  };
}

/** cdk-nag's findings in a stack that no acknowledgment covers, warnings as well as errors. */
function unacknowledgedNagFindings(stack: Stack): string[] {
  const report = new AwsSolutionsChecks().validateScope(stack);
  return report.violations.flatMap((violation) =>
    violation.violatingResources.map(
      (resource) => `${violation.severity} ${violation.ruleName} at ${resource.constructPath}`,
    ),
  );
}

const StatementSchema = z.looseObject({
  Effect: z.string(),
  Action: z.union([z.string(), z.array(z.string())]).optional(),
  Resource: z.unknown().optional(),
});
const PolicyDocumentSchema = z.looseObject({ Statement: z.array(StatementSchema) });
type Statement = z.infer<typeof StatementSchema>;

/** Every Allow statement of every identity policy in the template, with where it sits. */
function allowStatements(template: Template): Array<{ where: string; statement: Statement }> {
  const statements: Array<{ where: string; statement: Statement }> = [];
  const collect = (where: string, document: unknown) => {
    for (const statement of PolicyDocumentSchema.parse(document).Statement) {
      if (statement.Effect === "Allow") statements.push({ where, statement });
    }
  };
  for (const type of ["AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"]) {
    for (const [id, resource] of Object.entries(template.findResources(type))) {
      collect(id, resource.Properties.PolicyDocument);
    }
  }
  for (const [id, resource] of Object.entries(template.findResources("AWS::IAM::Role"))) {
    const inline = z
      .array(z.looseObject({ PolicyDocument: z.unknown() }))
      .optional()
      .parse(resource.Properties?.Policies);
    for (const policy of inline ?? []) collect(id, policy.PolicyDocument);
  }
  return statements;
}

const DATA_RESOURCE_TYPES = [
  "AWS::DynamoDB::GlobalTable",
  "AWS::DynamoDB::Table",
  "AWS::S3::Bucket",
  "AWS::Kinesis::Stream",
  "AWS::SQS::Queue",
  "AWS::KMS::Key",
  "AWS::OpenSearchService::Domain",
  "AWS::MSK::ServerlessCluster",
  "AWS::ElastiCache::ServerlessCache",
] as const;
/** The services of the data resources, as they appear in an ARN written out (`arn:…:s3:::name`). */
const DATA_SERVICE_IN_ARN = /:(dynamodb|s3|kinesis|sqs|kms|es|kafka|kafka-cluster|elasticache):/;

/** Logical ids of every data resource of the app: a reference to one shows up as its id, or in an export name. */
function dataResourceIds(templates: Iterable<Template>): string[] {
  return [...templates].flatMap((template) =>
    DATA_RESOURCE_TYPES.flatMap((type) => Object.keys(template.findResources(type))),
  );
}

function actionsOf(statement: Statement): string[] {
  const action = statement.Action ?? [];
  return typeof action === "string" ? [action] : action;
}

/**
 * The statements that allow `*` or `<service>:*` on a data resource (by reference, by export name, or by
 * a written-out ARN of a data service).
 */
function fullAccessToData(templates: ReadonlyMap<Stack, Template>): string[] {
  const ids = dataResourceIds(templates.values());
  const problems: string[] = [];
  for (const [stack, template] of templates) {
    for (const { where, statement } of allowStatements(template)) {
      const resources = JSON.stringify(statement.Resource ?? null);
      const onData = ids.some((id) => resources.includes(id)) || DATA_SERVICE_IN_ARN.test(resources);
      if (!onData) continue;
      for (const action of actionsOf(statement)) {
        if (action === "*" || /^[a-z0-9-]+:\*$/.test(action)) {
          problems.push(`${stack.stackName}/${where}: ${action} on ${resources}`);
        }
      }
    }
  }
  return problems;
}

/**
 * Actions that take no resource-level permissions, the only ones allowed on `Resource: *`: X-Ray, a VPC
 * function's network interfaces, the Kafka mapping's VPC lookups, and the state machine's log delivery.
 */
const ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS = new Set([
  "xray:PutTraceSegments",
  "xray:PutTelemetryRecords",
  "xray:GetSamplingRules",
  "xray:GetSamplingTargets",
  "logs:CreateLogDelivery",
  "logs:GetLogDelivery",
  "logs:UpdateLogDelivery",
  "logs:DeleteLogDelivery",
  "logs:ListLogDeliveries",
  "logs:PutResourcePolicy",
  "logs:DescribeResourcePolicies",
  "logs:DescribeLogGroups",
  "ec2:CreateNetworkInterface",
  "ec2:DescribeNetworkInterfaces",
  "ec2:DescribeSubnets",
  "ec2:DeleteNetworkInterface",
  "ec2:AssignPrivateIpAddresses",
  "ec2:UnassignPrivateIpAddresses",
  "ec2:DescribeVpcs",
  "ec2:DescribeSecurityGroups",
]);

function anyResourceStatements(templates: ReadonlyMap<Stack, Template>): string[] {
  const problems: string[] = [];
  for (const [stack, template] of templates) {
    for (const { where, statement } of allowStatements(template)) {
      const resource = statement.Resource;
      const onAnything = resource === "*" || (Array.isArray(resource) && resource.includes("*"));
      if (!onAnything) continue;
      for (const action of actionsOf(statement)) {
        if (!ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS.has(action)) {
          problems.push(`${stack.stackName}/${where}: ${action} on *`);
        }
      }
    }
  }
  return problems;
}

const VARIANT_NAMES = Object.keys(SYNTH_VARIANTS) as SynthVariant[];

describe.each(VARIANT_NAMES)("the app, variant %s", (variant) => {
  let synthesized: SynthesizedApp;
  beforeAll(() => {
    synthesized = synthesize(SYNTH_VARIANTS[variant]);
  }, SYNTH_TIMEOUT_MS);

  it("synthesizes the six stacks with no unacknowledged cdk-nag finding, error or warning", () => {
    expect(synthesized.flywheel.stacks).toHaveLength(6);
    for (const stack of synthesized.flywheel.stacks) {
      expect(unacknowledgedNagFindings(stack), stack.stackName).toEqual([]);
    }
  });

  it("allows neither * nor service:* on any table, bucket, stream, queue, key, domain or cluster", () => {
    expect(fullAccessToData(synthesized.templates)).toEqual([]);
  });

  it("allows on Resource * only actions that take no resource-level permissions", () => {
    expect(anyResourceStatements(synthesized.templates)).toEqual([]);
  });
});

describe("the IAM audit itself", () => {
  it("catches full access to a data resource, by reference or across stacks, and a broad Resource *", () => {
    const app = new App({ context: NO_BUNDLING });
    const data = new DataStack(app, "Data", { env: ENV, stage: readStageConfig(app.node) });
    const consumer = new Stack(app, "Consumer", { env: ENV });
    const role = new iam.Role(consumer, "Careless", { assumedBy: new iam.AccountRootPrincipal() });
    iam.Grant.addToPrincipal({
      grantee: role,
      actions: ["s3:*"],
      resourceArns: [data.artifactBucket.bucketArn],
    });
    iam.Grant.addToPrincipal({ grantee: role, actions: ["*"], resourceArns: [data.eventStream.streamArn] });
    iam.Grant.addToPrincipal({ grantee: role, actions: ["dynamodb:Query"], resourceArns: ["*"] });
    const templates = new Map([
      [data, Template.fromStack(data)],
      [consumer, Template.fromStack(consumer)],
    ]);
    expect(fullAccessToData(templates)).toEqual([
      expect.stringMatching(/^Consumer\/CarelessDefaultPolicy.*: s3:\* on .*ArtifactBucket/),
      expect.stringMatching(/^Consumer\/CarelessDefaultPolicy.*: \* on .*EventStream/),
    ]);
    expect(anyResourceStatements(templates)).toEqual([
      expect.stringMatching(/^Consumer\/CarelessDefaultPolicy.*: dynamodb:Query on \*$/),
    ]);
  });
});

describe("encryption at rest and in transit (default variant)", () => {
  let synthesized: SynthesizedApp;
  let templates: Record<"data" | "network" | "ingest" | "search" | "training" | "api", Template>;
  beforeAll(() => {
    synthesized = synthesize(SYNTH_VARIANTS.default);
    const templateOf = (stack: Stack) => {
      const template = synthesized.templates.get(stack);
      if (template === undefined) throw new Error(`no template for ${stack.stackName}`);
      return template;
    };
    const { data, network, ingest, search, training, api } = synthesized.flywheel;
    templates = {
      data: templateOf(data),
      network: templateOf(network),
      ingest: templateOf(ingest),
      search: templateOf(search),
      training: templateOf(training),
      api: templateOf(api),
    };
  }, SYNTH_TIMEOUT_MS);

  it("encrypts the tables, the artifact bucket, the stream and the dead-letter queue with the data key", () => {
    const data = templates.data;
    const keyId = Object.keys(data.findResources("AWS::KMS::Key"))[0];
    const keyArn = { "Fn::GetAtt": [keyId, "Arn"] };
    const tables = data.findResources("AWS::DynamoDB::GlobalTable");
    expect(Object.keys(tables).length).toBeGreaterThan(0);
    for (const table of Object.values(tables)) {
      expect(table.Properties.SSESpecification).toMatchObject({ SSEEnabled: true, SSEType: "KMS" });
      expect(JSON.stringify(table.Properties.Replicas)).toContain(JSON.stringify(keyArn));
    }
    data.hasResourceProperties("AWS::S3::Bucket", {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({
            ServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: keyArn },
          }),
        ],
      },
    });
    data.hasResourceProperties("AWS::Kinesis::Stream", {
      StreamEncryption: { EncryptionType: "KMS", KeyId: keyArn },
    });
    data.hasResourceProperties("AWS::SQS::Queue", { KmsMasterKeyId: keyArn });
  });

  it("keeps the log-hash key in Secrets Manager under the data key, readable by every Flywheel function", () => {
    const data = templates.data;
    const keyId = Object.keys(data.findResources("AWS::KMS::Key"))[0];
    const secrets = data.findResources("AWS::SecretsManager::Secret");
    const [secretId, secret] = Object.entries(secrets)[0] ?? [];
    expect(Object.keys(secrets)).toHaveLength(1);
    expect(secret?.Properties.KmsKeyId).toEqual({ "Fn::GetAtt": [keyId, "Arn"] });
    expect(secret?.Properties.GenerateSecretString).toMatchObject({ PasswordLength: 48 });
    // Every function of the app (the house FLYWHEEL_STAGE variable marks them; CDK's own custom-resource
    // functions have none) names the secret, and may read it.
    let functions = 0;
    for (const [stack, template] of synthesized.templates) {
      for (const [logicalId, fn] of Object.entries(template.findResources("AWS::Lambda::Function"))) {
        const variables = fn.Properties.Environment?.Variables ?? {};
        if (variables.FLYWHEEL_STAGE === undefined) continue;
        functions++;
        const where = `${stack.stackName}/${logicalId}`;
        expect(JSON.stringify(variables.FLYWHEEL_LOG_HASH_SALT_SECRET_ARN), where).toContain(secretId);
        expect(variables, where).not.toHaveProperty("FLYWHEEL_LOG_HASH_SALT");
        const roleId = z
          .object({ "Fn::GetAtt": z.tuple([z.string(), z.literal("Arn")]) })
          .parse(fn.Properties.Role)["Fn::GetAtt"][0];
        const reads = Object.values(template.findResources("AWS::IAM::Policy"))
          .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(`"Ref":"${roleId}"`))
          .flatMap((policy) => PolicyDocumentSchema.parse(policy.Properties.PolicyDocument).Statement)
          .filter(
            (statement) =>
              statement.Effect === "Allow" &&
              actionsOf(statement).includes("secretsmanager:GetSecretValue") &&
              JSON.stringify(statement.Resource).includes(secretId ?? "?"),
          );
        expect(reads.length, where).toBeGreaterThan(0);
      }
    }
    expect(functions).toBeGreaterThan(20);
  });

  it("encrypts every bucket and queue, and refuses plain HTTP to each", () => {
    for (const template of Object.values(templates)) {
      for (const bucket of Object.values(template.findResources("AWS::S3::Bucket"))) {
        expect(bucket.Properties.BucketEncryption).toBeDefined();
      }
      for (const queue of Object.values(template.findResources("AWS::SQS::Queue"))) {
        expect(queue.Properties.KmsMasterKeyId).toBeDefined();
      }
      const buckets = Object.keys(template.findResources("AWS::S3::Bucket"));
      const bucketPolicies = Object.values(template.findResources("AWS::S3::BucketPolicy"));
      for (const bucket of buckets) {
        const policy = bucketPolicies.find(
          (candidate) => JSON.stringify(candidate.Properties.Bucket) === JSON.stringify({ Ref: bucket }),
        );
        expect(JSON.stringify(policy?.Properties.PolicyDocument), bucket).toContain(
          '"aws:SecureTransport":"false"',
        );
      }
      const queues = Object.keys(template.findResources("AWS::SQS::Queue"));
      const queuePolicies = JSON.stringify(template.findResources("AWS::SQS::QueuePolicy"));
      for (const queue of queues) {
        expect(queuePolicies, queue).toContain(`{"Ref":"${queue}"}`);
      }
      if (queues.length > 0) expect(queuePolicies).toContain('"aws:SecureTransport":"false"');
    }
  });

  it("encrypts the search domain and the cache under the data key, with HTTPS and node-to-node TLS", () => {
    templates.search.hasResourceProperties("AWS::OpenSearchService::Domain", {
      EncryptionAtRestOptions: { Enabled: true, KmsKeyId: Match.anyValue() },
      NodeToNodeEncryptionOptions: { Enabled: true },
      DomainEndpointOptions: Match.objectLike({ EnforceHTTPS: true }),
      VPCOptions: Match.anyValue(),
    });
    templates.network.hasResourceProperties("AWS::ElastiCache::ServerlessCache", {
      KmsKeyId: Match.anyValue(),
      SubnetIds: Match.anyValue(),
    });
  });

  it("encrypts every log group of the app under the data key", () => {
    for (const [name, template] of Object.entries(templates)) {
      for (const [id, group] of Object.entries(template.findResources("AWS::Logs::LogGroup"))) {
        expect(group.Properties.KmsKeyId, `${name}/${id}`).toBeDefined();
      }
    }
    templates.data.hasResourceProperties("AWS::KMS::Key", {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: "CloudWatchLogsOfThisAccountAndRegion",
            Principal: { Service: "logs.us-east-1.amazonaws.com" },
          }),
        ]),
      },
    });
  });

  it("puts an AWS WAF web ACL with a rate rule and the common rule set on the API stage", () => {
    const api = templates.api;
    api.hasResourceProperties("AWS::WAFv2::WebACL", {
      Scope: "REGIONAL",
      Rules: Match.arrayWith([
        Match.objectLike({
          Action: { Block: {} },
          Statement: { RateBasedStatement: { AggregateKeyType: "IP", Limit: 300_000 } },
        }),
        Match.objectLike({
          Statement: {
            ManagedRuleGroupStatement: {
              VendorName: "AWS",
              Name: "AWSManagedRulesCommonRuleSet",
              // Event batches and catalog upserts exceed its 8 KB body limit; the handlers enforce theirs.
              RuleActionOverrides: [{ Name: "SizeRestrictions_BODY", ActionToUse: { Count: {} } }],
            },
          },
        }),
      ]),
    });
    const stages = Object.keys(api.findResources("AWS::ApiGateway::Stage"));
    expect(stages).toHaveLength(1);
    const association = Object.values(api.findResources("AWS::WAFv2::WebACLAssociation"))[0];
    expect(JSON.stringify(association?.Properties.ResourceArn)).toContain(`{"Ref":"${stages[0]}"}`);
    api.hasResourceProperties("AWS::WAFv2::LoggingConfiguration", {
      RedactedFields: [{ SingleHeader: { Name: "x-api-key" } }, { SingleHeader: { Name: "authorization" } }],
    });
  });
});

describe("the stage's options in the synthesized app", () => {
  it(
    "retains every data resource in prod, and lets a dev stage go",
    () => {
      const dataTypes = [
        "AWS::DynamoDB::GlobalTable",
        "AWS::S3::Bucket",
        "AWS::Kinesis::Stream",
        "AWS::SQS::Queue",
        "AWS::KMS::Key",
      ];
      const policies = (variant: "prod" | "default") => {
        const { flywheel, templates } = synthesize(SYNTH_VARIANTS[variant]);
        const data = templates.get(flywheel.data);
        const search = templates.get(flywheel.search);
        if (data === undefined || search === undefined) throw new Error("no data or search template");
        const resources = [
          ...dataTypes.flatMap((type) => Object.values(data.findResources(type))),
          ...Object.values(search.findResources("AWS::OpenSearchService::Domain")),
        ];
        return {
          deletionPolicies: new Set(resources.map((resource) => resource.DeletionPolicy)),
          tableProtection: new Set(
            Object.values(data.findResources("AWS::DynamoDB::GlobalTable")).map((table) =>
              JSON.stringify(table.Properties.Replicas?.[0]?.DeletionProtectionEnabled ?? false),
            ),
          ),
        };
      };
      const prod = policies("prod");
      expect(prod.deletionPolicies).toEqual(new Set(["Retain"]));
      expect(prod.tableProtection).toEqual(new Set(["true"]));
      const dev = policies("default");
      expect(dev.deletionPolicies).toEqual(new Set(["Delete"]));
      expect(dev.tableProtection).toEqual(new Set(["false"]));
    },
    2 * SYNTH_TIMEOUT_MS,
  );

  it(
    "re-ranks the recommendations route only, with InvokeEndpoint on exactly that endpoint",
    () => {
      expect(RANKER_ENDPOINT_ENVIRONMENT_VARIABLE).toBe(RANKER_ENDPOINT_VARIABLE);
      const { flywheel, templates } = synthesize(SYNTH_VARIANTS["sagemaker-rerank"]);
      const api = templates.get(flywheel.api);
      if (api === undefined) throw new Error("no api template");
      const withRanker = Object.entries(api.findResources("AWS::Lambda::Function")).filter(
        ([, fn]) => fn.Properties.Environment?.Variables?.[RANKER_ENDPOINT_VARIABLE] !== undefined,
      );
      expect(
        withRanker.map(([, fn]) => fn.Properties.Environment.Variables[RANKER_ENDPOINT_VARIABLE]),
      ).toEqual(["flywheel-ranker"]);
      const invokes = allowStatements(api).filter(({ statement }) =>
        actionsOf(statement).includes("sagemaker:InvokeEndpoint"),
      );
      expect(invokes).toHaveLength(1);
      expect(invokes[0]?.statement.Resource).toEqual({
        "Fn::Join": [
          "",
          ["arn:", { Ref: "AWS::Partition" }, ":sagemaker:us-east-1:123456789012:endpoint/flywheel-ranker"],
        ],
      });
      expect(invokes[0]?.where).toMatch(/^ApiRecommendationsHandlerServiceRoleDefaultPolicy/);
    },
    SYNTH_TIMEOUT_MS,
  );

  it(
    "deploys into the described VPC without creating one, and provisions the stream's shards",
    () => {
      const vpc = SYNTH_VARIANTS["existing-vpc"].existingVpc;
      const existing = synthesize(SYNTH_VARIANTS["existing-vpc"]);
      const network = existing.templates.get(existing.flywheel.network);
      if (network === undefined) throw new Error("no network template");
      network.resourceCountIs("AWS::EC2::VPC", 0);
      network.resourceCountIs("AWS::EC2::FlowLog", 0);
      network.hasResourceProperties("AWS::ElastiCache::ServerlessCache", { SubnetIds: vpc.privateSubnetIds });

      const provisioned = synthesize(SYNTH_VARIANTS["provisioned-shards"]);
      provisioned.templates.get(provisioned.flywheel.data)?.hasResourceProperties("AWS::Kinesis::Stream", {
        StreamModeDetails: { StreamMode: "PROVISIONED" },
        ShardCount: 4,
      });
    },
    2 * SYNTH_TIMEOUT_MS,
  );

  it(
    "creates no web ACL when the stage turns the WAF off, and still passes cdk-nag",
    () => {
      const { flywheel, templates } = synthesize({ waf: { enabled: false } });
      templates.get(flywheel.api)?.resourceCountIs("AWS::WAFv2::WebACL", 0);
      expect(unacknowledgedNagFindings(flywheel.api)).toEqual([]);
    },
    SYNTH_TIMEOUT_MS,
  );
});
