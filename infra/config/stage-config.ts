import { z } from "zod";
import { HANDLERS } from "../../functions/api/route-table.ts";
import {
  DEFAULT_USAGE_PLAN_THROTTLE,
  type UsagePlanThrottle,
} from "../../functions/api/usage-plan-throttle.ts";

/** A deployment stage (dev, staging, prod, …), read from CDK context once, when the app starts. */
export interface StageConfig {
  /** Part of every stack name; lower-case letters, digits and hyphens. */
  readonly stageName: string;
  /** What `cdk destroy` (or a replacement) does to data: tables, bucket, stream, queue, key. */
  readonly dataRemovalPolicy: "retain" | "destroy";
  /** Refuse DeleteTable on the tables even from the console; on wherever data is retained. */
  readonly deletionProtection: boolean;
  readonly eventStream: {
    /** On-demand scales itself and suits unknown or spiky traffic; provisioned is cheaper when steady. */
    readonly mode: "on-demand" | "provisioned";
    /** Shards when provisioned (each takes 1 MB/s or 1,000 records/s in). */
    readonly shardCount: number;
    /** How far back a consumer can replay; 24 h is the cheapest, up to 8,760 h. */
    readonly retentionHours: number;
  };
  /** Days an overwritten or deleted model artifact stays recoverable in the versioned bucket. */
  readonly noncurrentArtifactRetentionDays: number;
  /** The stream Lambda's event-source mapping (Kinesis, or Kafka with the MSK option). */
  readonly streamConsumer: {
    /** Records per invocation, at most. */
    readonly batchSize: number;
    /** How long the mapping gathers records before it invokes: 0 or 1 s (the loop turns within a second). */
    readonly maxBatchingWindowSeconds: number;
    /** Retries of a failed batch (halved each time by bisection) before its records go to the dead-letter queue. */
    readonly retryAttempts: number;
    /** A record older than this goes to the dead-letter queue instead of the function. */
    readonly maxRecordAgeSeconds: number;
    /** Concurrent batches per Kinesis shard (1-10); each user's events stay in order at any factor. */
    readonly parallelizationFactor: number;
    /**
     * How the mapping reads Kinesis. `enhanced-fan-out` (a registered consumer, records pushed over HTTP/2
     * within about 70 ms, 2 MB/s per shard of its own) keeps the click-to-vector loop under a second;
     * `shared` polls each shard about once a second within the shard's shared 2 MB/s, cheaper but up to a
     * second slower.
     */
    readonly readMode: "enhanced-fan-out" | "shared";
  };
  /** The archive Lambda's event-source mapping: big batches make few, large Parquet files. */
  readonly eventArchive: {
    readonly batchSize: number;
    readonly maxBatchingWindowSeconds: number;
  };
  readonly alarms: {
    /** The stream consumer is behind when its oldest unread record is older than this. */
    readonly iteratorAgeThresholdSeconds: number;
    /** With the MSK option: records the consumer may lag behind the topic before the alarm fires. */
    readonly offsetLagThresholdRecords: number;
    /** API 5xx responses, as a percentage of the stage's requests in a minute, above which the API alarms. */
    readonly apiServerErrorRatePercent: number;
    /** The API stage's p99 latency (API Gateway's Latency, ms) above which the API alarms. */
    readonly apiLatencyP99Ms: number;
    /** OpenSearch alarms when the fullest node's free storage falls below this percentage of its volume. */
    readonly searchFreeStoragePercent: number;
    /** OpenSearch alarms when JVM memory pressure stays above this percentage. */
    readonly searchJvmMemoryPressurePercent: number;
  };
  /** Which stream carries events from POST /v1/events to the stream Lambda. */
  readonly eventBus: {
    /** `kinesis` (the data stack's stream) or `msk` (an MSK Serverless cluster, IAM auth, in the VPC). */
    readonly kind: "kinesis" | "msk";
    /** The Kafka topic, with the MSK option. */
    readonly kafkaTopic: string;
    /** Its partitions: one user's events stay on one partition; consumer parallelism is bounded by them. */
    readonly kafkaPartitions: number;
  };
  readonly network: {
    /** Deploy into this VPC instead of creating one; absent: a new VPC. */
    readonly existingVpc: ExistingVpc | undefined;
  };
  /** The OpenSearch domain that holds the item vectors (k-NN), spread over two AZs. */
  readonly search: {
    /** Data node instance type (`r6g.large.search`); k-NN wants the HNSW graphs in memory, so memory sizes it. */
    readonly instanceType: string;
    /** Data nodes: an even number, half in each AZ. */
    readonly instanceCount: number;
    /** EBS (gp3) per data node, GiB. */
    readonly volumeSizeGb: number;
    /** Three dedicated master nodes of this type, or none (the data nodes elect a master among themselves). */
    readonly dedicatedMasterInstanceType: string | undefined;
  };
  readonly api: {
    /** The client usage plan: per-key throttle of the api-key routes. */
    readonly throttle: UsagePlanThrottle;
    /** An AWS WAF web ACL on the API's stage. */
    readonly waf: WafConfig;
    /**
     * Per API handler id (`recommendations`, …), how many execution environments Lambda keeps initialized
     * (provisioned concurrency on a `live` alias, which API Gateway then invokes): requests up to that
     * concurrency never wait for a cold start. Billed per environment-hour while deployed. Empty: none.
     */
    readonly provisionedConcurrency: Readonly<Record<string, number>>;
  };
  /** The SageMaker endpoint that re-ranks the recommendations route's candidates; absent: no re-rank. */
  readonly rerank: { readonly endpointName: string } | undefined;
  /** The nightly training pipeline (infra/stacks/training-stack.ts). */
  readonly training: TrainingConfig;
}

