/**
 * The stage contexts CI synthesizes and checks (test/infra/app-variants.test.ts, and
 * `npm run check:templates -- --variants`): the default, and each option that changes what is deployed.
 * Values are what cdk.json would hold; `contextArguments` turns them into `-c key=value`.
 */
export const SYNTH_VARIANTS = {
  default: {},
  /** MSK Serverless (Kafka, IAM auth, in the VPC) instead of the Kinesis stream. */
  "msk-event-bus": { eventBus: "msk" },
  /** The recommendations route re-ranks through a SageMaker endpoint. */
  "sagemaker-rerank": { rerankEndpointName: "flywheel-ranker" },
  /** A provisioned Kinesis stream of four shards instead of on-demand. */
  "provisioned-shards": { streamMode: "provisioned", streamShards: 4 },
  /** An existing VPC, described in the context (no lookup, so no AWS credentials at synthesis). */
  "existing-vpc": {
    existingVpc: {
      vpcId: "vpc-0a1b2c3d4e5f60718",
      vpcCidrBlock: "172.31.0.0/16",
      availabilityZones: ["us-east-1a", "us-east-1b"],
      privateSubnetIds: ["subnet-0a1b2c3d4e5f60718", "subnet-0f1e2d3c4b5a69788"],
      privateSubnetRouteTableIds: ["rtb-0a1b2c3d4e5f60718", "rtb-0f1e2d3c4b5a69788"],
    },
  },
  /**
   * Production defaults (data retained, dedicated search masters, the Spark trainer), with the serving
   * functions kept initialized (provisioned concurrency on their `live` aliases).
   */
  prod: { stage: "prod", apiProvisionedConcurrency: { recommendations: 2, "similar-items": 1 } },
} as const satisfies Record<string, Readonly<Record<string, unknown>>>;

export type SynthVariant = keyof typeof SYNTH_VARIANTS;

/** `-c key=value` arguments for the CDK CLI: structured values as JSON, which stage-config.ts parses. */
export function contextArguments(context: Readonly<Record<string, unknown>>): string[] {
  return Object.entries(context).flatMap(([key, value]) => [
    "-c",
    `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`,
  ]);
}
