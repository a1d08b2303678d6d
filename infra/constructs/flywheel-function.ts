import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import type * as ec2 from "aws-cdk-lib/aws-ec2";
import type * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as nodejs from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import {
  type FunctionEnvironment,
  functionEnvironmentVariables,
} from "../../functions/commons/function-environment.ts";
import type { EnvironmentGrantee } from "./flywheel-table.ts";

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
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** What happens to the log group when the function goes. @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * Runs the function in a VPC (for the cache, or the Kafka cluster), with a security group of its own.
   * A construction-time choice: Lambda attaches the network interfaces when the function is created.
   * @default not in a VPC
   */
  readonly network?: FunctionNetworkPlacement;
}

/** Where a function in a VPC runs: the network stack's `functionPlacement`. */
export interface FunctionNetworkPlacement {
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
}

const REPOSITORY_ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

/**
 * A Flywheel Lambda with the house defaults (STYLE.md habit 7): Node.js 24 on arm64 (Graviton: the same
 * speed for this code at a lower price), X-Ray tracing, JSON logs with a level into its own log group with
 * a retention, and an esbuild ESM bundle, minified, with source maps. The AWS SDK is bundled rather than
 * taken from the runtime, so the SDK version the tests ran against is the one that runs in AWS.
 *
 * It is an EnvironmentGrantee: a stack's `grant*` helper grants it least privilege and sets the variable
 * that names the resource in one call.
 */
export class FlywheelFunction extends Construct implements EnvironmentGrantee {
  public readonly function: nodejs.NodejsFunction;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: FlywheelFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, "LogGroup", {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.function = new nodejs.NodejsFunction(this, "Function", {
      entry: props.entry,
      handler: "handler",
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: props.timeout ?? Duration.seconds(10),
      memorySize: props.memorySize ?? 512,
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      ...(props.network === undefined
        ? {}
        : { vpc: props.network.vpc, vpcSubnets: props.network.vpcSubnets }),
      projectRoot: REPOSITORY_ROOT,
      depsLockFilePath: `${REPOSITORY_ROOT}/package-lock.json`,
      environment: {
        // Stack traces point into the TypeScript sources, at a small cost when an error is thrown.
        NODE_OPTIONS: "--enable-source-maps",
        ...functionEnvironmentVariables(props.functionEnvironment),
        ...props.environment,
      },
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: "node24",
        mainFields: ["module", "main"],
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        bundleAwsSDK: true,
        // Bundled CommonJS dependencies may call require(); an ES module has none of its own.
        banner:
          "import { createRequire as __flywheelCreateRequire } from 'node:module'; const require = __flywheelCreateRequire(import.meta.url);",
      },
    });
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
