import { CfnOutput, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import type * as kms from "aws-cdk-lib/aws-kms";
import type { Construct } from "constructs";
import { API_ROUTE_TABLE } from "../../functions/api/route-table.ts";
import type { UsagePlanThrottle } from "../../functions/api/usage-plan-throttle.ts";
import { packageVersion } from "../config/package-version.ts";
import type { StageConfig } from "../config/stage-config.ts";
import { ApiRoutes, type HandlerOptions } from "../constructs/api-routes.ts";
import { ApiWebAcl } from "../constructs/api-web-acl.ts";
import { acknowledgeNagRule } from "../constructs/check-acknowledgments.ts";

export interface ApiStackProps extends StackProps {
  readonly stage: StageConfig;
  /** The version GET /v1/health reports. @default package.json's version */
  readonly version?: string;
  /** The client usage plan's per-key throttle. @default the stage's (`apiThrottleRate`, `apiThrottleBurst`) */
  readonly throttle?: UsagePlanThrottle;
  /** Per handler id: its VPC placement and grants (see ApiRoutesProps.handlerOptions). @default none */
  readonly handlerOptions?: Readonly<Record<string, HandlerOptions>>;
  /** Encrypts every log group of the API: the data stack's key. @default CloudWatch Logs' own encryption */
  readonly logEncryptionKey?: kms.IKey;
}

/**
 * The HTTP API: the REST API and the Lambdas of every route in API_ROUTE_TABLE, the client usage plan and
 * its first API key, and (unless the stage turns it off) the AWS WAF web ACL in front of its stage. Routes that need data get it through `handlerOptions`, which the app fills with the
 * other stacks' `grant*` helpers.
 */
export class ApiStack extends Stack {
  public readonly routes: ApiRoutes;
  /** Absent when the stage turns the WAF off. */
  public readonly webAcl: ApiWebAcl | undefined;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { stage } = props;
    const logRemovalPolicy =
      stage.dataRemovalPolicy === "retain" ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    this.routes = new ApiRoutes(this, "Api", {
      routeTable: API_ROUTE_TABLE,
      stageName: stage.stageName,
      functionEnvironment: { stageName: stage.stageName, version: props.version ?? packageVersion() },
      throttle: props.throttle ?? stage.api.throttle,
      // The events and serving handlers publish on the stage's bus only: the other's client stays out.
      bundleTarget: { eventBus: stage.eventBus.kind },
      provisionedConcurrency: stage.api.provisionedConcurrency,
      ...(props.handlerOptions === undefined ? {} : { handlerOptions: props.handlerOptions }),
      // Logs follow the stage's data policy: a disposable stage leaves nothing behind.
      logRemovalPolicy,
      ...(props.logEncryptionKey === undefined ? {} : { logEncryptionKey: props.logEncryptionKey }),
    });

    if (stage.api.waf.enabled) {
      this.webAcl = new ApiWebAcl(this, "WebAcl", {
        apiStage: this.routes.api.deploymentStage,
        stageName: stage.stageName,
        rateLimitPer5Min: stage.api.waf.rateLimitPer5Min,
        logRemovalPolicy,
        ...(props.logEncryptionKey === undefined ? {} : { logEncryptionKey: props.logEncryptionKey }),
      });
    } else {
      this.webAcl = undefined;
      acknowledgeNagRule(
        this.routes.api.deploymentStage,
        "APIG3",
        `The web ACL is switched off in stage ${stage.stageName} (waf.enabled=false); API keys, the usage plan's throttle and IAM still guard every route`,
      );
    }

    new CfnOutput(this, "ApiUrl", {
      description: "The invoke URL of the stage; routes are under /v1",
      value: this.routes.api.url,
    });
    new CfnOutput(this, "ApiKeyId", {
      description: "The client API key; its value: aws apigateway get-api-key --include-value --api-key <id>",
      value: this.routes.apiKey.keyId,
    });
  }
}
