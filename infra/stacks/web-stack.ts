import { existsSync } from "node:fs";
import { join } from "node:path";
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import * as cloudfront from "aws-cdk-lib/aws-cloudfront";
import * as origins from "aws-cdk-lib/aws-cloudfront-origins";
import * as iam from "aws-cdk-lib/aws-iam";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as s3deploy from "aws-cdk-lib/aws-s3-deployment";
import type { Construct } from "constructs";
import { REPOSITORY_ROOT } from "../bundling/lambda-bundle-options.ts";
import type { StageConfig } from "../config/stage-config.ts";
import {
  acknowledgeCdkProviderFunction,
  acknowledgeNagRule,
  skipCheckovCheck,
} from "../constructs/check-acknowledgments.ts";

/** Where `npm run build:web` writes the web app. */
export const WEB_DIST_DIRECTORY = join(REPOSITORY_ROOT, "web", "dist");
const LOG_RETENTION_DAYS = 90;

/** The page deployed when web/dist was not built before synthesis: synthesis never depends on a web build. */
export const PLACEHOLDER_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Flywheel</title></head>
<body><p>The Flywheel web app was not built when this stack was synthesized. Run <code>npm run build:web</code>, then deploy again.</p></body></html>
`;

export interface WebStackProps extends StackProps {
  readonly stage: StageConfig;
  /**
   * The API the app calls, served under the same domain at `/v1/*` (so the browser needs no CORS): its
   * REST API id and stage, in this stack's region. @default none: only the static app is served
   */
  readonly api?: { readonly restApiId: string; readonly stageName: string };
  /** The built web app. @default web/dist; without an index.html there, a placeholder page is deployed */
  readonly webDistDirectory?: string;
}

/**
 * The web app in AWS: its built files in a private S3 bucket, read only by a CloudFront distribution through
 * Origin Access Control; HTTPS only, with security headers on every answer, single-page routes falling back
 * to index.html, and access logs for both. `/config.json` (written at deployment) tells the app where the
 * API is; the API key is the user's to enter. The admin dashboard needs SigV4-signed requests, which a
 * browser cannot make: deployed, it answers that the admin API is for signed clients (the local runtime's
 * signing proxy has no counterpart here).
 */
export class WebStack extends Stack {
  public readonly bucket: s3.Bucket;
  public readonly logBucket: s3.Bucket;
  public readonly distribution: cloudfront.Distribution;
  /** What was deployed: the built app, or the placeholder when web/dist had no index.html at synthesis. */
  public readonly content: "web/dist" | "placeholder";

