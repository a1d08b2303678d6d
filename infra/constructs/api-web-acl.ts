import { ArnFormat, RemovalPolicy, Stack } from "aws-cdk-lib";
import type * as apigateway from "aws-cdk-lib/aws-apigateway";
import type * as kms from "aws-cdk-lib/aws-kms";
import * as logs from "aws-cdk-lib/aws-logs";
import * as wafv2 from "aws-cdk-lib/aws-wafv2";
import { Construct } from "constructs";

export interface ApiWebAclProps {
  /** The REST API stage the web ACL protects. */
  readonly apiStage: apigateway.Stage;
  /** Names the web ACL's metrics and its log group. */
  readonly stageName: string;
  /** Requests one client IP may send in any 5 minutes; more are blocked until its rate falls. */
  readonly rateLimitPer5Min: number;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
  /** Encrypts the WAF log. @default CloudWatch Logs' own encryption */
  readonly logEncryptionKey?: kms.IKey;
}

/**
 * The managed rule groups the web ACL evaluates after the rate rule: the common rule set (OWASP-style
 * probes: bad bots, path traversal, cross-site scripting in the URI) and known bad inputs (Log4j,
 * Java deserialization exploits).
 */
export const API_MANAGED_RULE_GROUPS = [
  "AWSManagedRulesCommonRuleSet",
  "AWSManagedRulesKnownBadInputsRuleSet",
] as const;

/**
 * Rules of the common rule set that only count: SizeRestrictions_BODY blocks bodies over 8 KB, and event
 * batches and catalog upserts are legitimately larger; the handlers enforce their own body limits (413).
 */
export const COUNTED_COMMON_RULES = ["SizeRestrictions_BODY"] as const;

/** Headers WAF must never write to its log: the client's API key, and SigV4 signatures of admin calls. */
export const REDACTED_HEADERS = ["x-api-key", "authorization"] as const;

/**
 * An AWS WAF web ACL on the API's stage: a rate-based rule per client IP, then AWS's managed rule groups,
 * with their metrics and sampled requests, and a log (`aws-waf-logs-…`, a name WAF requires) without the
 * API key and signature headers. It sits in front of the API keys and the usage plan: it blocks floods and
 * probes before they reach a Lambda, from callers with or without a key.
 */
export class ApiWebAcl extends Construct {
  public readonly webAcl: wafv2.CfnWebACL;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ApiWebAclProps) {
    super(scope, id);
    const metricPrefix = `flywheel-${props.stageName}-api`;
    const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      metricName,
      sampledRequestsEnabled: true,
    });

    const managedRules: wafv2.CfnWebACL.RuleProperty[] = API_MANAGED_RULE_GROUPS.map((name, index) => ({
      name,
      priority: index + 1,
      overrideAction: { none: {} },
      statement: {
        managedRuleGroupStatement: {
          vendorName: "AWS",
          name,
          ...(name === "AWSManagedRulesCommonRuleSet"
            ? {
                ruleActionOverrides: COUNTED_COMMON_RULES.map((rule) => ({
                  name: rule,
                  actionToUse: { count: {} },
                })),
              }
            : {}),
        },
      },
      visibilityConfig: visibility(`${metricPrefix}-${name}`),
    }));

    this.webAcl = new wafv2.CfnWebACL(this, "WebAcl", {
      description: `Flywheel ${props.stageName}: rate limit per client IP and AWS managed rules for the API`,
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      visibilityConfig: visibility(metricPrefix),
      rules: [
        {
          name: "RateLimitPerClientIp",
          priority: 0,
          action: { block: {} },
          statement: {
            rateBasedStatement: {
              limit: props.rateLimitPer5Min,
              aggregateKeyType: "IP",
              evaluationWindowSec: 300,
            },
          },
          visibilityConfig: visibility(`${metricPrefix}-rate-limit`),
        },
        ...managedRules,
      ],
    });

    new wafv2.CfnWebACLAssociation(this, "StageAssociation", {
      resourceArn: props.apiStage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });

    this.logGroup = new logs.LogGroup(this, "Log", {
      logGroupName: `aws-waf-logs-flywheel-${props.stageName}`,
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
      ...(props.logEncryptionKey === undefined ? {} : { encryptionKey: props.logEncryptionKey }),
    });
    const logging = new wafv2.CfnLoggingConfiguration(this, "Logging", {
      resourceArn: this.webAcl.attrArn,
      // WAF wants the group's ARN without the `:*` that CloudFormation's Arn attribute ends with.
      logDestinationConfigs: [
        Stack.of(this).formatArn({
          service: "logs",
          resource: "log-group",
          resourceName: this.logGroup.logGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      redactedFields: REDACTED_HEADERS.map((name) => ({ singleHeader: { Name: name } })),
    });
    logging.node.addDependency(this.logGroup);
  }
}
