import { CfnOutput, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import * as logs from "aws-cdk-lib/aws-logs";
import * as opensearch from "aws-cdk-lib/aws-opensearchservice";
import type { Construct } from "constructs";
import type { StageConfig } from "../config/stage-config.ts";
import {
  AWS_CUSTOM_RESOURCE_PROVIDER_ID,
  acknowledgeCdkProviderFunction,
  acknowledgeIamWildcards,
  acknowledgeNagRule,
  skipCheckovCheck,
} from "../constructs/check-acknowledgments.ts";
import type { FlywheelFunction, FunctionNetworkPlacement } from "../constructs/flywheel-function.ts";
import { allowFunctionIngress } from "../constructs/function-ingress.ts";

export interface SearchStackProps extends StackProps {
  readonly stage: StageConfig;
  /** The network stack's VPC and private subnets: the domain sits where the serving functions run. */
  readonly network: { readonly vpc: ec2.IVpc; readonly functionPlacement: FunctionNetworkPlacement };
  /** Encrypts the domain at rest: the data stack's key, so one key covers every copy of user data. */
  readonly encryptionKey: kms.IKey;
}

/** The variables readOpenSearchConfig (layers/adapters/aws/opensearch/opensearch-config.ts) reads. */
export const OPENSEARCH_ENDPOINT_ENVIRONMENT_VARIABLE = "FLYWHEEL_OPENSEARCH_ENDPOINT";
export const OPENSEARCH_AUTH_ENVIRONMENT_VARIABLE = "FLYWHEEL_OPENSEARCH_AUTH";

/** A VPC domain answers HTTPS on 443 only. */
export const OPENSEARCH_PORTS = { from: 443, to: 443 } as const;

/**
 * Reading the vector index: alias lookups and mappings (GET, HEAD) and k-NN queries, which are POSTs to
 * `_search`. IAM cannot tell a search POST from a bulk POST, so the read grant keeps reads from deleting or
 * creating indices, not from every write; the domain has no fine-grained access control to go further.
 */
export const VECTOR_INDEX_READ_ACTIONS = ["es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost"] as const;
/** Writing it as well: documents, index creation (PUT) and deletion (DELETE), the alias swap (POST). */
export const VECTOR_INDEX_WRITE_ACTIONS = [
  ...VECTOR_INDEX_READ_ACTIONS,
  "es:ESHttpPut",
  "es:ESHttpDelete",
] as const;

/** Zone awareness spreads the data nodes and each shard's replica over this many AZs. */
const AVAILABILITY_ZONE_COUNT = 2;
const DEDICATED_MASTER_COUNT = 3;

/**
 * The vector store of the serving path: an OpenSearch domain whose `items` alias holds the item factors as
 * `knn_vector` fields (Lucene HNSW, which needs no plugin setup on 2.x). It lives in the VPC's private
 * subnets, one per AZ over two AZs, and is reached only from the security groups of functions granted
 * through `grantVectorIndexRead` / `grantVectorIndexWrite`.
 *
 * A stack of its own rather than part of the network stack: a domain takes 15-30 minutes to create and
 * many of its changes are blue/green deployments; kept apart, a change to the VPC endpoints or the cache
 * never waits on it, and its capacity can be changed without touching the network.
 *
 * Access control: fine-grained access control is off (no internal users to manage); IAM decides. The
 * domain's resource policy allows the HTTP actions to principals of this account only, which IAM then
 * narrows to the roles that hold an identity policy from a `grant*` helper. Naming those roles in the
 * domain policy instead would make this stack depend on the API stack that depends on it.
 */
export class SearchStack extends Stack {
  public readonly domain: opensearch.Domain;
  public readonly domainSecurityGroup: ec2.SecurityGroup;
  /** The domain's published logs. */
  public readonly logGroups: {
    readonly slowSearch: logs.LogGroup;
    readonly slowIndex: logs.LogGroup;
    readonly application: logs.LogGroup;
  };
  /** `https://<vpc endpoint>`: what the adapter reads from FLYWHEEL_OPENSEARCH_ENDPOINT. */
  public readonly endpointUrl: string;

  constructor(scope: Construct, id: string, props: SearchStackProps) {
    super(scope, id, props);
    const { stage, network } = props;
    const { search } = stage;

    this.domainSecurityGroup = new ec2.SecurityGroup(this, "DomainSecurityGroup", {
      vpc: network.vpc,
      description: `Flywheel ${stage.stageName}: the OpenSearch domain; clients are let in by grantVectorIndex*`,
      // The domain opens no connections of its own into the VPC.
      allowAllOutbound: false,
    });

    // One private subnet in each of the first two AZs: a VPC domain takes exactly one subnet per AZ it uses.
    const subnets = network.vpc
      .selectSubnets({ ...network.functionPlacement.vpcSubnets, onePerAz: true })
      .subnets.slice(0, AVAILABILITY_ZONE_COUNT);

    const masterInstanceType = search.dedicatedMasterInstanceType;
    const removalPolicy = stage.dataRemovalPolicy === "retain" ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    // Slow queries and indexing, and the cluster's own errors, under the data key (they quote queries).
    const logGroup = (id: string) =>
      new logs.LogGroup(this, id, {
        retention: logs.RetentionDays.ONE_MONTH,
        encryptionKey: props.encryptionKey,
        removalPolicy,
      });
    this.logGroups = {
      slowSearch: logGroup("SlowSearchLogGroup"),
      slowIndex: logGroup("SlowIndexLogGroup"),
      application: logGroup("ApplicationLogGroup"),
    };
    const logsPolicy = new logs.ResourcePolicy(this, "DomainLogsPolicy", {
      policyStatements: [
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal("es.amazonaws.com")],
          actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
          resources: Object.values(this.logGroups).map((group) => group.logGroupArn),
          // Domains of this account only (the domain's own ARN would make the policy depend on it, and the
          // domain must find the policy in place when it is created).
          conditions: { StringEquals: { "aws:SourceAccount": this.account } },
        }),
      ],
    });
    this.domain = new opensearch.Domain(this, "VectorDomain", {
      // The latest 2.x the CDK knows; k-NN with the Lucene engine is built in.
      version: opensearch.EngineVersion.OPENSEARCH_2_19,
      // A later version bump upgrades in place instead of replacing the domain (and its indices).
      enableVersionUpgrade: true,
      vpc: network.vpc,
      vpcSubnets: [{ subnets }],
      securityGroups: [this.domainSecurityGroup],
      zoneAwareness: { enabled: true, availabilityZoneCount: AVAILABILITY_ZONE_COUNT },
      capacity: {
        dataNodes: search.instanceCount,
        dataNodeInstanceType: search.instanceType,
        // Multi-AZ with standby needs three AZs and dedicated masters; this domain spans two.
        multiAzWithStandbyEnabled: false,
        ...(masterInstanceType === undefined
          ? {}
          : { masterNodes: DEDICATED_MASTER_COUNT, masterNodeInstanceType: masterInstanceType }),
      },
      ebs: { enabled: true, volumeSize: search.volumeSizeGb, volumeType: ec2.EbsDeviceVolumeType.GP3 },
      encryptionAtRest: { enabled: true, kmsKey: props.encryptionKey },
      nodeToNodeEncryption: true,
      enforceHttps: true,
      tlsSecurityPolicy: opensearch.TLSSecurityPolicy.TLS_1_2,
      removalPolicy,
      logging: {
        slowSearchLogEnabled: true,
        slowSearchLogGroup: this.logGroups.slowSearch,
        slowIndexLogEnabled: true,
        slowIndexLogGroup: this.logGroups.slowIndex,
        appLogEnabled: true,
        appLogGroup: this.logGroups.application,
      },
      // The policy that lets the domain write to its groups is the resource below, not a custom resource.
      suppressLogsResourcePolicy: true,
    });
    this.domain.node.addDependency(logsPolicy);
    acknowledgeNagRule(
      this.domain,
      "OS3",
      "A VPC domain: reachable only from the security groups grantVectorIndex* lets in, and every request is SigV4-signed and authorized by IAM; an IP allowlist adds nothing inside the VPC",
    );
    if (masterInstanceType === undefined) {
      acknowledgeNagRule(
        this.domain,
        "OS4",
        `No dedicated master nodes in stage ${stage.stageName} (searchDedicatedMasters=false, the default outside prod): the data nodes elect a master; three dedicated masters would cost more than twice a small domain's data nodes`,
      );
    }
    // Set after construction: the statement names the domain's own ARN, which CDK applies through a custom
    // resource once the domain exists.
    this.domain.addAccessPolicies(
      new iam.PolicyStatement({
        sid: "AccountPrincipalsWithIamGrants",
        principals: [new iam.AccountPrincipal(this.account)],
        actions: [...VECTOR_INDEX_WRITE_ACTIONS],
        resources: [`${this.domain.domainArn}/*`],
      }),
    );
    this.endpointUrl = `https://${this.domain.domainEndpoint}`;
    const accessPolicyProvider = this.node.tryFindChild(AWS_CUSTOM_RESOURCE_PROVIDER_ID);
    if (accessPolicyProvider !== undefined) {
      acknowledgeCdkProviderFunction(accessPolicyProvider, "The provider of the domain's access policy");
    }
    skipCheckovCheck(
      this.domain,
      "CKV_AWS_317",
      "Audit logs need fine-grained access control, which this domain does not use: IAM authorizes every request (SigV4), and IAM roles are the only principals",
    );

    new CfnOutput(this, "SearchEndpoint", {
      description: "The OpenSearch domain (HTTPS, SigV4, reachable from inside the VPC)",
      value: this.endpointUrl,
    });
  }

  /** Lets a function in the VPC query the vector index (k-NN, alias lookups). */
  grantVectorIndexRead(fn: FlywheelFunction): void {
    this.grantVectorIndex(fn, VECTOR_INDEX_READ_ACTIONS);
  }

  /** Lets a function in the VPC query and change the vector index (item vectors, hidden items, aliases). */
  grantVectorIndexWrite(fn: FlywheelFunction): void {
    this.grantVectorIndex(fn, VECTOR_INDEX_WRITE_ACTIONS);
  }

  /**
   * The actions on the domain's paths (`<domain ARN>/*`, every index and API path), ingress on 443 from the function's security group, and the
   * variables the adapter reads: the endpoint, and SigV4 signing with the function's role.
   */
  private grantVectorIndex(fn: FlywheelFunction, actions: readonly string[]): void {
    allowFunctionIngress(this.domainSecurityGroup, fn, OPENSEARCH_PORTS, "Flywheel function to OpenSearch");
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: [...actions],
      resourceArns: [`${this.domain.domainArn}/*`],
    });
    acknowledgeIamWildcards(fn, {
      finding: /^Resource::.*VectorDomain.*\/\*$/,
      reason:
        "Every path of Flywheel's own domain: index names carry the model version (items-<version>), made at run time; the HTTP methods are named, the domain holds nothing else",
    });
    fn.addEnvironment(OPENSEARCH_ENDPOINT_ENVIRONMENT_VARIABLE, this.endpointUrl);
    fn.addEnvironment(OPENSEARCH_AUTH_ENVIRONMENT_VARIABLE, "sigv4");
  }
}
