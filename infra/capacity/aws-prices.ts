/**
 * AWS list prices for us-east-1 (N. Virginia), on-demand, no free tier, no savings plans or reserved
 * capacity, in USD.
 *
 * A SNAPSHOT, NOT A FEED: these are the prices as we read them on the pricing pages named beside each
 * figure on PRICE_SNAPSHOT.asOf. AWS changes prices (DynamoDB on-demand halved in November 2024, for one),
 * so check the pages and update the figures and the date together; the docs' scenario table is generated
 * from them and a test fails until it is regenerated.
 */
export const PRICE_SNAPSHOT = {
  region: "us-east-1",
  asOf: "2025-06-01",
  currency: "USD",
} as const;

/** A band of a tiered price: `upTo` units this month (cumulative) at `usdPerUnit`; the last has no bound. */
export interface PriceTier {
  readonly upTo: number;
  readonly usdPerUnit: number;
}

/** The cost of `quantity` units under tiers that apply to successive bands of the month's total. */
export function tieredCost(quantity: number, tiers: readonly PriceTier[]): number {
  let cost = 0;
  let from = 0;
  for (const tier of tiers) {
    if (quantity <= from) break;
    const inBand = Math.min(quantity, tier.upTo) - from;
    cost += inBand * tier.usdPerUnit;
    from = tier.upTo;
  }
  return cost;
}

/** The quantity-weighted price per unit of `quantity` under `tiers`. */
export function averageTierPrice(quantity: number, tiers: readonly PriceTier[]): number {
  const first = tiers[0];
  if (quantity <= 0) return first === undefined ? 0 : first.usdPerUnit;
  return tieredCost(quantity, tiers) / quantity;
}

export interface OpenSearchInstancePrice {
  readonly instanceType: string;
  readonly memoryGiB: number;
  readonly vcpus: number;
  readonly usdPerHour: number;
}

export const PRICES = {
  /** https://aws.amazon.com/lambda/pricing/ — Arm (Graviton; flywheel-function.ts deploys ARM_64). */
  lambda: {
    gbSecondTiers: [
      { upTo: 7.5e9, usdPerUnit: 0.0000133334 },
      { upTo: 18.75e9, usdPerUnit: 0.0000120001 },
      { upTo: Number.POSITIVE_INFINITY, usdPerUnit: 0.0000106667 },
    ],
    usdPerMillionRequests: 0.2,
  },
  /** https://aws.amazon.com/api-gateway/pricing/ — REST APIs, per million requests. */
  apiGateway: {
    requestTiersPerMillion: [
      { upTo: 333, usdPerUnit: 3.5 },
      { upTo: 1000, usdPerUnit: 2.8 },
      { upTo: 20_000, usdPerUnit: 2.38 },
      { upTo: Number.POSITIVE_INFINITY, usdPerUnit: 1.51 },
    ],
  },
  /** https://aws.amazon.com/kinesis/data-streams/pricing/ */
  kinesis: {
    onDemand: {
      usdPerStreamHour: 0.04,
      /** Each record rounded up to the next KB. */
      usdPerGbIngested: 0.08,
      usdPerGbRetrieved: 0.04,
      usdPerGbEnhancedFanOutRetrieved: 0.05,
    },
    provisioned: {
      usdPerShardHour: 0.015,
      /** A PUT payload unit is a record's 25 KB chunk. */
      usdPerMillionPutPayloadUnits: 0.014,
      usdPerConsumerShardHour: 0.015,
      usdPerGbEnhancedFanOutRetrieved: 0.013,
    },
  },
  /** https://aws.amazon.com/dynamodb/pricing/on-demand/ — standard table class. */
  dynamoDb: {
    usdPerMillionWriteRequestUnits: 0.625,
    usdPerMillionReadRequestUnits: 0.125,
    usdPerGbMonth: 0.25,
    /** Continuous backups (point-in-time recovery, on for every table: infra/constructs/flywheel-table.ts). */
    usdPerGbMonthPitr: 0.2,
  },
  /** https://aws.amazon.com/elasticache/pricing/ — ElastiCache Serverless for Valkey. */
  elastiCacheServerlessValkey: {
    usdPerGbHour: 0.0837,
    usdPerMillionEcpu: 0.00227,
    /** Valkey serverless bills at least this much data. */
    minimumGb: 0.1,
    /** The largest dataset one serverless cache holds. */
    maximumGb: 5000,
  },
  /** https://aws.amazon.com/opensearch-service/pricing/ — on-demand instances, gp3 storage. */
  openSearch: {
    dataInstances: [
      { instanceType: "r6g.large.search", memoryGiB: 16, vcpus: 2, usdPerHour: 0.167 },
      { instanceType: "r6g.xlarge.search", memoryGiB: 32, vcpus: 4, usdPerHour: 0.335 },
      { instanceType: "r6g.2xlarge.search", memoryGiB: 64, vcpus: 8, usdPerHour: 0.669 },
      { instanceType: "r6g.4xlarge.search", memoryGiB: 128, vcpus: 16, usdPerHour: 1.339 },
      { instanceType: "r6g.8xlarge.search", memoryGiB: 256, vcpus: 32, usdPerHour: 2.678 },
      { instanceType: "r6g.12xlarge.search", memoryGiB: 384, vcpus: 48, usdPerHour: 4.018 },
    ] satisfies readonly OpenSearchInstancePrice[],
    /** DEFAULT_MASTER_INSTANCE_TYPE (infra/config/stage-config.ts). */
    masterInstance: { instanceType: "m6g.large.search", memoryGiB: 8, vcpus: 2, usdPerHour: 0.128 },
    usdPerGbMonthGp3: 0.122,
  },
  /** https://aws.amazon.com/emr/pricing/ — EMR Serverless, x86_64 (the application default). */
  emrServerless: {
    usdPerVcpuHour: 0.052624,
    usdPerGbHour: 0.0057785,
  },
  /** https://aws.amazon.com/s3/pricing/ — S3 Standard. */
  s3: {
    storageTiersPerGbMonth: [
      { upTo: 51_200, usdPerUnit: 0.023 },
      { upTo: 512_000, usdPerUnit: 0.022 },
      { upTo: Number.POSITIVE_INFINITY, usdPerUnit: 0.021 },
    ],
    usdPerThousandPuts: 0.005,
    usdPerThousandGets: 0.0004,
  },
  /** https://aws.amazon.com/ec2/pricing/on-demand/ ("Data Transfer"): to the internet, per GB. */
  dataTransferOut: {
    tiersPerGb: [
      { upTo: 10_240, usdPerUnit: 0.09 },
      { upTo: 51_200, usdPerUnit: 0.085 },
      { upTo: 153_600, usdPerUnit: 0.07 },
      { upTo: Number.POSITIVE_INFINITY, usdPerUnit: 0.05 },
    ],
  },
  /** https://aws.amazon.com/privatelink/pricing/ — interface endpoints. */
  vpcInterfaceEndpoint: {
    usdPerEndpointAzHour: 0.01,
    usdPerGbProcessed: 0.01,
  },
  /** https://aws.amazon.com/cloudwatch/pricing/ — standard log ingestion. */
  cloudWatchLogs: {
    usdPerGbIngested: 0.5,
  },
  /** https://aws.amazon.com/xray/pricing/ */
  xRay: {
    usdPerMillionTracesRecorded: 5,
  },
  /** https://aws.amazon.com/kms/pricing/ — one customer managed key (the data stack's). */
  kms: {
    usdPerKeyMonth: 1,
  },
} as const;
