import { fileURLToPath } from "node:url";
import { CustomResource, Duration, Fn, type RemovalPolicy, Stack } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import * as msk from "aws-cdk-lib/aws-msk";
import * as cr from "aws-cdk-lib/custom-resources";
import { Construct } from "constructs";
import type { FunctionEnvironment } from "../../functions/commons/function-environment.ts";
import {
  AWS_CUSTOM_RESOURCE_PROVIDER_ID,
  acknowledgeCdkProviderFunction,
  acknowledgeNagRule,
} from "./check-acknowledgments.ts";
import { FlywheelFunction, type FunctionNetworkPlacement } from "./flywheel-function.ts";
import { allowFunctionIngress } from "./function-ingress.ts";

export interface MskServerlessEventBusProps {
  /** Part of the cluster's name, which MSK requires and which must be unique in the account and region. */
  readonly stageName: string;
  /** The VPC and subnets of the cluster; its clients run there too. */
  readonly placement: FunctionNetworkPlacement;
  /** The events topic, created by this construct. */
  readonly topic: string;
  readonly partitions: number;
  /** The house variables for the topic provider's function. */
  readonly functionEnvironment: FunctionEnvironment;
  /** @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
  /** Encrypts the topic provider's log group. @default CloudWatch Logs' own encryption */
  readonly logEncryptionKey?: kms.IKey;
}

/** The broker port of IAM authentication (SASL/OAUTHBEARER over TLS). */
export const MSK_IAM_PORT = 9098;

/** The variables readKafkaConfig and readMskEventBusConfig (layers/adapters/aws/msk/) read. */
export const KAFKA_ENVIRONMENT_VARIABLES = {
  eventBus: "FLYWHEEL_EVENT_BUS",
  brokers: "FLYWHEEL_KAFKA_BROKERS",
  auth: "FLYWHEEL_KAFKA_AUTH",
  topic: "FLYWHEEL_KAFKA_TOPIC",
} as const;

const TOPIC_HANDLER_ENTRY = fileURLToPath(
  new URL("../custom-resources/kafka-topic-handler.ts", import.meta.url),
);

/**
 * The MSK option's event bus: an MSK Serverless cluster with IAM authentication in the VPC's private
 * subnets, its events topic, and the bootstrap brokers (which CloudFormation does not return, so a
 * GetBootstrapBrokers call reads them). Clients get in through `grantPublish` and `grantConsume`, which add
 * the kafka-cluster IAM actions on exactly this cluster, topic and consumer group, open the broker port from
 * the client's security group, and set the variables the Kafka adapters read.
 */
export class MskServerlessEventBus extends Construct {
  public readonly cluster: msk.CfnServerlessCluster;
  public readonly securityGroup: ec2.SecurityGroup;
  public readonly topicName: string;
  /** `host:port[,host:port…]` of the IAM listener. */
  public readonly bootstrapBrokers: string;
  /** The topic custom resource: consumers and producers wait for it. */
  public readonly topic: CustomResource;

