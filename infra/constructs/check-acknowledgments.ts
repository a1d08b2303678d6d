import { attachCustomSynthesis, CfnResource, Validations } from "aws-cdk-lib";
import type * as iam from "aws-cdk-lib/aws-iam";
import { rules } from "cdk-nag";
import { Construct, type IConstruct } from "constructs";
import { z } from "zod";

// The deliberate exceptions to the template checks, recorded next to the resources they concern: cdk-nag
// acknowledgments (CDK's Validations API, which cdk-nag 3 reads) and checkov skips (resource Metadata, which
// checkov reads from the template). Every one carries its reason; docs/security.md lists them all.

/** The cdk-nag pack whose rules the app is checked against (infra/flywheel-app.ts). */
const NAG_PACK = "AwsSolutions";

/** Acknowledges an AwsSolutions rule (`APIG2`, or a finding such as `IAM4[Policy::…]`) on `scope` and below. */
export function acknowledgeNagRule(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `${NAG_PACK}-${rule}`, reason });
}

/** An IAM wildcard that is a conscious choice: the AwsSolutions-IAM5 findings it covers, and why. */
export interface JustifiedWildcard {
  /**
   * Matched against the finding as cdk-nag words it: `Action::kms:GenerateDataKey*`, or `Resource::` and the
   * flattened ARN (`Resource::*`, `Resource::<Bucket.Arn>/models/*`; a cross-stack reference appears as
   * its export name).
   */
  readonly finding: RegExp;
  readonly reason: string;
}

/** The id of the marker that holds a scope's justified wildcards. */
const WILDCARDS_MARKER_ID = "NagJustifiedWildcards";

/**
 * Acknowledges the AwsSolutions-IAM5 findings of the policies under `target` (a role, or whatever holds a
 * grantee's role) that match one of `wildcards`, and no others. cdk-nag 3 can only acknowledge a finding by
 * its exact text, and the text of a prefix-scoped grant holds the resolved ARN (a cross-stack export name,
 * the account, the region). So the findings are computed at synthesis, once every reference is final, and
 * each match is acknowledged by its exact text: the effect of v2's scoped `appliesTo`.
 */
export function acknowledgeIamWildcards(
  target: IConstruct | iam.IGrantable,
  ...wildcards: JustifiedWildcard[]
): void {
  const scope = scopeOf(target);
  if (scope === undefined) return;
  const existing = scope.node.tryFindChild(WILDCARDS_MARKER_ID);
  const marker = existing instanceof JustifiedWildcards ? existing : new JustifiedWildcards(scope);
  marker.add(wildcards);
}

/** A grantee's principal is a construct (a role) for every principal this app grants to. */
function scopeOf(target: IConstruct | iam.IGrantable): IConstruct | undefined {
  if (Construct.isConstruct(target)) return target;
  const principal = target.grantPrincipal;
  return Construct.isConstruct(principal) ? principal : undefined;
}

class JustifiedWildcards extends Construct {
  private readonly wildcards: JustifiedWildcard[] = [];

  constructor(scope: IConstruct) {
    super(scope, WILDCARDS_MARKER_ID);
    const target = scope;
    attachCustomSynthesis(this, {
      // Runs after the references between stacks are resolved and before the validation plugins read the
      // acknowledgments.
      onSynthesize: () => {
        for (const resource of target.node.findAll()) {
          if (!CfnResource.isCfnResource(resource)) continue;
          const findings = rules.iam.IAMNoWildcardPermissions(resource);
          if (!Array.isArray(findings)) continue;
          for (const finding of findings) {
            const justified = this.wildcards.find((wildcard) => wildcard.finding.test(finding));
            if (justified !== undefined) acknowledgeNagRule(resource, `IAM5[${finding}]`, justified.reason);
          }
        }
      },
    });
  }

  add(wildcards: readonly JustifiedWildcard[]): void {
    for (const wildcard of wildcards) {
      if (!this.wildcards.some((known) => known.finding.source === wildcard.finding.source)) {
        this.wildcards.push(wildcard);
      }
    }
  }
}

/** A checkov check skipped on one resource, with the reason checkov prints beside it. */
export function skipCheckovCheck(scope: IConstruct, checkId: string, comment: string): void {
  const resource = CfnResource.isCfnResource(scope) ? scope : scope.node.defaultChild;
  if (!CfnResource.isCfnResource(resource)) {
    throw new Error(`${scope.node.path} has no CloudFormation resource to carry a checkov skip`);
  }
  const existing = CheckovMetadataSchema.safeParse(resource.getMetadata("checkov"));
  const skips = existing.success ? existing.data.skip : [];
  if (skips.some((skip) => skip.id === checkId)) return;
  resource.addMetadata("checkov", { skip: [...skips, { id: checkId, comment }] });
}

/** What checkov reads from a CloudFormation resource's Metadata. */
const CheckovMetadataSchema = z.object({
  skip: z.array(z.object({ id: z.string(), comment: z.string() })),
});

/** The AWS-managed policy CDK gives the Lambda roles it creates for its own providers. */
const BASIC_EXECUTION_POLICY_FINDING =
  "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";

/**
 * Acknowledges, on a Lambda function that CDK itself creates and configures for a construct (a custom
 * resource provider, BucketDeployment's handler), what only CDK decides: the managed basic-execution
 * policy, the wildcards of its generated policy and, where CDK pins it, a runtime older than the newest.
 */
export function acknowledgeCdkProviderFunction(
  provider: IConstruct,
  what: string,
  options: { readonly pinnedRuntime?: boolean } = {},
): void {
  const reason = `${what}: a function CDK creates and configures; its role and runtime are CDK's, scoped by CDK to the resources it manages`;
  acknowledgeNagRule(provider, `IAM4[${BASIC_EXECUTION_POLICY_FINDING}]`, reason);
  acknowledgeIamWildcards(provider, { finding: /.*/, reason });
  if (options.pinnedRuntime === true) acknowledgeNagRule(provider, "L1", reason);
}

/** The construct id of AwsCustomResource's singleton provider function in a stack. */
export const AWS_CUSTOM_RESOURCE_PROVIDER_ID = "AWS679f53fac002430cb0da5b7982bd2287";
