import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Validations } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readStageConfig } from "../../infra/config/stage-config.ts";
import { WebStack, type WebStackProps } from "../../infra/stacks/web-stack.ts";

// The web stack on its own: a private bucket read only through CloudFront's Origin Access Control, HTTPS,
// the security headers, the API under /v1, logs, and what is deployed with and without a web build.

const ENV = { account: "123456789012", region: "eu-west-1" };

function synth(props: Partial<WebStackProps> = {}, context: Record<string, unknown> = {}) {
  const app = new App({ context });
  const stack = new WebStack(app, "Web", { env: ENV, stage: readStageConfig(app.node), ...props });
  return { app, stack, template: Template.fromStack(stack) };
}

describe("the web stack", () => {
  let built: string;
  let notBuilt: string;

  beforeAll(() => {
    built = mkdtempSync(join(tmpdir(), "flywheel-web-dist-"));
    mkdirSync(join(built, "assets"));
    writeFileSync(join(built, "index.html"), "<!doctype html><title>Flywheel</title>");
    writeFileSync(join(built, "assets", "index-abc123.js"), "console.log('app')");
    notBuilt = mkdtempSync(join(tmpdir(), "flywheel-web-none-"));
  });

  afterAll(() => {
    rmSync(built, { recursive: true, force: true });
    rmSync(notBuilt, { recursive: true, force: true });
  });

  it("keeps the site bucket private, encrypted, TLS-only and logged", () => {
    const { template } = synth({ webDistDirectory: built });
    template.hasResourceProperties("AWS::S3::Bucket", {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] },
      LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: "s3-access/" },
    });
    template.hasResourceProperties("AWS::S3::BucketPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Deny",
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          }),
        ]),
      },
    });
  });

  it("lets only the distribution read the bucket, through Origin Access Control", () => {
    const { template } = synth({ webDistDirectory: built });
    template.hasResourceProperties("AWS::CloudFront::OriginAccessControl", {
      OriginAccessControlConfig: { OriginAccessControlOriginType: "s3", SigningBehavior: "always" },
    });
    template.hasResourceProperties("AWS::S3::BucketPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Allow",
            Principal: { Service: "cloudfront.amazonaws.com" },
            Action: "s3:GetObject",
            Condition: { StringEquals: { "AWS:SourceArn": Match.anyValue() } },
          }),
        ]),
      },
    });
    template.hasResourceProperties("AWS::CloudFront::Distribution", {
      DistributionConfig: Match.objectLike({
        Origins: Match.arrayWith([
          Match.objectLike({
            OriginAccessControlId: Match.anyValue(),
            S3OriginConfig: { OriginAccessIdentity: "" },
          }),
        ]),
      }),
    });
  });

  it("serves HTTPS only, with the app's page for its own routes and logs to the log bucket", () => {
    const { template } = synth({ webDistDirectory: built });
    template.hasResourceProperties("AWS::CloudFront::Distribution", {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: "index.html",
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: "redirect-to-https",
          ResponseHeadersPolicyId: Match.anyValue(),
        }),
        CustomErrorResponses: [
          { ErrorCode: 403, ResponseCode: 200, ResponsePagePath: "/index.html", ErrorCachingMinTTL: 10 },
          { ErrorCode: 404, ResponseCode: 200, ResponsePagePath: "/index.html", ErrorCachingMinTTL: 10 },
        ],
        Logging: Match.objectLike({ Bucket: Match.anyValue(), Prefix: "cloudfront/" }),
      }),
    });
  });

  it("sets the security headers on every answer", () => {
    const { template } = synth({ webDistDirectory: built });
    template.hasResourceProperties("AWS::CloudFront::ResponseHeadersPolicy", {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: {
          ContentSecurityPolicy: {
            ContentSecurityPolicy: Match.stringLikeRegexp("default-src 'self'.*frame-ancestors 'none'"),
            Override: true,
          },
          StrictTransportSecurity: {
            AccessControlMaxAgeSec: 730 * 86_400,
            IncludeSubdomains: true,
            Override: true,
          },
          ContentTypeOptions: { Override: true },
          FrameOptions: { FrameOption: "DENY", Override: true },
          ReferrerPolicy: { ReferrerPolicy: "strict-origin-when-cross-origin", Override: true },
        },
      }),
    });
  });

  it("passes /v1/* to the API stage, uncached, with every viewer header but Host", () => {
    const { template } = synth({ webDistDirectory: built, api: { restApiId: "abc123", stageName: "dev" } });
    template.hasResourceProperties("AWS::CloudFront::Distribution", {
      DistributionConfig: Match.objectLike({
        Origins: Match.arrayWith([
          Match.objectLike({
            DomainName: { "Fn::Join": ["", ["abc123.execute-api.eu-west-1.", { Ref: "AWS::URLSuffix" }]] },
            OriginPath: "/dev",
            CustomOriginConfig: Match.objectLike({ OriginProtocolPolicy: "https-only" }),
          }),
        ]),
        CacheBehaviors: Match.arrayWith([
          Match.objectLike({
            PathPattern: "/v1/*",
            ViewerProtocolPolicy: "https-only",
            AllowedMethods: Match.arrayWith(["PUT", "POST", "DELETE"]),
            // The managed CachingDisabled and AllViewerExceptHostHeader policies.
            CachePolicyId: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
            OriginRequestPolicyId: "b689b0a8-53d0-40ab-baf2-68738e2966ac",
          }),
        ]),
      }),
    });
  });

  it("deploys web/dist when it is built: the hashed assets for a year, the page revalidated", () => {
    const { stack, template } = synth({ webDistDirectory: built });
    expect(stack.content).toBe("web/dist");
    template.resourceCountIs("Custom::CDKBucketDeployment", 2);
    template.hasResourceProperties("Custom::CDKBucketDeployment", {
      DestinationBucketKeyPrefix: "assets/",
      SystemMetadata: { "cache-control": "public, max-age=31536000, immutable" },
    });
    template.hasResourceProperties("Custom::CDKBucketDeployment", {
      SystemMetadata: { "cache-control": "no-cache" },
      DistributionPaths: ["/index.html", "/config.json"],
    });
  });

  it("synthesizes without a web build, deploying a placeholder page", () => {
    const { stack, template } = synth({ webDistDirectory: notBuilt });
    expect(stack.content).toBe("placeholder");
    template.resourceCountIs("Custom::CDKBucketDeployment", 1);
    template.resourceCountIs("AWS::CloudFront::Distribution", 1);
  });

  it("passes the AwsSolutions checks, its exceptions acknowledged with reasons", () => {
    const app = new App();
    new WebStack(app, "Web", { env: ENV, stage: readStageConfig(app.node), webDistDirectory: built });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  it("keeps its logs in a retained stage and drops them with a disposable one", () => {
    const retained = synth({ webDistDirectory: built }, { stage: "prod" }).template;
    retained.hasResource("AWS::S3::Bucket", {
      Properties: Match.objectLike({
        OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerPreferred" }] },
      }),
      DeletionPolicy: "Retain",
    });
    const disposable = synth({ webDistDirectory: built }).template;
    disposable.hasResource("AWS::S3::Bucket", {
      Properties: Match.objectLike({
        OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerPreferred" }] },
      }),
      DeletionPolicy: "Delete",
    });
  });
});