/**
 * An existing VPC. `lookup` (`-c vpcId=vpc-…`) asks the account at synthesis (the CDK CLI caches the answer
 * in cdk.context.json); `attributes` (`existingVpc`) describes it completely, so synthesis needs no AWS
 * access: a pipeline without credentials, or a test. Either way the functions, the cache and the domain go
 * into its private subnets (with egress: the VPC brings its own NAT or endpoints).
 */
export type ExistingVpc =
  | { readonly source: "lookup"; readonly vpcId: string }
  | {
      readonly source: "attributes";
      readonly vpcId: string;
      /** Needed only by what opens ports to the whole VPC; Flywheel opens them to security groups. */
      readonly vpcCidrBlock: string | undefined;
      readonly availabilityZones: readonly string[];
      /** Private subnets with egress, grouped by AZ in the order of `availabilityZones`. */
      readonly privateSubnetIds: readonly string[];
      readonly privateSubnetRouteTableIds: readonly string[] | undefined;
    };

/** The API's web ACL (infra/constructs/api-web-acl.ts). */
export interface WafConfig {
  /** Off: no web ACL (saves its monthly price; the API keys and the usage plan still apply). */
  readonly enabled: boolean;
  /** Requests one client IP may send in any 5 minutes before the rate rule blocks it. */
  readonly rateLimitPer5Min: number;
}

/** The nightly pipeline: when it runs, how it trains, what it may use, and how it is logged. */
export interface TrainingConfig {
  /** The EventBridge Scheduler schedule that starts the nightly run. */
  readonly schedule: {
    /** A Scheduler expression evaluated in UTC: `cron(0 2 * * ? *)` (02:00 every day) or `rate(…)`. */
    readonly expression: string;
    /** Off: the schedule exists but starts nothing (runs are started from the admin API). */
    readonly enabled: boolean;
  };
  /** The trainer of scheduled runs: Spark on EMR Serverless, or the embedded TypeScript trainer (a Lambda). */
  readonly trainer: TrainerKind;
  /** The quality gate: a candidate whose nDCG@10 falls by more than this below the active model's is rejected. */
  readonly maxNdcgDrop: number;
  /** The EMR Serverless application the Spark job runs on. */
  readonly emr: {
    /** An EMR 7.x release (Spark 3.5, Python 3 with NumPy). */
    readonly releaseLabel: string;
    /** The application stops (and costs nothing) after this long without a job. */
    readonly idleTimeoutMinutes: number;
    /** What all its workers together may use at once: a cost ceiling. */
    readonly maxVcpu: number;
    readonly maxMemoryGb: number;
  };
  /** The Spark job's resources (spark-submit parameters). */
  readonly spark: {
    readonly executorCores: SparkWorkerCores;
    readonly executorMemoryGb: number;
    readonly driverCores: SparkWorkerCores;
    readonly driverMemoryGb: number;
    /** Dynamic allocation's ceiling. */
    readonly maxExecutors: number;
  };
  /** The pipeline Lambdas' memory (which also buys CPU): the embedded trainer's, and the data-heavy steps'. */
  readonly lambda: {
    readonly trainMemoryMb: number;
    /** PrepareData, Evaluate and PlanBatchRecs hold the whole interaction table in memory. */
    readonly largeStepMemoryMb: number;
  };
  /** The state machine's execution log. */
  readonly logging: {
    /** `ALL` logs every state transition; `ERROR` only failures. */
    readonly level: "ALL" | "ERROR";
    /** Whether states' input and output go into the log (run ids, versions, metrics; no user data). */
    readonly includeExecutionData: boolean;
    readonly retentionDays: number;
  };
}