  constructor(scope: Construct, id: string, props: WebStackProps) {
    super(scope, id, props);
    const { stage } = props;
    const logRemovalPolicy =
      stage.dataRemovalPolicy === "retain" ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    // CloudFront's standard logs are written with an object ACL: this bucket must accept ACLs.
    this.logBucket = new s3.Bucket(this, "LogBucket", {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      removalPolicy: logRemovalPolicy,
      autoDeleteObjects: logRemovalPolicy === RemovalPolicy.DESTROY,
      lifecycleRules: [{ id: "expire-logs", expiration: Duration.days(LOG_RETENTION_DAYS) }],
    });
    const logBucketReason = "The web stack's log bucket itself: logging its own reads would log forever";
    acknowledgeNagRule(this.logBucket, "S1", logBucketReason);
    skipCheckovCheck(this.logBucket, "CKV_AWS_18", logBucketReason);
    skipCheckovCheck(
      this.logBucket,
      "CKV_AWS_21",
      "Logs expire by lifecycle; versions would only keep them longer",
    );

    this.bucket = new s3.Bucket(this, "SiteBucket", {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: "s3-access/",
      // Built files only, rebuilt from the repository by every deployment: no data to keep.
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });
    skipCheckovCheck(
      this.bucket,
      "CKV_AWS_21",
      "Built files only, rewritten from the repository by every deployment: the repository is the history",
    );

    const securityHeaders = new cloudfront.ResponseHeadersPolicy(this, "SecurityHeaders", {
      comment: `Flywheel ${stage.stageName} web app: security headers`,
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "object-src 'none'",
          ].join("; "),
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: {
          referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
          override: true,
        },
      },
    });

    const siteOrigin = origins.S3BucketOrigin.withOriginAccessControl(this.bucket);
    const noCache = {
      origin: siteOrigin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
      responseHeadersPolicy: securityHeaders,
    };
    const apiBehavior: Record<string, cloudfront.BehaviorOptions> =
      props.api === undefined
        ? {}
        : {
            // The API under the app's own domain: no CORS, and API Gateway still sees the caller's x-api-key.
            "/v1/*": {
              origin: new origins.HttpOrigin(
                `${props.api.restApiId}.execute-api.${this.region}.${this.urlSuffix}`,
                {
                  originPath: `/${props.api.stageName}`,
                  protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
                },
              ),
              viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
              allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
              cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
              originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
              responseHeadersPolicy: securityHeaders,
            },
          };

    this.distribution = new cloudfront.Distribution(this, "Distribution", {
      comment: `Flywheel ${stage.stageName} web app`,
      defaultRootObject: "index.html",
      defaultBehavior: {
        origin: siteOrigin,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: securityHeaders,
        compress: true,
      },
      additionalBehaviors: { "/config.json": noCache, "/index.html": noCache, ...apiBehavior },
      // A path of the single-page app (/items/i12, /admin) is no object: the app's page answers it. With
      // OAC, S3 reports a missing key as 403.
      errorResponses: [403, 404].map((httpStatus) => ({
        httpStatus,
        responseHttpStatus: 200,
        responsePagePath: "/index.html",
        ttl: Duration.seconds(10),
      })),
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      enableLogging: true,
      logBucket: this.logBucket,
      logFilePrefix: "cloudfront/",
    });
    acknowledgeNagRule(
      this.distribution,
      "CFR1",
      "The web app is for every client of the deployment, wherever they are; no country is refused",
    );
    acknowledgeNagRule(
      this.distribution,
      "CFR2",
      "Static files and the API's /v1 routes, which pass through to the API stage and its regional web ACL, usage plan and API keys",
    );
    skipCheckovCheck(
      this.distribution,
      "CKV_AWS_68",
      "Static files; the /v1 routes pass through to the API stage's regional web ACL",
    );
    acknowledgeNagRule(
      this.distribution,
      "CFR4",
      "The default *.cloudfront.net certificate, whose viewer policy CloudFront fixes; TLSv1.2_2021 applies once a custom domain and its certificate are added",
    );
    skipCheckovCheck(
      this.distribution,
      "CKV_AWS_174",
      "The default *.cloudfront.net certificate; TLSv1.2_2021 applies with a custom domain",
    );

    const built = props.webDistDirectory ?? WEB_DIST_DIRECTORY;
    this.content = existsSync(join(built, "index.html")) ? "web/dist" : "placeholder";
    const config = s3deploy.Source.jsonData("config.json", {
      // Same origin: the distribution passes /v1/* to the API stage.
      apiBase: props.api === undefined ? null : "",
      apiKey: null,
      adminBase: null,
      localBase: null,
      environment: "aws",
    });
    if (this.content === "web/dist" && existsSync(join(built, "assets"))) {
      // The bundles, their names hashed by content: cached for a year. Old ones stay for pages still open.
      new s3deploy.BucketDeployment(this, "DeployAssets", {
        destinationBucket: this.bucket,
        destinationKeyPrefix: "assets/",
        sources: [s3deploy.Source.asset(join(built, "assets"), { exclude: ["*.map"] })],
        cacheControl: [s3deploy.CacheControl.fromString("public, max-age=31536000, immutable")],
        prune: false,
      });
    }
    // The page, its unhashed files (favicon) and config.json: revalidated on every load.
    new s3deploy.BucketDeployment(this, "DeployPage", {
      destinationBucket: this.bucket,
      sources: [
        this.content === "web/dist"
          ? s3deploy.Source.asset(built, { exclude: ["assets", "*.map"] })
          : s3deploy.Source.data("index.html", PLACEHOLDER_PAGE),
        config,
      ],
      cacheControl: [s3deploy.CacheControl.noCache()],
      prune: false,
      distribution: this.distribution,
      distributionPaths: ["/index.html", "/config.json"],
    });
    for (const child of this.node.children) {
      // BucketDeployment's handler is a singleton of the stack, named after its fixed UUID.
      if (child.node.id.startsWith("Custom::CDKBucketDeployment")) {
        acknowledgeCdkProviderFunction(child, "BucketDeployment's handler (copies the web app)", {
          pinnedRuntime: true,
        });
        for (const policy of child.node.findAll().filter((c) => c instanceof iam.CfnPolicy)) {
          skipCheckovCheck(
            policy,
            "CKV_AWS_111",
            "BucketDeployment's handler policy, generated by CDK and scoped to the asset and site buckets",
          );
        }
      }
    }

    new CfnOutput(this, "WebUrl", {
      description: "The web app",
      value: `https://${this.distribution.distributionDomainName}`,
    });
    new CfnOutput(this, "WebBucketName", { value: this.bucket.bucketName });
    new CfnOutput(this, "DistributionId", { value: this.distribution.distributionId });
  }
}
