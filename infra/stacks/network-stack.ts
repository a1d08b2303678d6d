import { CfnOutput, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as elasticache from "aws-cdk-lib/aws-elasticache";
import type * as kms from "aws-cdk-lib/aws-kms";
import * as logs from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import type { StageConfig } from "../config/stage-config.ts";
import type { FlywheelFunction, FunctionNetworkPlacement } from "../constructs/flywheel-function.ts";
import { allowFunctionIngress } from "../constructs/function-ingress.ts";

export interface NetworkStackProps extends StackProps {
  readonly stage: StageConfig;
  /** Encrypts the cache at rest: the data stack's key, so one key covers every copy of user data. */
  readonly encryptionKey: kms.IKey;
}

/** A new VPC's address range, literal so that rules on it can be checked at synthesis. */
export const NEW_VPC_CIDR = "10.0.0.0/16";

/** The cache's ports: 6379 for the primary endpoint, 6380 for the reader endpoint (reads from replicas). */
export const CACHE_PORTS = { from: 6379, to: 6380 } as const;

/** The variables readRedisConfig (layers/adapters/aws/redis/redis-config.ts) reads. */
export const REDIS_URL_ENVIRONMENT_VARIABLE = "FLYWHEEL_REDIS_URL";
export const REDIS_CLUSTER_ENVIRONMENT_VARIABLE = "FLYWHEEL_REDIS_CLUSTER";

/**
 * The private network of the functions that need one, and the cache that lives in it: ElastiCache
 * Serverless for Valkey (trending counters, the L1 recommendation cache). It is one stack because the cache
 * is the reason for the VPC; the MSK option's cluster joins the same VPC from the ingest stack.
 *
 * A new VPC has two AZs of private isolated subnets and no NAT gateway: nothing in it needs the internet,
 * only AWS services, and those are reached through VPC endpoints (gateway endpoints for DynamoDB and S3,
 * which are free; interface endpoints for Kinesis, SQS, SageMaker runtime, CloudWatch Logs and metrics, and
 * X-Ray, since every function traces). Endpoints cost less than two NAT gateways and keep the traffic off
 * the internet. All its flows go to a flow log. With `-c vpcId=…` (looked up at synthesis) or `existingVpc`
 * (described in the context) the stack uses that VPC instead and creates no endpoints and no flow log: an
 * existing VPC brings its own egress (NAT or endpoints); its private subnets are used.
 */
export class NetworkStack extends Stack {
  public readonly vpc: ec2.IVpc;
  /** Pass as `network` to a FlywheelFunction that must reach the cache or the Kafka cluster. */
  public readonly functionPlacement: FunctionNetworkPlacement;
  public readonly cacheSecurityGroup: ec2.SecurityGroup;
  public readonly cache: elasticache.CfnServerlessCache;
  /** `rediss://host:port`: ElastiCache Serverless accepts TLS connections only. */
  public readonly cacheUrl: string;
  /** The new VPC's flow log; absent in an existing VPC. */
  public readonly flowLogGroup: logs.LogGroup | undefined;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    const { stage } = props;
    const existingVpc = stage.network.existingVpc;
    const logRemovalPolicy =
      stage.dataRemovalPolicy === "retain" ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    if (existingVpc === undefined) {
      const vpc = new ec2.Vpc(this, "Vpc", {
        ipAddresses: ec2.IpAddresses.cidr(NEW_VPC_CIDR),
        maxAzs: 2,
        natGateways: 0,
        subnetConfiguration: [{ name: "private", subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 22 }],
        restrictDefaultSecurityGroup: true,
      });
      this.vpc = vpc;
      this.functionPlacement = { vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } };
      addServiceEndpoints(vpc, stage.eventBus.kind === "msk");
      // Every accepted and rejected flow, for investigations; under the data key like every log group.
      this.flowLogGroup = new logs.LogGroup(this, "FlowLogGroup", {
        retention: logs.RetentionDays.THREE_MONTHS,
        encryptionKey: props.encryptionKey,
        removalPolicy: logRemovalPolicy,
      });
      vpc.addFlowLog("FlowLog", {
        destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup),
        trafficType: ec2.FlowLogTrafficType.ALL,
      });
    } else {
      this.vpc =
        existingVpc.source === "lookup"
          ? ec2.Vpc.fromLookup(this, "Vpc", { vpcId: existingVpc.vpcId })
          : ec2.Vpc.fromVpcAttributes(this, "Vpc", {
              vpcId: existingVpc.vpcId,
              availabilityZones: [...existingVpc.availabilityZones],
              privateSubnetIds: [...existingVpc.privateSubnetIds],
              ...(existingVpc.privateSubnetRouteTableIds === undefined
                ? {}
                : { privateSubnetRouteTableIds: [...existingVpc.privateSubnetRouteTableIds] }),
              ...(existingVpc.vpcCidrBlock === undefined ? {} : { vpcCidrBlock: existingVpc.vpcCidrBlock }),
            });
      const subnetType =
        this.vpc.privateSubnets.length > 0
          ? ec2.SubnetType.PRIVATE_WITH_EGRESS
          : ec2.SubnetType.PRIVATE_ISOLATED;
      this.functionPlacement = { vpc: this.vpc, vpcSubnets: { subnetType } };
      // Its owner decides on its flow logs.
      this.flowLogGroup = undefined;
    }

    this.cacheSecurityGroup = new ec2.SecurityGroup(this, "CacheSecurityGroup", {
      vpc: this.vpc,
      description: `Flywheel ${stage.stageName}: the Valkey cache; clients are let in by grantCacheAccess`,
      // The cache opens no connections of its own.
      allowAllOutbound: false,
    });
    // ElastiCache Serverless spreads over two or three AZs: one subnet in each.
    const cacheSubnets = this.vpc.selectSubnets({ ...this.functionPlacement.vpcSubnets, onePerAz: true });
    this.cache = new elasticache.CfnServerlessCache(this, "Cache", {
      // A required name, unique in the account and region: the stage makes it so.
      serverlessCacheName: `flywheel-${stage.stageName}`,
      description: `Flywheel ${stage.stageName}: trending counters and the recommendation cache`,
      engine: "valkey",
      majorEngineVersion: "8",
      // At rest under the data key; in transit TLS is always on for a serverless cache.
      kmsKeyId: props.encryptionKey.keyId,
      securityGroupIds: [this.cacheSecurityGroup.securityGroupId],
      subnetIds: cacheSubnets.subnetIds.slice(0, 3),
    });
    // The cache holds only what can be rebuilt (counters refill from the stream, cached lists expire), so
    // it goes with the stack whatever the stage's data policy.
    this.cacheUrl = `rediss://${this.cache.attrEndpointAddress}:${this.cache.attrEndpointPort}`;

    new CfnOutput(this, "CacheEndpoint", {
      description: "The Valkey cache (TLS only, reachable from inside the VPC)",
      value: this.cacheUrl,
    });
  }

  /**
   * Lets a function in this VPC use the cache: ingress from the function's security group on the cache's
   * ports, and FLYWHEEL_REDIS_URL (`rediss://`, TLS) with FLYWHEEL_REDIS_CLUSTER=true (a serverless cache
   * speaks the cluster protocol). The function must have been built with `network: functionPlacement`.
   */
  grantCacheAccess(fn: FlywheelFunction): void {
    allowFunctionIngress(this.cacheSecurityGroup, fn, CACHE_PORTS, "Flywheel function to the Valkey cache");
    fn.addEnvironment(REDIS_URL_ENVIRONMENT_VARIABLE, this.cacheUrl);
    fn.addEnvironment(REDIS_CLUSTER_ENVIRONMENT_VARIABLE, "true");
  }
}