export type TrainerKind = "spark" | "embedded";
/** EMR Serverless workers come with 1, 2, 4, 8 or 16 vCPUs. */
export type SparkWorkerCores = 1 | 2 | 4 | 8 | 16;

/** Stages that hold no data worth keeping; every other stage, prod included, retains data. */
const DISPOSABLE_STAGES = new Set(["dev", "test", "sandbox"]);

/** The stage that gets production-sized defaults (each can still be overridden by its key). */
const PRODUCTION_STAGE = "prod";

/**
 * The search domain's defaults. Elsewhere: two burstable nodes, enough for a catalog of a few hundred
 * thousand 64-factor vectors. In prod: memory-optimized Graviton nodes (k-NN queries are fast while the
 * HNSW graphs stay in memory) and three dedicated masters, so a busy data node never stalls cluster management.
 */
const SEARCH_DEFAULTS = {
  other: { instanceType: "t3.medium.search", volumeGb: 20, dedicatedMasters: false },
  production: { instanceType: "r6g.large.search", volumeGb: 100, dedicatedMasters: true },
} as const;
const DEFAULT_MASTER_INSTANCE_TYPE = "m6g.large.search";

/**
 * The nightly pipeline's defaults. Elsewhere: the embedded trainer (a development data set fits one Lambda),
 * a small Spark ceiling for runs that ask for Spark, and a log with the states' payloads. In prod: Spark,
 * room for twenty executors, and a log of every state transition without payloads (a few hundred lines a
 * night: cheap, and the whole run can be followed).
 */
const TRAINING_DEFAULTS = {
  other: {
    trainer: "embedded",
    emrMaxVcpu: 16,
    emrMaxMemoryGb: 64,
    executorMemoryGb: 8,
    driverMemoryGb: 4,
    maxExecutors: 2,
    largeStepMemoryMb: 4096,
    logLevel: "ALL",
    logExecutionData: true,
    logRetentionDays: 30,
  },
  production: {
    trainer: "spark",
    emrMaxVcpu: 128,
    emrMaxMemoryGb: 512,
    executorMemoryGb: 16,
    driverMemoryGb: 8,
    maxExecutors: 20,
    largeStepMemoryMb: 8192,
    logLevel: "ALL",
    logExecutionData: false,
    logRetentionDays: 90,
  },
} as const;

/** 02:00 UTC every day. */
export const DEFAULT_TRAINING_SCHEDULE = "cron(0 2 * * ? *)";
export const DEFAULT_EMR_RELEASE_LABEL = "emr-7.5.0";
/** The retention periods CloudWatch Logs accepts, in days. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
/**
 * The most memory an EMR Serverless worker of each size has, GB. Spark asks for the heap plus an overhead
 * (10%, at least 384 MB), and a request above the worker's ceiling fails the job when it starts.
 */
const WORKER_MEMORY_CEILING_GB: Readonly<Record<SparkWorkerCores, number>> = {
  1: 8,
  2: 16,
  4: 30,
  8: 60,
  16: 120,
};

const vpcIdSchema = z.string().regex(/^vpc-[0-9a-f]{8,17}$/, "must be a VPC id (vpc-0123abcd…)");

/** A structured key: a JSON object in cdk.json, a JSON string from `-c key='{…}'`. */
function jsonFromContext<Schema extends z.ZodType>(schema: Schema) {
  return z.preprocess((value) => {
    if (typeof value !== "string") return value;
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }, schema);
}

/** `-c key=true` arrives as a string, cdk.json as a boolean; "false" must not coerce to true. */
const contextBoolean = z.union([z.boolean(), z.stringbool()]);
const searchInstanceType = z
  .string()
  .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+\.search$/, "must be an OpenSearch instance type (r6g.large.search)")
  // T2 nodes cannot encrypt data at rest, which the domain requires.
  .refine((type) => !type.startsWith("t2."), "t2 instance types do not support encryption at rest");
const sparkWorkerCores = z.coerce
  .number()
  .refine(
    (cores): cores is SparkWorkerCores => [1, 2, 4, 8, 16].includes(cores),
    "must be 1, 2, 4, 8 or 16 (the EMR Serverless worker sizes)",
  );
