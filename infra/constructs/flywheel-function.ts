import { Duration, RemovalPolicy } from "aws-cdk-lib";
import type * as ec2 from "aws-cdk-lib/aws-ec2";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import {
  type FunctionEnvironment,
  functionEnvironmentVariables,
} from "../../functions/commons/function-environment.ts";
import { lambdaAssetCode } from "../bundling/lambda-asset-code.ts";
import { type BundleTarget, LAMBDA_BUNDLE_OPTIONS } from "../bundling/lambda-bundle-options.ts";
import { acknowledgeIamWildcards, skipCheckovCheck } from "./check-acknowledgments.ts";
import type { EnvironmentGrantee } from "./flywheel-table.ts";
import { defaultServiceName, observabilityEnvironment } from "./observability-environment.ts";

export interface FlywheelFunctionProps {
  /** Absolute path of the handler module; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  /** The house variables every handler reads at start (stage, version). */
  readonly functionEnvironment: FunctionEnvironment;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  /** More variables; resource names arrive through the stacks' `grant*` helpers instead. @default none */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * The Powertools service: the `service` key of its log lines and dimension of its metrics.
   * @default `flywheel-` and the construct id in kebab case, without `Handler` or `Function`
   */
  readonly serviceName?: string;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** What happens to the log group when the function goes. @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * Encrypts the log group: the data stack's key, whose policy lets CloudWatch Logs use it (logs may hold
   * user ids). @default CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;
  /**
   * Runs the function in a VPC (for the cache, or the Kafka cluster), with a security group of its own.
   * A construction-time choice: Lambda attaches the network interfaces when the function is created.
   * @default not in a VPC
   */
  readonly network?: FunctionNetworkPlacement;
  /**
   * What the bundle is built for: with the stage's event bus, the other bus's client is left out
   * (infra/bundling/lambda-bundle-options.ts, `bundleDefines`). @default every option bundled
   */
  readonly bundleTarget?: BundleTarget;
}

/** Where a function in a VPC runs: the network stack's `functionPlacement`. */
export interface FunctionNetworkPlacement {
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
}

/**
 * Lambda's own calls that take no resource-level permissions: X-Ray segments, and in a VPC the network
 * interfaces (the actions of AWSLambdaVPCAccessExecutionRole without its logs:* on every group).
 */
const TRACING_ACTIONS = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"] as const;
const VPC_NETWORK_INTERFACE_ACTIONS = [
  "ec2:CreateNetworkInterface",
  "ec2:DescribeNetworkInterfaces",
  "ec2:DescribeSubnets",
  "ec2:DeleteNetworkInterface",
  "ec2:AssignPrivateIpAddresses",
  "ec2:UnassignPrivateIpAddresses",
] as const;

const VPC_WILDCARD = {
  finding: /^Resource::\*$/,
  reason: `Lambda creates, describes and deletes the function's network interfaces as it scales: ${VPC_NETWORK_INTERFACE_ACTIONS.join(", ")}, on interfaces that do not exist yet`,
};

/**
 * A Flywheel Lambda with the house defaults (STYLE.md habit 7): Node.js 24 on arm64 (Graviton: the same
 * speed for this code at a lower price), X-Ray tracing, JSON logs with a level into its own log group with
 * a retention, and an esbuild ESM bundle, minified and split, with source maps, built with the options
 * every Flywheel Lambda shares (infra/bundling/lambda-bundle-options.ts; the AWS SDK is bundled too).
 *
 * Its role has no managed policy: it may write to its own log group only (AWSLambdaBasicExecutionRole
 * would allow every group of the account), and in a VPC manage its network interfaces. Everything else
 * comes from `grant*` helpers.
 *
 * It is an EnvironmentGrantee: a stack's `grant*` helper grants it least privilege and sets the variable
 * that names the resource in one call.
 */
export class FlywheelFunction extends Construct implements EnvironmentGrantee {
  public readonly function: lambda.Function;
  public readonly logGroup: logs.LogGroup;
  /** Its POWERTOOLS_SERVICE_NAME: the `service` dimension of the metrics it emits. */
  public readonly serviceName: string;

  constructor(scope: Construct, id: string, props: FlywheelFunctionProps) {
    super(scope, id);
    this.serviceName = props.serviceName ?? defaultServiceName(id);
    this.logGroup = new logs.LogGroup(this, "LogGroup", {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
      ...(props.logEncryptionKey === undefined ? {} : { encryptionKey: props.logEncryptionKey }),
    });
    const role = new iam.Role(this, "ServiceRole", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
    });
    this.logGroup.grantWrite(role);
    // A policy of its own, so that checkov's skip names this statement and nothing a grant adds later.
    let networkInterfaces: iam.Policy | undefined;
    if (props.network !== undefined) {
      networkInterfaces = new iam.Policy(this, "VpcNetworkInterfacesPolicy", {
        roles: [role],
        statements: [
          new iam.PolicyStatement({
            sid: "VpcNetworkInterfaces",
            actions: [...VPC_NETWORK_INTERFACE_ACTIONS],
            resources: ["*"],
          }),
        ],
      });
      skipCheckovCheck(
        networkInterfaces,
        "CKV_AWS_111",
        "Lambda's network interfaces in the function's VPC: the EC2 actions of AWSLambdaVPCAccessExecutionRole, which Lambda needs on any interface it creates",
      );
      acknowledgeIamWildcards(networkInterfaces, VPC_WILDCARD);
    }
    acknowledgeIamWildcards(role, {
      finding: /^Resource::\*$/,
      reason: `X-Ray tracing: ${TRACING_ACTIONS.join(", ")} have no resource-level permissions`,
    });
    this.function = new lambda.Function(this, "Function", {
      // The shared bundle options (infra/bundling/lambda-bundle-options.ts, docs/lambda-packaging.md).
      code: lambdaAssetCode(props.entry, props.bundleTarget),
      handler: `${LAMBDA_BUNDLE_OPTIONS.outputFile.replace(/\.mjs$/, "")}.handler`,
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: props.timeout ?? Duration.seconds(10),
      memorySize: props.memorySize ?? 512,
      role,
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      ...(props.network === undefined
        ? {}
        : { vpc: props.network.vpc, vpcSubnets: props.network.vpcSubnets }),
      environment: {
        // No NODE_OPTIONS=--enable-source-maps: it reads every source map at init (~60 ms for the largest
        // bundle); the bundle maps its stack traces when one is first formatted (source-mapped-stack-traces.ts).
        ...functionEnvironmentVariables(props.functionEnvironment),
        ...observabilityEnvironment(this.serviceName),
        ...props.environment,
      },
    });
    // Lambda checks the role's network-interface permissions when it creates a function in a VPC.
    if (networkInterfaces !== undefined) this.function.node.addDependency(networkInterfaces);
  }

  /** Whether the function runs in a VPC, and so has a security group that grants can open ports from. */
  get isInVpc(): boolean {
    return this.function.isBoundToVpc;
  }

  get grantPrincipal(): iam.IPrincipal {
    return this.function.grantPrincipal;
  }

  addEnvironment(key: string, value: string): this {
    this.function.addEnvironment(key, value);
    return this;
  }
}
