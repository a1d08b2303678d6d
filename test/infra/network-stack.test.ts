import { fileURLToPath } from "node:url";
import { App, type CfnElement, Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import { describe, expect, it } from "vitest";
import { HANDLERS } from "../../functions/api/route-table.ts";
import { readStageConfig } from "../../infra/config/stage-config.ts";
import { FlywheelFunction } from "../../infra/constructs/flywheel-function.ts";
import { DataStack } from "../../infra/stacks/data-stack.ts";
import { NEW_VPC_CIDR, NetworkStack } from "../../infra/stacks/network-stack.ts";

// Fine-grained assertions on the network stack (VPC, endpoints, Valkey cache) and on grantCacheAccess, which
// a consumer stack calls the way the ingest stack does. No whole-template snapshot.

const ENV = { account: "123456789012", region: "eu-west-1" };
/** Skips esbuild: these tests look only at the templates. */
const NO_BUNDLING = { "aws:cdk:bundling-stacks": [] };
/** Any existing handler module serves as the probe function's code. */
const PROBE_ENTRY = fileURLToPath(new URL(`../../functions/${HANDLERS.health.entry}`, import.meta.url));

/** Builds the stacks; `beforeSynthesis` may add grants (nothing can change once a template is read). */
function synth(
  context: Record<string, unknown> = {},
  beforeSynthesis: (built: { network: NetworkStack; inVpc: FlywheelFunction }) => void = () => {},
) {
  const app = new App({ context: { ...NO_BUNDLING, ...context } });
  const stage = readStageConfig(app.node);
  const data = new DataStack(app, "Data", { env: ENV, stage });
  const network = new NetworkStack(app, "Network", { env: ENV, stage, encryptionKey: data.encryptionKey });
  network.addStackDependency(data);
  const consumers = new Stack(app, "Consumers", { env: ENV });
  consumers.addStackDependency(network);
  const inVpc = new FlywheelFunction(consumers, "InVpc", {
    entry: PROBE_ENTRY,
    description: "probe in the VPC",
    functionEnvironment: { stageName: "test", version: "1" },
    network: network.functionPlacement,
  });
  const outsideVpc = new FlywheelFunction(consumers, "OutsideVpc", {
    entry: PROBE_ENTRY,
    description: "probe outside the VPC",
    functionEnvironment: { stageName: "test", version: "1" },
  });
  beforeSynthesis({ network, inVpc });
  return {
    app,
    data,
    network,
    consumers,
    inVpc,
    outsideVpc,
    template: Template.fromStack(network),
    consumersTemplate: Template.fromStack(consumers),
  };
}

function logicalIdOf(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

function serviceNameOf(endpoint: unknown): string {
  return JSON.stringify((endpoint as { Properties: { ServiceName: unknown } }).Properties.ServiceName);
}

describe("NetworkStack VPC", () => {
  const { template } = synth();

  it("has two AZs of private isolated subnets and no way to the internet", () => {
    template.resourceCountIs("AWS::EC2::VPC", 1);
    template.resourceCountIs("AWS::EC2::Subnet", 2);
    template.allResourcesProperties("AWS::EC2::Subnet", { MapPublicIpOnLaunch: false });
    template.resourceCountIs("AWS::EC2::NatGateway", 0);
    template.resourceCountIs("AWS::EC2::InternetGateway", 0);
    template.resourceCountIs("AWS::EC2::EIP", 0);
  });

  it("reaches DynamoDB and S3 through gateway endpoints on the private route tables", () => {
    const gateways = Object.values(
      template.findResources("AWS::EC2::VPCEndpoint", { Properties: { VpcEndpointType: "Gateway" } }),
    );
    expect(gateways.map(serviceNameOf).sort()).toEqual([
      expect.stringContaining(".dynamodb"),
      expect.stringContaining(".s3"),
    ]);
    for (const gateway of gateways)
      expect(gateway).toMatchObject({
        Properties: { RouteTableIds: [expect.anything(), expect.anything()] },
      });
  });

  it("reaches Kinesis, SQS, SageMaker runtime, CloudWatch Logs and metrics, and X-Ray through private interface endpoints", () => {
    const interfaces = Object.values(
      template.findResources("AWS::EC2::VPCEndpoint", { Properties: { VpcEndpointType: "Interface" } }),
    );
    expect(interfaces.map(serviceNameOf).sort()).toEqual(
      [
        '"com.amazonaws.eu-west-1.kinesis-streams"',
        '"com.amazonaws.eu-west-1.logs"',
        '"com.amazonaws.eu-west-1.monitoring"',
        '"com.amazonaws.eu-west-1.sagemaker.runtime"',
        '"com.amazonaws.eu-west-1.sqs"',
        '"com.amazonaws.eu-west-1.xray"',
      ].sort(),
    );
    for (const endpoint of interfaces)
      expect(endpoint).toMatchObject({ Properties: { PrivateDnsEnabled: true } });
  });

  it("opens the interface endpoints to HTTPS from the VPC's own range, written out", () => {
    template.resourceCountIs("AWS::EC2::VPC", 1);
    template.hasResourceProperties("AWS::EC2::VPC", { CidrBlock: NEW_VPC_CIDR });
    const groups = Object.values(
      template.findResources("AWS::EC2::SecurityGroup", {
        Properties: { GroupDescription: Match.stringLikeRegexp("Endpoint") },
      }),
    );
    expect(groups).toHaveLength(6);
    for (const group of groups) {
      expect(group).toMatchObject({
        Properties: {
          SecurityGroupIngress: [
            expect.objectContaining({ CidrIp: NEW_VPC_CIDR, FromPort: 443, ToPort: 443, IpProtocol: "tcp" }),
          ],
        },
      });
    }
  });

  it("logs every flow of the VPC to a group under the data key", () => {
    const { data, network, template: withFlowLog } = synth();
    const groupId = network.flowLogGroup === undefined ? "" : logicalIdOf(network, network.flowLogGroup);
    withFlowLog.hasResourceProperties("AWS::EC2::FlowLog", {
      ResourceType: "VPC",
      TrafficType: "ALL",
      LogDestinationType: "cloud-watch-logs",
      LogGroupName: { Ref: groupId },
    });
    withFlowLog.hasResourceProperties("AWS::Logs::LogGroup", {
      KmsKeyId: { "Fn::ImportValue": Match.stringLikeRegexp(logicalIdOf(data, data.encryptionKey)) },
      RetentionInDays: 90,
    });
  });

  it("adds Lambda and STS endpoints with the MSK option, for the Kafka mapping's pollers", () => {
    const { template: kafka } = synth({ eventBus: "msk" });
    const services = Object.values(kafka.findResources("AWS::EC2::VPCEndpoint")).map(serviceNameOf);
    expect(services).toContain('"com.amazonaws.eu-west-1.lambda"');
    expect(services).toContain('"com.amazonaws.eu-west-1.sts"');
    const plain = Object.values(template.findResources("AWS::EC2::VPCEndpoint")).map(serviceNameOf);
    expect(plain).not.toContain('"com.amazonaws.eu-west-1.lambda"');
  });
});

describe("NetworkStack cache", () => {
  const { data, network, template } = synth();

  it("is ElastiCache Serverless for Valkey in the private subnets, encrypted at rest with the data key", () => {
    template.resourceCountIs("AWS::ElastiCache::ServerlessCache", 1);
    template.hasResourceProperties("AWS::ElastiCache::ServerlessCache", {
      Engine: "valkey",
      MajorEngineVersion: "8",
      ServerlessCacheName: "flywheel-dev",
      KmsKeyId: { "Fn::ImportValue": Match.stringLikeRegexp(logicalIdOf(data, data.encryptionKey)) },
      SecurityGroupIds: [{ "Fn::GetAtt": [logicalIdOf(network, network.cacheSecurityGroup), "GroupId"] }],
      SubnetIds: [
        { Ref: Match.stringLikeRegexp("privateSubnet1") },
        { Ref: Match.stringLikeRegexp("privateSubnet2") },
      ],
    });
  });

  it("has a security group that lets nobody in by itself and opens no connection out", () => {
    template.hasResourceProperties("AWS::EC2::SecurityGroup", {
      GroupDescription: Match.stringLikeRegexp("Valkey cache"),
      SecurityGroupIngress: Match.absent(),
      SecurityGroupEgress: [Match.objectLike({ Description: "Disallow all traffic" })],
    });
    template.resourceCountIs("AWS::EC2::SecurityGroupIngress", 0);
  });

  it("exposes a TLS URL (rediss://) of the cache's endpoint", () => {
    expect(network.resolve(network.cacheUrl)).toEqual({
      "Fn::Join": [
        "",
        [
          "rediss://",
          { "Fn::GetAtt": ["Cache", "Endpoint.Address"] },
          ":",
          { "Fn::GetAtt": ["Cache", "Endpoint.Port"] },
        ],
      ],
    });
  });
});

describe("NetworkStack.grantCacheAccess", () => {
  it("opens the cache's ports to the function's security group, from the function's own stack", () => {
    const {
      consumers,
      inVpc,
      template: networkTemplate,
      consumersTemplate: template,
    } = synth({}, (built) => built.network.grantCacheAccess(built.inVpc));
    const functionGroup = inVpc.function.connections.securityGroups[0];
    if (functionGroup === undefined) throw new Error("the function has no security group");
    template.resourceCountIs("AWS::EC2::SecurityGroupIngress", 1);
    template.hasResourceProperties("AWS::EC2::SecurityGroupIngress", {
      IpProtocol: "tcp",
      FromPort: 6379,
      ToPort: 6380,
      GroupId: { "Fn::ImportValue": Match.stringLikeRegexp("CacheSecurityGroup") },
      SourceSecurityGroupId: { "Fn::GetAtt": [logicalIdOf(consumers, functionGroup), "GroupId"] },
    });
    // Nothing was added to the network stack, which is deployed first.
    networkTemplate.resourceCountIs("AWS::EC2::SecurityGroupIngress", 0);
  });

  it("runs the function in the private subnets and tells it the cache's TLS URL and cluster mode", () => {
    const { consumersTemplate: template } = synth({}, (built) => built.network.grantCacheAccess(built.inVpc));
    template.hasResourceProperties("AWS::Lambda::Function", {
      VpcConfig: {
        SubnetIds: [
          { "Fn::ImportValue": Match.stringLikeRegexp("privateSubnet1") },
          { "Fn::ImportValue": Match.stringLikeRegexp("privateSubnet2") },
        ],
        SecurityGroupIds: [
          { "Fn::GetAtt": [Match.stringLikeRegexp("InVpcFunctionSecurityGroup"), "GroupId"] },
        ],
      },
      Environment: {
        Variables: Match.objectLike({
          FLYWHEEL_REDIS_URL: {
            "Fn::Join": [
              "",
              [
                "rediss://",
                { "Fn::ImportValue": Match.stringLikeRegexp("EndpointAddress") },
                ":",
                { "Fn::ImportValue": Match.stringLikeRegexp("EndpointPort") },
              ],
            ],
          },
          FLYWHEEL_REDIS_CLUSTER: "true",
        }),
      },
    });
  });

  it("refuses a function outside the VPC, naming it", () => {
    const { network, outsideVpc } = synth();
    expect(() => network.grantCacheAccess(outsideVpc)).toThrow(/Consumers\/OutsideVpc is not in a VPC/);
  });
});

describe("NetworkStack in an existing VPC described in the context (existingVpc)", () => {
  const existingVpc = {
    vpcId: "vpc-0123456789abcdef0",
    availabilityZones: ["eu-west-1a", "eu-west-1b"],
    privateSubnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
  };
  const { app, network, template } = synth({ existingVpc });

  it("builds the VPC from its attributes, with no lookup and no VPC, endpoint or flow log of its own", () => {
    expect(app.synth().manifest.missing ?? []).toEqual([]);
    template.resourceCountIs("AWS::EC2::VPC", 0);
    template.resourceCountIs("AWS::EC2::VPCEndpoint", 0);
    template.resourceCountIs("AWS::EC2::FlowLog", 0);
    expect(network.flowLogGroup).toBeUndefined();
    expect(network.vpc.vpcId).toBe(existingVpc.vpcId);
  });

  it("puts the cache and the functions in its private subnets", () => {
    template.hasResourceProperties("AWS::ElastiCache::ServerlessCache", {
      SubnetIds: existingVpc.privateSubnetIds,
    });
    expect(network.functionPlacement.vpcSubnets).toEqual({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS });
  });
});

describe("NetworkStack in an existing VPC (-c vpcId=…)", () => {
  const { app, network, template } = synth({ vpcId: "vpc-0123456789abcdef0" });

  it("looks the VPC up instead of creating one, and creates no endpoints in it", () => {
    template.resourceCountIs("AWS::EC2::VPC", 0);
    template.resourceCountIs("AWS::EC2::Subnet", 0);
    template.resourceCountIs("AWS::EC2::VPCEndpoint", 0);
    const lookups = app.synth().manifest.missing ?? [];
    expect(lookups).toContainEqual(
      expect.objectContaining({
        provider: "vpc-provider",
        props: expect.objectContaining({ filter: { "vpc-id": "vpc-0123456789abcdef0" } }),
      }),
    );
  });

  it("puts the cache and the functions in the VPC's private subnets", () => {
    const privateSubnetIds = network.vpc.privateSubnets.map((subnet) => subnet.subnetId);
    expect(privateSubnetIds.length).toBeGreaterThan(0);
    template.hasResourceProperties("AWS::ElastiCache::ServerlessCache", { SubnetIds: privateSubnetIds });
    expect(network.functionPlacement.vpcSubnets).toEqual({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS });
  });
});