const lambdaMemoryMb = z.coerce.number().int().min(128).max(10_240);

/**
 * CDK context values: typed JSON from cdk.json, strings from `-c key=value`. Every key, its default and range:
 *
 * | key | default | meaning |
 * |---|---|---|
 * | stage | dev | stage name, part of every stack name |
 * | dataRemovalPolicy | destroy for dev/test/sandbox, else retain | what `cdk destroy` does to data |
 * | streamMode | on-demand | Kinesis capacity mode: on-demand or provisioned |
 * | streamShards | 2 | shards when provisioned (1-500) |
 * | streamRetentionHours | 24 | Kinesis retention (24-8760) |
 * | noncurrentArtifactRetentionDays | 30 | superseded model artifacts kept (1-3650) |
 * | streamBatchSize | 100 | stream Lambda: records per batch (1-10000) |
 * | streamBatchingWindowSeconds | 0 | stream Lambda: batching window, 0 or 1 (more is refused); 0 invokes as records arrive |
 * | streamReadMode | enhanced-fan-out | stream Lambda: enhanced-fan-out (pushed, ~70 ms) or shared (polled, ~1 s) |
 * | streamRetryAttempts | 5 | stream Lambda: retries of a failed batch (0-10000; never infinite) |
 * | streamMaxRecordAgeSeconds | 3600 | stream Lambda: older records go to the DLQ (60-604800) |
 * | streamParallelization | 1 | stream Lambda: concurrent batches per shard (1-10) |
 * | archiveBatchSize | 10000 | archive Lambda: records per batch (1-10000) |
 * | archiveBatchingWindowSeconds | 60 | archive Lambda: batching window (0-300) |
 * | iteratorAgeAlarmSeconds | 60 | alarm when the stream consumer is this far behind (1-86400; below streamMaxRecordAgeSeconds) |
 * | offsetLagAlarmRecords | 10000 | MSK option: alarm when the consumer lags this many records |
 * | apiErrorRateAlarmPercent | 1 | alarm when 5xx responses exceed this percentage of the API stage's requests (0.01-100) |
 * | apiLatencyP99AlarmMs | 1000 | alarm when the API stage's p99 latency exceeds this, ms (10-29000) |
 * | searchFreeStorageAlarmPercent | 25 | alarm when an OpenSearch node's free storage falls below this percentage of its volume (1-90) |
 * | searchJvmPressureAlarmPercent | 95 | alarm when OpenSearch JVM memory pressure stays above this percentage (50-100) |
 * | eventBus | kinesis | kinesis, or msk for MSK Serverless |
 * | kafkaTopic | flywheel-events | MSK option: the events topic |
 * | kafkaPartitions | 6 | MSK option: the topic's partitions (1-1000) |
 * | vpcId | none | deploy into this existing VPC, looked up at synthesis (needs AWS credentials once) |
 * | existingVpc | none | deploy into this existing VPC, described: `{"vpcId", "availabilityZones", "privateSubnetIds", "privateSubnetRouteTableIds"?, "vpcCidrBlock"?}` (JSON; not with vpcId) |
 * | rerankEndpointName | none | SageMaker endpoint that re-ranks GET /v1/users/{userId}/recommendations |
 * | waf | `{"enabled": true, "rateLimitPer5Min": apiThrottleRate × 300}` | the API's AWS WAF web ACL (JSON): on/off, requests per client IP per 5 minutes (10-2000000000) |
 * | searchInstanceType | t3.medium.search; r6g.large.search in prod | OpenSearch data node type (not t2: no encryption at rest) |
 * | searchInstanceCount | 2 | OpenSearch data nodes, an even number (2-80): the domain spans two AZs |
 * | searchVolumeGb | 20; 100 in prod | EBS gp3 per data node, GiB (10-16384; the instance type caps it) |
 * | searchDedicatedMasters | false; true in prod | three dedicated master nodes |
 * | searchMasterInstanceType | m6g.large.search | their type, with searchDedicatedMasters |
 * | apiThrottleRate | 1000 | API usage plan: requests/s per client key, steady (1-10000) |
 * | apiThrottleBurst | 2000 | API usage plan: requests per client key at once (1-5000) |
 * | apiProvisionedConcurrency | none | API functions kept initialized (JSON): `{"recommendations": 2}`, handler id → environments (1-1000), billed while deployed |
 * | trainingSchedule | cron(0 2 * * ? *) | nightly run: EventBridge Scheduler cron(…) or rate(…) expression, UTC |
 * | trainingScheduleEnabled | true | false keeps the schedule but starts nothing |
 * | trainingTrainer | embedded; spark in prod | trainer of scheduled runs: spark (EMR Serverless) or embedded (Lambda) |
 * | trainingMaxNdcgDrop | 0.02 | quality gate: largest nDCG@10 drop below the active model accepted (0-1) |
 * | trainingEmrReleaseLabel | emr-7.5.0 | EMR Serverless release, 7.x (Spark 3.5, Python 3, NumPy) |
 * | trainingEmrIdleTimeoutMinutes | 15 | the EMR application stops after this long idle (1-10080) |
 * | trainingEmrMaxVcpu | 16; 128 in prod | EMR application ceiling, vCPU (1-10000) |
 * | trainingEmrMaxMemoryGb | 64; 512 in prod | EMR application ceiling, GB (1-100000) |
 * | trainingSparkExecutorCores | 4 | vCPUs per executor: 1, 2, 4, 8 or 16 |
 * | trainingSparkExecutorMemoryGb | 8; 16 in prod | heap per executor, GB (fits the worker with 10% overhead) |
 * | trainingSparkDriverCores | 2 | vCPUs of the driver: 1, 2, 4, 8 or 16 |
 * | trainingSparkDriverMemoryGb | 4; 8 in prod | heap of the driver, GB (fits the worker with 10% overhead) |
 * | trainingSparkMaxExecutors | 2; 20 in prod | dynamic allocation's ceiling (1-1000) |
 * | trainingTrainMemoryMb | 10240 | embedded trainer Lambda's memory (128-10240) |
 * | trainingLargeStepMemoryMb | 4096; 8192 in prod | PrepareData, Evaluate, PlanBatchRecs Lambdas' memory (128-10240) |
 * | trainingLogLevel | ALL | state machine log level: ALL or ERROR |
 * | trainingLogExecutionData | true; false in prod | state input and output in the execution log |
 * | trainingLogRetentionDays | 30; 90 in prod | execution log retention, a CloudWatch Logs period (1, 3, 5, 7, 14, 30, 60, 90, …) |
 */