/** The AWS services the functions in the VPC call, reached without a NAT gateway. */
function addServiceEndpoints(vpc: ec2.Vpc, kafka: boolean): void {
  const subnets = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
  vpc.addGatewayEndpoint("DynamoDbEndpoint", {
    service: ec2.GatewayVpcEndpointAwsService.DYNAMODB,
    subnets: [subnets],
  });
  vpc.addGatewayEndpoint("S3Endpoint", { service: ec2.GatewayVpcEndpointAwsService.S3, subnets: [subnets] });
  const interfaceServices: Array<[string, ec2.InterfaceVpcEndpointAwsService]> = [
    ["KinesisEndpoint", ec2.InterfaceVpcEndpointAwsService.KINESIS_STREAMS],
    ["SqsEndpoint", ec2.InterfaceVpcEndpointAwsService.SQS],
    ["SageMakerRuntimeEndpoint", ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_RUNTIME],
    ["CloudWatchLogsEndpoint", ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS],
    ["CloudWatchMonitoringEndpoint", ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING],
    ["XRayEndpoint", ec2.InterfaceVpcEndpointAwsService.XRAY],
  ];
  if (kafka) {
    // The Kafka event-source mapping's pollers run in the cluster's subnets and call Lambda and STS from
    // there (Lambda docs, "Configuring your Amazon MSK cluster and Amazon VPC network for Lambda").
    interfaceServices.push(
      ["LambdaEndpoint", ec2.InterfaceVpcEndpointAwsService.LAMBDA],
      ["StsEndpoint", ec2.InterfaceVpcEndpointAwsService.STS],
    );
  }
  for (const [id, service] of interfaceServices) {
    // HTTPS from anywhere in the VPC (its literal range, which cdk-nag can check, where `open: true` would
    // write a reference); the endpoint policy is AWS's default (the callers' IAM decides).
    const endpoint = vpc.addInterfaceEndpoint(id, { service, subnets, privateDnsEnabled: true, open: false });
    endpoint.connections.allowFrom(ec2.Peer.ipv4(NEW_VPC_CIDR), ec2.Port.HTTPS, "HTTPS from inside the VPC");
  }
}