  constructor(scope: Construct, id: string, props: MskServerlessEventBusProps) {
    super(scope, id);
    const { vpc, vpcSubnets } = props.placement;
    this.topicName = props.topic;

    this.securityGroup = new ec2.SecurityGroup(this, "SecurityGroup", {
      vpc,
      description: `Flywheel ${props.stageName}: the MSK Serverless cluster and its event-source mapping`,
      // The event-source mapping's pollers use this group to call Lambda, STS and SQS through the endpoints.
      allowAllOutbound: true,
    });
    // Lambda's Kafka pollers join the cluster's subnets with the cluster's own group (Lambda docs).
    this.securityGroup.addIngressRule(
      this.securityGroup,
      ec2.Port.allTraffic(),
      "the event-source mapping's pollers",
    );

    this.cluster = new msk.CfnServerlessCluster(this, "Cluster", {
      clusterName: `flywheel-${props.stageName}-events`,
      clientAuthentication: { sasl: { iam: { enabled: true } } },
      vpcConfigs: [
        {
          subnetIds: vpc.selectSubnets({ ...vpcSubnets, onePerAz: true }).subnetIds,
          securityGroups: [this.securityGroup.securityGroupId],
        },
      ],
    });

    const brokers = new cr.AwsCustomResource(this, "BootstrapBrokers", {
      onUpdate: {
        service: "Kafka",
        action: "getBootstrapBrokers",
        parameters: { ClusterArn: this.cluster.attrArn },
        physicalResourceId: cr.PhysicalResourceId.of(this.cluster.attrArn),
        outputPaths: ["BootstrapBrokerStringSaslIam"],
      },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: ["kafka:GetBootstrapBrokers"],
          resources: [this.cluster.attrArn],
        }),
      ]),
      installLatestAwsSdk: false,
    });
    this.bootstrapBrokers = brokers.getResponseField("BootstrapBrokerStringSaslIam");
    const brokersProvider = Stack.of(this).node.tryFindChild(AWS_CUSTOM_RESOURCE_PROVIDER_ID);
    if (brokersProvider !== undefined) {
      acknowledgeCdkProviderFunction(
        brokersProvider,
        "The provider that reads the cluster's bootstrap brokers",
      );
    }

    const topicHandler = new FlywheelFunction(this, "TopicHandler", {
      entry: TOPIC_HANDLER_ENTRY,
      description: `Flywheel ${props.stageName}: creates the events topic on the MSK Serverless cluster`,
      functionEnvironment: props.functionEnvironment,
      timeout: Duration.minutes(2),
      network: props.placement,
      ...(props.logRemovalPolicy === undefined ? {} : { logRemovalPolicy: props.logRemovalPolicy }),
      ...(props.logEncryptionKey === undefined ? {} : { logEncryptionKey: props.logEncryptionKey }),
    });
    this.connect(topicHandler);
    topicHandler.addEnvironment(KAFKA_ENVIRONMENT_VARIABLES.brokers, this.bootstrapBrokers);
    topicHandler.addEnvironment(KAFKA_ENVIRONMENT_VARIABLES.auth, "msk-iam");
    iam.Grant.addToPrincipal({
      grantee: topicHandler,
      actions: ["kafka-cluster:CreateTopic", "kafka-cluster:DescribeTopic"],
      resourceArns: [this.topicArn()],
    });
    const provider = new cr.Provider(this, "TopicProvider", { onEventHandler: topicHandler.function });
    acknowledgeCdkProviderFunction(
      provider,
      "The custom-resource provider framework in front of the topic handler (it invokes only that function)",
    );
    this.topic = new CustomResource(this, "Topic", {
      serviceToken: provider.serviceToken,
      resourceType: "Custom::KafkaTopic",
      properties: { Topic: props.topic, Partitions: props.partitions },
    });
  }

  /** The cluster's ARN, for the Kafka event-source mapping. */
  get clusterArn(): string {
    return this.cluster.attrArn;
  }

  /**
   * A producer (POST /v1/events): connect, and idempotent writes to the events topic only, and the
   * variables of the MSK event bus (FLYWHEEL_EVENT_BUS=msk, brokers, IAM auth, topic).
   */
  grantPublish(fn: FlywheelFunction): void {
    this.connect(fn);
    iam.Grant.addToPrincipal({
      grantee: fn,
      // The producer is idempotent (kafka-client.ts), which IAM checks on the cluster.
      actions: ["kafka-cluster:Connect", "kafka-cluster:WriteDataIdempotently"],
      resourceArns: [this.clusterArn],
    });
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"],
      resourceArns: [this.topicArn()],
    });
    fn.addEnvironment(KAFKA_ENVIRONMENT_VARIABLES.eventBus, "msk");
    fn.addEnvironment(KAFKA_ENVIRONMENT_VARIABLES.brokers, this.bootstrapBrokers);
    fn.addEnvironment(KAFKA_ENVIRONMENT_VARIABLES.auth, "msk-iam");
    fn.addEnvironment(KAFKA_ENVIRONMENT_VARIABLES.topic, this.topicName);
  }

  /**
   * The consumer of a Kafka event-source mapping: what the mapping does with the function's role (describe
   * the cluster, read the topic, commit the group's offsets), on this cluster, topic and group only.
   */
  grantConsume(fn: FlywheelFunction, consumerGroupId: string): void {
    // ManagedKafkaEventSource attaches AWSLambdaMSKExecutionRole to the function's role when it binds.
    acknowledgeNagRule(
      fn,
      "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaMSKExecutionRole]",
      "Attached by CDK's ManagedKafkaEventSource: the policy Lambda documents for an MSK event-source mapping; the statements below already name this cluster, topic and group",
    );
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: [
        "kafka:DescribeClusterV2",
        "kafka:GetBootstrapBrokers",
        "kafka-cluster:Connect",
        "kafka-cluster:DescribeClusterDynamicConfiguration",
      ],
      resourceArns: [this.clusterArn],
    });
    // The mapping's pollers attach to the cluster's subnets under the function's role; Describe* calls take
    // no resource-level permissions.
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ["ec2:DescribeVpcs", "ec2:DescribeSecurityGroups"],
      resourceArns: ["*"],
    });
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"],
      resourceArns: [this.topicArn()],
    });
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ["kafka-cluster:DescribeGroup", "kafka-cluster:AlterGroup"],
      resourceArns: [this.childArn("group", consumerGroupId)],
    });
  }

  /** arn:…:topic/<cluster name>/<cluster uuid>/<topic>, the resource kafka-cluster topic actions name. */
  topicArn(): string {
    return this.childArn("topic", this.topicName);
  }

  private childArn(kind: "topic" | "group", name: string): string {
    // The cluster ARN ends in cluster/<name>/<uuid>; topics and groups live under the same two parts.
    const resourcePath = Fn.select(5, Fn.split(":", this.clusterArn));
    return Stack.of(this).formatArn({
      service: "kafka",
      resource: kind,
      resourceName: `${Fn.select(1, Fn.split("/", resourcePath))}/${Fn.select(2, Fn.split("/", resourcePath))}/${name}`,
    });
  }

  /** The broker port from the function's security group; the function must run in the cluster's VPC. */
  private connect(fn: FlywheelFunction): void {
    allowFunctionIngress(
      this.securityGroup,
      fn,
      { from: MSK_IAM_PORT, to: MSK_IAM_PORT },
      "Flywheel function to the Kafka brokers (IAM)",
    );
  }
}