const contextSchema = z
  .object({
    stage: z
      .string()
      .regex(
        /^[a-z][a-z0-9-]{0,19}$/,
        "must be 1-20 lower-case letters, digits or hyphens, starting with a letter",
      )
      .default("dev"),
    dataRemovalPolicy: z.enum(["retain", "destroy"]).optional(),
    streamMode: z.enum(["on-demand", "provisioned"]).default("on-demand"),
    streamShards: z.coerce.number().int().min(1).max(500).default(2),
    streamRetentionHours: z.coerce.number().int().min(24).max(8760).default(24),
    noncurrentArtifactRetentionDays: z.coerce.number().int().min(1).max(3650).default(30),
    streamBatchSize: z.coerce.number().int().min(1).max(10_000).default(100),
    streamBatchingWindowSeconds: z.coerce
      .number()
      .int()
      .min(0)
      .max(1, "must be 0 or 1: the loop must turn within a second")
      // Any window delays every event of a quiet stream by that much; batches still fill under load.
      .default(0),
    streamReadMode: z.enum(["enhanced-fan-out", "shared"]).default("enhanced-fan-out"),
    // -1 (retry until the record expires) would let one poison batch block its shard for the whole retention.
    streamRetryAttempts: z.coerce.number().int().min(0).max(10_000).default(5),
    streamMaxRecordAgeSeconds: z.coerce.number().int().min(60).max(604_800).default(3600),
    streamParallelization: z.coerce.number().int().min(1).max(10).default(1),
    archiveBatchSize: z.coerce.number().int().min(1).max(10_000).default(10_000),
    archiveBatchingWindowSeconds: z.coerce.number().int().min(0).max(300).default(60),
    iteratorAgeAlarmSeconds: z.coerce.number().int().min(1).max(86_400).default(60),
    offsetLagAlarmRecords: z.coerce.number().int().min(1).default(10_000),
    apiErrorRateAlarmPercent: z.coerce.number().min(0.01).max(100).default(1),
    apiLatencyP99AlarmMs: z.coerce.number().int().min(10).max(29_000).default(1000),
    searchFreeStorageAlarmPercent: z.coerce.number().min(1).max(90).default(25),
    searchJvmPressureAlarmPercent: z.coerce.number().min(50).max(100).default(95),
    eventBus: z.enum(["kinesis", "msk"]).default("kinesis"),
    kafkaTopic: z
      .string()
      .regex(/^[a-zA-Z0-9._-]{1,249}$/, "must be a Kafka topic name (letters, digits, . _ -)")
      .default("flywheel-events"),
    kafkaPartitions: z.coerce.number().int().min(1).max(1000).default(6),
    vpcId: vpcIdSchema.optional(),
    existingVpc: jsonFromContext(
      z.strictObject({
        vpcId: vpcIdSchema,
        vpcCidrBlock: z.cidrv4().optional(),
        // Two AZs at least: the search domain and the cache span two.
        availabilityZones: z
          .array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, "must be an AZ name (eu-west-1a)"))
          .min(2),
        privateSubnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, "must be subnet ids")).min(2),
        privateSubnetRouteTableIds: z
          .array(z.string().regex(/^rtb-[0-9a-f]{8,17}$/, "must be route table ids"))
          .optional(),
      }),
    )
      .refine(
        (vpc) => vpc.privateSubnetIds.length % vpc.availabilityZones.length === 0,
        "privateSubnetIds must hold the same number of subnets in each of the availabilityZones",
      )
      .refine(
        (vpc) =>
          vpc.privateSubnetRouteTableIds === undefined ||
          vpc.privateSubnetRouteTableIds.length === vpc.privateSubnetIds.length,
        "privateSubnetRouteTableIds must have one route table per subnet",
      )
      .optional(),
    rerankEndpointName: z
      .string()
      .regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, "must be a SageMaker endpoint name")
      .optional(),
    waf: jsonFromContext(
      z.strictObject({
        enabled: contextBoolean.optional(),
        // WAF's bounds for a rate-based rule's limit.
        rateLimitPer5Min: z.coerce.number().int().min(10).max(2_000_000_000).optional(),
      }),
    ).optional(),
    searchInstanceType: searchInstanceType.optional(),
    searchInstanceCount: z.coerce
      .number()
      .int()
      .min(2)
      .max(80)
      // Zone awareness over two AZs places each shard's replica in the other AZ: equal halves.
      .refine((count) => count % 2 === 0, "must be even: the domain spans two AZs")
      .default(2),
    searchVolumeGb: z.coerce.number().int().min(10).max(16_384).optional(),
    searchDedicatedMasters: contextBoolean.optional(),
    searchMasterInstanceType: searchInstanceType.default(DEFAULT_MASTER_INSTANCE_TYPE),
    // API Gateway's default account limits (10,000/s, burst 5,000) cap what one key can use anyway.
    apiThrottleRate: z.coerce
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(DEFAULT_USAGE_PLAN_THROTTLE.rateLimit),
    apiThrottleBurst: z.coerce
      .number()
      .int()
      .min(1)
      .max(5_000)
      .default(DEFAULT_USAGE_PLAN_THROTTLE.burstLimit),
    apiProvisionedConcurrency: jsonFromContext(
      z
        .record(
          z.string(),
          // Lambda's per-function ceiling is the account's concurrency; 1,000 is its default.
          z.coerce.number().int().min(1).max(1_000),
        )
        .superRefine((counts, context) => {
          const unknown = Object.keys(counts).filter((handler) => !Object.hasOwn(HANDLERS, handler));
          if (unknown.length > 0) {
            context.addIssue({
              code: "custom",
              message: `must name API handlers (${Object.keys(HANDLERS).join(", ")}), got ${unknown.map((name) => JSON.stringify(name)).join(", ")}`,
            });
          }
        }),
    ).optional(),
    trainingSchedule: z
      .string()
      .regex(
        /^(cron\(\S+( \S+){5}\)|rate\([1-9]\d* (minute|minutes|hour|hours|day|days)\))$/,
        "must be an EventBridge Scheduler expression: cron(0 2 * * ? *) (six fields) or rate(1 day)",
      )
      .default(DEFAULT_TRAINING_SCHEDULE),
    trainingScheduleEnabled: contextBoolean.default(true),
    trainingTrainer: z.enum(["spark", "embedded"]).optional(),
    trainingMaxNdcgDrop: z.coerce.number().min(0).max(1).default(0.02),
    trainingEmrReleaseLabel: z
      .string()
      .regex(
        /^emr-7\.\d+\.\d+$/,
        "must be an EMR 7.x release label (emr-7.5.0): Spark 3.5 with Python 3 and NumPy",
      )
      .default(DEFAULT_EMR_RELEASE_LABEL),
    trainingEmrIdleTimeoutMinutes: z.coerce.number().int().min(1).max(10_080).default(15),
    trainingEmrMaxVcpu: z.coerce.number().int().min(1).max(10_000).optional(),
    trainingEmrMaxMemoryGb: z.coerce.number().int().min(1).max(100_000).optional(),
    trainingSparkExecutorCores: sparkWorkerCores.default(4),
    trainingSparkExecutorMemoryGb: z.coerce.number().int().min(1).max(120).optional(),
    trainingSparkDriverCores: sparkWorkerCores.default(2),
    trainingSparkDriverMemoryGb: z.coerce.number().int().min(1).max(120).optional(),
    trainingSparkMaxExecutors: z.coerce.number().int().min(1).max(1000).optional(),
    trainingTrainMemoryMb: lambdaMemoryMb.default(10_240),
    trainingLargeStepMemoryMb: lambdaMemoryMb.optional(),
    trainingLogLevel: z.enum(["ALL", "ERROR"]).optional(),
    trainingLogExecutionData: contextBoolean.optional(),
    trainingLogRetentionDays: z.coerce
      .number()
      .int()
      .refine(
        (days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days),
        `must be a CloudWatch Logs retention period (${LOG_RETENTION_DAYS.join(", ")})`,
      )
      .optional(),
  })
  .refine((context) => context.iteratorAgeAlarmSeconds < context.streamMaxRecordAgeSeconds, {
    // Otherwise records would expire into the dead-letter queue before anyone is told the consumer is behind.
    message: "must be below streamMaxRecordAgeSeconds",
    path: ["iteratorAgeAlarmSeconds"],
  })
  .refine((context) => context.vpcId === undefined || context.existingVpc === undefined, {
    message: "give vpcId (looked up) or existingVpc (described), not both",
    path: ["existingVpc"],
  });

