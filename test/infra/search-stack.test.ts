import { fileURLToPath } from "node:url";
import { App, type CfnElement, Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { HANDLERS } from "../../functions/api/route-table.ts";
import { readStageConfig } from "../../infra/config/stage-config.ts";
import { FlywheelFunction } from "../../infra/constructs/flywheel-function.ts";
import { DataStack } from "../../infra/stacks/data-stack.ts";
import { NetworkStack } from "../../infra/stacks/network-stack.ts";
import {
  SearchStack,
  VECTOR_INDEX_READ_ACTIONS,
  VECTOR_INDEX_WRITE_ACTIONS,
} from "../../infra/stacks/search-stack.ts";

// Fine-grained assertions on the search stack (the OpenSearch domain of item vectors) and on its grant
// helpers, called from a consumer stack the way the API stack calls them. No whole-template snapshot.

const ENV = { account: "123456789012", region: "eu-west-1" };
/** Skips esbuild: these tests look only at the templates. */
const NO_BUNDLING = { "aws:cdk:bundling-stacks": [] };
/** Any existing handler module serves as the probe functions' code. */
const PROBE_ENTRY = fileURLToPath(new URL(`../../functions/${HANDLERS.health.entry}`, import.meta.url));

interface Probes {
  readonly search: SearchStack;
  readonly reader: FlywheelFunction;
  readonly writer: FlywheelFunction;
  readonly outsideVpc: FlywheelFunction;
}

/** Builds the stacks; `beforeSynthesis` may add grants (nothing can change once a template is read). */
function synth(context: Record<string, unknown> = {}, beforeSynthesis: (probes: Probes) => void = () => {}) {
  const app = new App({ context: { ...NO_BUNDLING, ...context } });
  const stage = readStageConfig(app.node);
  const data = new DataStack(app, "Data", { env: ENV, stage });
  const network = new NetworkStack(app, "Network", { env: ENV, stage, encryptionKey: data.encryptionKey });
  network.addStackDependency(data);
  const search = new SearchStack(app, "Search", {
    env: ENV,
    stage,
    network,
    encryptionKey: data.encryptionKey,
  });
  search.addStackDependency(network);
  const consumers = new Stack(app, "Consumers", { env: ENV });
  consumers.addStackDependency(search);
  const probe = (id: string, inVpc: boolean) =>
    new FlywheelFunction(consumers, id, {
      entry: PROBE_ENTRY,
      description: `probe ${id}`,
      functionEnvironment: { stageName: "test", version: "1" },
      ...(inVpc ? { network: network.functionPlacement } : {}),
    });
  const probes = {
    search,
    reader: probe("Reader", true),
    writer: probe("Writer", true),
    outsideVpc: probe("OutsideVpc", false),
  };
  beforeSynthesis(probes);
  return {
    app,
    data,
    network,
    consumers,
    ...probes,
    template: Template.fromStack(search),
    consumersTemplate: Template.fromStack(consumers),
  };
}

function logicalIdOf(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

/** `{ "Fn::ImportValue": "…<logical id>…" }`, a reference to another stack's resource. */
const importOf = (logicalId: string) => ({ "Fn::ImportValue": Match.stringLikeRegexp(logicalId) });

const DomainSchema = z.object({ Properties: z.record(z.string(), z.unknown()) });
function domainProperties(template: Template): Record<string, unknown> {
  const domains = Object.values(template.findResources("AWS::OpenSearchService::Domain"));
  expect(domains).toHaveLength(1);
  return DomainSchema.parse(domains[0]).Properties;
}

const JoinSchema = z.object({ "Fn::Join": z.tuple([z.literal(""), z.array(z.unknown())]) });
const AccessPolicySchema = z.object({
  Statement: z.array(
    z.looseObject({
      Effect: z.string(),
      Principal: z.unknown(),
      Action: z.union([z.string(), z.array(z.string())]),
      Resource: z.union([z.string(), z.array(z.string())]),
    }),
  ),
});

/**
 * The domain's access policy as the custom resource applies it: its `Create` call is a joined string of
 * JSON with tokens in it. Each token becomes `<token …>` (no quotes, so the JSON stays valid) before parsing.
 */
function domainAccessPolicy(template: Template): z.infer<typeof AccessPolicySchema> {
  const resources = Object.values(template.findResources("Custom::OpenSearchAccessPolicy"));
  expect(resources).toHaveLength(1);
  const create = z.object({ Properties: z.object({ Create: JoinSchema }) }).parse(resources[0])
    .Properties.Create;
  const text = create["Fn::Join"][1]
    .map((part) => (typeof part === "string" ? part : `<token ${JSON.stringify(part).replace(/"/g, "'")}>`))
    .join("");
  const call = z
    .object({ action: z.string(), parameters: z.object({ AccessPolicies: z.string() }) })
    .parse(JSON.parse(text));
  expect(call.action).toBe("updateDomainConfig");
  return AccessPolicySchema.parse(JSON.parse(call.parameters.AccessPolicies));
}

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

function roleIdOf(stack: Stack, fn: FlywheelFunction): string {
  const role = fn.function.role;
  if (role === undefined) throw new Error("the function has no role");
  return logicalIdOf(stack, role);
}

/** Every statement of the inline policies attached to this function's role. */
function statementsOf(template: Template, stack: Stack, fn: FlywheelFunction): Statement[] {
  const roleId = roleIdOf(stack, fn);
  return Object.values(template.findResources("AWS::IAM::Policy"))
    .map((policy) => PolicySchema.parse(policy).Properties)
    .filter((properties) => properties.Roles.some((ref) => ref.Ref === roleId))
    .flatMap((properties) => properties.PolicyDocument.Statement);
}

const actionsOf = (statement: { Action: string | string[] }): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

describe("SearchStack domain", () => {
  const { data, network, search, template } = synth();
  const domain = domainProperties(template);

  it("runs OpenSearch 2.x, upgraded in place when the version changes", () => {
    expect(domain.EngineVersion).toMatch(/^OpenSearch_2\.\d+$/);
    template.hasResource("AWS::OpenSearchService::Domain", { UpdatePolicy: { EnableVersionUpgrade: true } });
  });

  it("encrypts at rest with the data key and between nodes", () => {
    template.hasResourceProperties("AWS::OpenSearchService::Domain", {
      EncryptionAtRestOptions: { Enabled: true, KmsKeyId: importOf(logicalIdOf(data, data.encryptionKey)) },
      NodeToNodeEncryptionOptions: { Enabled: true },
    });
  });

  it("accepts HTTPS only, TLS 1.2 at least", () => {
    template.hasResourceProperties("AWS::OpenSearchService::Domain", {
      DomainEndpointOptions: { EnforceHTTPS: true, TLSSecurityPolicy: "Policy-Min-TLS-1-2-2019-07" },
    });
  });

  it("leaves fine-grained access control off: IAM decides", () => {
    expect(domain.AdvancedSecurityOptions).toBeUndefined();
  });

  it("sits in one private subnet per AZ, behind its own security group that opens nothing outbound", () => {
    template.hasResourceProperties("AWS::OpenSearchService::Domain", {
      VPCOptions: {
        SubnetIds: [importOf("privateSubnet1"), importOf("privateSubnet2")],
        SecurityGroupIds: [{ "Fn::GetAtt": [logicalIdOf(search, search.domainSecurityGroup), "GroupId"] }],
      },
    });
    template.hasResourceProperties("AWS::EC2::SecurityGroup", {
      VpcId: importOf(logicalIdOf(network, network.vpc)),
      // CDK's stand-in rule for "no egress": nothing matches it.
      SecurityGroupEgress: [Match.objectLike({ CidrIp: "255.255.255.255/32" })],
    });
    // No ingress of its own: grantVectorIndex* adds each client's rule in the client's stack.
    template.resourceCountIs("AWS::EC2::SecurityGroupIngress", 0);
    template.hasResourceProperties("AWS::EC2::SecurityGroup", { SecurityGroupIngress: Match.absent() });
  });

  it("spreads an even number of data nodes over two AZs, without dedicated masters by default", () => {
    template.hasResourceProperties("AWS::OpenSearchService::Domain", {
      ClusterConfig: {
        InstanceType: "t3.medium.search",
        InstanceCount: 2,
        ZoneAwarenessEnabled: true,
        ZoneAwarenessConfig: { AvailabilityZoneCount: 2 },
        MultiAZWithStandbyEnabled: false,
        DedicatedMasterEnabled: false,
      },
      EBSOptions: { EBSEnabled: true, VolumeSize: 20, VolumeType: "gp3" },
    });
  });

  it("goes with a disposable stage", () => {
    template.hasResource("AWS::OpenSearchService::Domain", {
      DeletionPolicy: "Delete",
      UpdateReplacePolicy: "Delete",
    });
  });

  it("lets in only this account's principals (IAM narrows it to the granted roles), with the HTTP actions on its paths", () => {
    const policy = domainAccessPolicy(template);
    expect(policy.Statement).toHaveLength(1);
    const [statement] = policy.Statement;
    expect(statement?.Effect).toBe("Allow");
    expect(statement?.Principal).toEqual({
      AWS: `arn:<token {'Ref':'AWS::Partition'}>:iam::${ENV.account}:root`,
    });
    expect(actionsOf(statement ?? { Action: [] }).sort()).toEqual([...VECTOR_INDEX_WRITE_ACTIONS].sort());
    const domainId = logicalIdOf(search, search.domain);
    expect(statement?.Resource).toEqual(`<token {'Fn::GetAtt':['${domainId}','Arn']}>/*`);
  });

  it("publishes its slow-search, slow-index and application logs to groups under the data key", () => {
    const groups = search.logGroups;
    template.hasResourceProperties("AWS::OpenSearchService::Domain", {
      LogPublishingOptions: {
        SEARCH_SLOW_LOGS: {
          Enabled: true,
          CloudWatchLogsLogGroupArn: { "Fn::GetAtt": [logicalIdOf(search, groups.slowSearch), "Arn"] },
        },
        INDEX_SLOW_LOGS: {
          Enabled: true,
          CloudWatchLogsLogGroupArn: { "Fn::GetAtt": [logicalIdOf(search, groups.slowIndex), "Arn"] },
        },
        ES_APPLICATION_LOGS: {
          Enabled: true,
          CloudWatchLogsLogGroupArn: { "Fn::GetAtt": [logicalIdOf(search, groups.application), "Arn"] },
        },
      },
    });
    template.allResourcesProperties("AWS::Logs::LogGroup", {
      KmsKeyId: importOf(logicalIdOf(data, data.encryptionKey)),
    });
    // A native resource policy lets the domain write (no custom resource), for this account's domains.
    const logsPolicies = Object.values(template.findResources("AWS::Logs::ResourcePolicy"));
    expect(logsPolicies).toHaveLength(1);
    const policyText = JSON.stringify(logsPolicies[0]?.Properties.PolicyDocument);
    for (const expected of ["es.amazonaws.com", "logs:PutLogEvents", "aws:SourceAccount", ENV.account]) {
      expect(policyText).toContain(expected);
    }
    template.hasResource("AWS::OpenSearchService::Domain", {
      DependsOn: Match.arrayWith([logicalIdOf(search, search.node.findChild("DomainLogsPolicy"))]),
    });
  });

  it("outputs the HTTPS endpoint", () => {
    template.hasOutput("SearchEndpoint", {
      Value: { "Fn::Join": ["", ["https://", { "Fn::GetAtt": [Match.anyValue(), "DomainEndpoint"] }]] },
    });
  });
});

describe("SearchStack in prod", () => {
  const { template } = synth({ stage: "prod" });

  it("uses memory-optimized data nodes, three dedicated masters and larger volumes", () => {
    template.hasResourceProperties("AWS::OpenSearchService::Domain", {
      ClusterConfig: Match.objectLike({
        InstanceType: "r6g.large.search",
        InstanceCount: 2,
        DedicatedMasterEnabled: true,
        DedicatedMasterCount: 3,
        DedicatedMasterType: "m6g.large.search",
        ZoneAwarenessEnabled: true,
      }),
      EBSOptions: Match.objectLike({ VolumeSize: 100 }),
    });
  });

  it("retains the domain", () => {
    template.hasResource("AWS::OpenSearchService::Domain", {
      DeletionPolicy: "Retain",
      UpdateReplacePolicy: "Retain",
    });
  });
});

describe("SearchStack capacity from the stage's context", () => {
  it("takes the instance type, count, volume and masters from the context keys", () => {
    const { template } = synth({
      searchInstanceType: "r7g.xlarge.search",
      searchInstanceCount: "4",
      searchVolumeGb: "50",
      searchDedicatedMasters: "true",
      searchMasterInstanceType: "m7g.large.search",
    });
    template.hasResourceProperties("AWS::OpenSearchService::Domain", {
      ClusterConfig: Match.objectLike({
        InstanceType: "r7g.xlarge.search",
        InstanceCount: 4,
        DedicatedMasterEnabled: true,
        DedicatedMasterType: "m7g.large.search",
      }),
      EBSOptions: Match.objectLike({ VolumeSize: 50 }),
    });
  });

  it("picks the first two private subnets of an existing VPC", () => {
    const { network, template } = synth({ vpcId: "vpc-0123456789abcdef0" });
    const subnetIds = z
      .object({ VPCOptions: z.object({ SubnetIds: z.array(z.string()) }) })
      .parse(domainProperties(template)).VPCOptions.SubnetIds;
    const privateSubnets = network.vpc.privateSubnets;
    expect(privateSubnets.length).toBeGreaterThanOrEqual(2);
    expect(subnetIds).toEqual(privateSubnets.slice(0, 2).map((subnet) => subnet.subnetId));
    expect(new Set(privateSubnets.slice(0, 2).map((subnet) => subnet.availabilityZone)).size).toBe(2);
  });
});

describe("SearchStack grants", () => {
  const { consumers, consumersTemplate, search, reader, writer } = synth({}, (probes) => {
    probes.search.grantVectorIndexRead(probes.reader);
    probes.search.grantVectorIndexWrite(probes.writer);
  });
  const domainId = logicalIdOf(search, search.domain);
  const domainPaths = { "Fn::Join": ["", [importOf(domainId), "/*"]] };

  it("lets a reader search (GET, HEAD, POST) on the domain's paths, nothing else", () => {
    consumersTemplate.hasResourceProperties("AWS::IAM::Policy", {
      Roles: [{ Ref: roleIdOf(consumers, reader) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Allow",
            Action: [...VECTOR_INDEX_READ_ACTIONS],
            Resource: domainPaths,
          }),
        ]),
      },
    });
    const es = statementsOf(consumersTemplate, consumers, reader).flatMap(actionsOf);
    expect(es.filter((action) => action.startsWith("es:")).sort()).toEqual(
      ["es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost"].sort(),
    );
  });

  it("lets a writer also PUT and DELETE", () => {
    const es = statementsOf(consumersTemplate, consumers, writer)
      .flatMap(actionsOf)
      .filter((action) => action.startsWith("es:"));
    expect(es.sort()).toEqual([...VECTOR_INDEX_WRITE_ACTIONS].sort());
  });

  it("never grants a service wildcard (es:*), nor OpenSearch actions beyond this domain's paths", () => {
    for (const fn of [reader, writer]) {
      const statements = statementsOf(consumersTemplate, consumers, fn);
      const actions = statements.flatMap(actionsOf);
      expect(actions.filter((action) => action === "*" || action.endsWith(":*"))).toEqual([]);
      const onDomain = statements.filter((statement) =>
        actionsOf(statement).some((a) => a.startsWith("es:")),
      );
      expect(onDomain).toHaveLength(1);
      expect(onDomain[0]?.Resource).toEqual({
        "Fn::Join": ["", [{ "Fn::ImportValue": expect.stringContaining(domainId) }, "/*"]],
      });
    }
  });

  it("tells the function the HTTPS endpoint and to sign with SigV4", () => {
    for (const fn of [reader, writer]) {
      consumersTemplate.hasResourceProperties("AWS::Lambda::Function", {
        Role: { "Fn::GetAtt": [roleIdOf(consumers, fn), "Arn"] },
        Environment: {
          Variables: Match.objectLike({
            FLYWHEEL_OPENSEARCH_ENDPOINT: {
              "Fn::Join": ["", ["https://", importOf("DomainEndpoint")]],
            },
            FLYWHEEL_OPENSEARCH_AUTH: "sigv4",
          }),
        },
      });
    }
  });

  it("opens 443 on the domain's security group to each granted function's group, from the function's stack", () => {
    for (const fn of [reader, writer]) {
      consumersTemplate.hasResourceProperties("AWS::EC2::SecurityGroupIngress", {
        GroupId: importOf(logicalIdOf(search, search.domainSecurityGroup)),
        SourceSecurityGroupId: {
          "Fn::GetAtt": [Match.stringLikeRegexp(`${fn.node.id}FunctionSecurityGroup`), "GroupId"],
        },
        IpProtocol: "tcp",
        FromPort: 443,
        ToPort: 443,
      });
    }
  });

  it("refuses a function outside the VPC, naming it", () => {
    const { search: other, outsideVpc } = synth();
    expect(() => other.grantVectorIndexRead(outsideVpc)).toThrow(/Consumers\/OutsideVpc is not in a VPC/);
  });
});