const CONTEXT_KEYS = Object.keys(contextSchema.shape) as Array<keyof typeof contextSchema.shape>;

/**
 * Reads the stage from CDK context (`cdk synth -c stage=prod -c streamMode=provisioned -c streamShards=4`).
 * Data is retained unless the stage is a disposable one (dev, test, sandbox) or `dataRemovalPolicy` says
 * otherwise. A malformed value fails synthesis with a message that names the context key.
 */
export function readStageConfig(node: { tryGetContext(key: string): unknown }): StageConfig {
  const raw: Record<string, unknown> = {};
  for (const key of CONTEXT_KEYS) {
    const value = node.tryGetContext(key);
    if (value !== undefined) raw[key] = value;
  }
  const parsed = contextSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `context "${issue.path.join(".")}": ${issue.message}`,
    );
    throw new Error(`invalid CDK context: ${problems.join("; ")}`);
  }
  const context = parsed.data;
  const dataRemovalPolicy =
    context.dataRemovalPolicy ?? (DISPOSABLE_STAGES.has(context.stage) ? "destroy" : "retain");
  const searchDefaults =
    context.stage === PRODUCTION_STAGE ? SEARCH_DEFAULTS.production : SEARCH_DEFAULTS.other;
  const dedicatedMasters = context.searchDedicatedMasters ?? searchDefaults.dedicatedMasters;
  const training = trainingConfig(context);
  return {
    stageName: context.stage,
    dataRemovalPolicy,
    deletionProtection: dataRemovalPolicy === "retain",
    eventStream: {
      mode: context.streamMode,
      shardCount: context.streamShards,
      retentionHours: context.streamRetentionHours,
    },
    noncurrentArtifactRetentionDays: context.noncurrentArtifactRetentionDays,
    streamConsumer: {
      batchSize: context.streamBatchSize,
      maxBatchingWindowSeconds: context.streamBatchingWindowSeconds,
      retryAttempts: context.streamRetryAttempts,
      maxRecordAgeSeconds: context.streamMaxRecordAgeSeconds,
      parallelizationFactor: context.streamParallelization,
      readMode: context.streamReadMode,
    },
    eventArchive: {
      batchSize: context.archiveBatchSize,
      maxBatchingWindowSeconds: context.archiveBatchingWindowSeconds,
    },
    alarms: {
      iteratorAgeThresholdSeconds: context.iteratorAgeAlarmSeconds,
      offsetLagThresholdRecords: context.offsetLagAlarmRecords,
      apiServerErrorRatePercent: context.apiErrorRateAlarmPercent,
      apiLatencyP99Ms: context.apiLatencyP99AlarmMs,
      searchFreeStoragePercent: context.searchFreeStorageAlarmPercent,
      searchJvmMemoryPressurePercent: context.searchJvmPressureAlarmPercent,
    },
    eventBus: {
      kind: context.eventBus,
      kafkaTopic: context.kafkaTopic,
      kafkaPartitions: context.kafkaPartitions,
    },
    network: { existingVpc: existingVpcOf(context) },
    search: {
      instanceType: context.searchInstanceType ?? searchDefaults.instanceType,
      instanceCount: context.searchInstanceCount,
      volumeSizeGb: context.searchVolumeGb ?? searchDefaults.volumeGb,
      dedicatedMasterInstanceType: dedicatedMasters ? context.searchMasterInstanceType : undefined,
    },
    api: {
      throttle: { rateLimit: context.apiThrottleRate, burstLimit: context.apiThrottleBurst },
      waf: {
        enabled: context.waf?.enabled ?? true,
        // One client at its full per-key rate from a single IP is never blocked by the WAF.
        rateLimitPer5Min: context.waf?.rateLimitPer5Min ?? context.apiThrottleRate * 300,
      },
      provisionedConcurrency: context.apiProvisionedConcurrency ?? {},
    },
    rerank:
      context.rerankEndpointName === undefined ? undefined : { endpointName: context.rerankEndpointName },
    training,
  };
}

function existingVpcOf(context: z.infer<typeof contextSchema>): ExistingVpc | undefined {
  if (context.vpcId !== undefined) return { source: "lookup", vpcId: context.vpcId };
  const described = context.existingVpc;
  if (described === undefined) return undefined;
  return {
    source: "attributes",
    vpcId: described.vpcId,
    vpcCidrBlock: described.vpcCidrBlock,
    availabilityZones: described.availabilityZones,
    privateSubnetIds: described.privateSubnetIds,
    privateSubnetRouteTableIds: described.privateSubnetRouteTableIds,
  };
}

/** The training section: the stage's defaults under the keys given, and the Spark sizes checked against EMR's. */
function trainingConfig(context: z.infer<typeof contextSchema>): TrainingConfig {
  const defaults =
    context.stage === PRODUCTION_STAGE ? TRAINING_DEFAULTS.production : TRAINING_DEFAULTS.other;
  const spark = {
    executorCores: context.trainingSparkExecutorCores,
    executorMemoryGb: context.trainingSparkExecutorMemoryGb ?? defaults.executorMemoryGb,
    driverCores: context.trainingSparkDriverCores,
    driverMemoryGb: context.trainingSparkDriverMemoryGb ?? defaults.driverMemoryGb,
    maxExecutors: context.trainingSparkMaxExecutors ?? defaults.maxExecutors,
  };
  requireFitsWorker("trainingSparkExecutorMemoryGb", spark.executorMemoryGb, spark.executorCores);
  requireFitsWorker("trainingSparkDriverMemoryGb", spark.driverMemoryGb, spark.driverCores);
  return {
    schedule: { expression: context.trainingSchedule, enabled: context.trainingScheduleEnabled },
    trainer: context.trainingTrainer ?? defaults.trainer,
    maxNdcgDrop: context.trainingMaxNdcgDrop,
    emr: {
      releaseLabel: context.trainingEmrReleaseLabel,
      idleTimeoutMinutes: context.trainingEmrIdleTimeoutMinutes,
      maxVcpu: context.trainingEmrMaxVcpu ?? defaults.emrMaxVcpu,
      maxMemoryGb: context.trainingEmrMaxMemoryGb ?? defaults.emrMaxMemoryGb,
    },
    spark,
    lambda: {
      trainMemoryMb: context.trainingTrainMemoryMb,
      largeStepMemoryMb: context.trainingLargeStepMemoryMb ?? defaults.largeStepMemoryMb,
    },
    logging: {
      level: context.trainingLogLevel ?? defaults.logLevel,
      includeExecutionData: context.trainingLogExecutionData ?? defaults.logExecutionData,
      retentionDays: context.trainingLogRetentionDays ?? defaults.logRetentionDays,
    },
  };
}

/** Spark's heap plus its overhead must fit the EMR Serverless worker of that many vCPUs. */
function requireFitsWorker(key: string, memoryGb: number, cores: SparkWorkerCores): void {
  const requestedGb = Math.max(memoryGb * 1.1, memoryGb + 0.384);
  const ceilingGb = WORKER_MEMORY_CEILING_GB[cores];
  if (requestedGb > ceilingGb) {
    throw new Error(
      `invalid CDK context: context "${key}": ${memoryGb} GB and Spark's overhead exceed the ${ceilingGb} GB of a ${cores}-vCPU EMR Serverless worker`,
    );
  }
}
