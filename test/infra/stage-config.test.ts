import { describe, expect, it } from "vitest";
import { DEFAULT_USAGE_PLAN_THROTTLE } from "../../functions/api/usage-plan-throttle.ts";
import { readStageConfig } from "../../infra/config/stage-config.ts";

function contextOf(values: Record<string, unknown>): { tryGetContext(key: string): unknown } {
  return { tryGetContext: (key) => values[key] };
}

describe("readStageConfig", () => {
  it("defaults to a disposable dev stage with an on-demand stream", () => {
    expect(readStageConfig(contextOf({}))).toEqual({
      stageName: "dev",
      dataRemovalPolicy: "destroy",
      deletionProtection: false,
      eventStream: { mode: "on-demand", shardCount: 2, retentionHours: 24 },
      noncurrentArtifactRetentionDays: 30,
      streamConsumer: {
        batchSize: 100,
        maxBatchingWindowSeconds: 0,
        retryAttempts: 5,
        maxRecordAgeSeconds: 3600,
        parallelizationFactor: 1,
        readMode: "enhanced-fan-out",
      },
      eventArchive: { batchSize: 10_000, maxBatchingWindowSeconds: 60 },
      alarms: {
        iteratorAgeThresholdSeconds: 60,
        offsetLagThresholdRecords: 10_000,
        apiServerErrorRatePercent: 1,
        apiLatencyP99Ms: 1000,
        searchFreeStoragePercent: 25,
        searchJvmMemoryPressurePercent: 95,
      },
      eventBus: { kind: "kinesis", kafkaTopic: "flywheel-events", kafkaPartitions: 6 },
      network: { existingVpc: undefined },
      rerank: undefined,
      search: {
        instanceType: "t3.medium.search",
        instanceCount: 2,
        volumeSizeGb: 20,
        dedicatedMasterInstanceType: undefined,
      },
      api: {
        throttle: DEFAULT_USAGE_PLAN_THROTTLE,
        // On by default; one client at its full per-key rate from one IP is never blocked.
        waf: { enabled: true, rateLimitPer5Min: DEFAULT_USAGE_PLAN_THROTTLE.rateLimit * 300 },
        // None unless asked: kept-warm environments are billed while deployed.
        provisionedConcurrency: {},
      },
      training: {
        schedule: { expression: "cron(0 2 * * ? *)", enabled: true },
        trainer: "embedded",
        maxNdcgDrop: 0.02,
        emr: { releaseLabel: "emr-7.5.0", idleTimeoutMinutes: 15, maxVcpu: 16, maxMemoryGb: 64 },
        spark: { executorCores: 4, executorMemoryGb: 8, driverCores: 2, driverMemoryGb: 4, maxExecutors: 2 },
        lambda: { trainMemoryMb: 10_240, largeStepMemoryMb: 4096 },
        logging: { level: "ALL", includeExecutionData: true, retentionDays: 30 },
      },
    });
  });

  it("retains data in prod and in any stage not known to be disposable", () => {
    for (const stage of ["prod", "staging", "eu-prod"]) {
      const config = readStageConfig(contextOf({ stage }));
      expect(config.dataRemovalPolicy).toBe("retain");
      expect(config.deletionProtection).toBe(true);
    }
  });

  it("reads overrides given as strings on the command line (-c key=value)", () => {
    const config = readStageConfig(
      contextOf({
        stage: "prod",
        streamMode: "provisioned",
        streamShards: "8",
        streamRetentionHours: "168",
        dataRemovalPolicy: "destroy",
      }),
    );
    expect(config.eventStream).toEqual({ mode: "provisioned", shardCount: 8, retentionHours: 168 });
    expect(config.dataRemovalPolicy).toBe("destroy");
  });

  it("fails, naming the context key, on a malformed value", () => {
    expect(() => readStageConfig(contextOf({ stage: "Prod!" }))).toThrow(/context "stage"/);
    expect(() => readStageConfig(contextOf({ streamShards: "0" }))).toThrow(/context "streamShards"/);
    expect(() => readStageConfig(contextOf({ streamMode: "fast" }))).toThrow(/context "streamMode"/);
    expect(() => readStageConfig(contextOf({ streamRetentionHours: "12" }))).toThrow(
      /context "streamRetentionHours"/,
    );
  });

  it("reads the streaming settings, the MSK option and an existing VPC from the command line", () => {
    const config = readStageConfig(
      contextOf({
        streamBatchSize: "500",
        streamBatchingWindowSeconds: "0",
        streamRetryAttempts: "0",
        streamMaxRecordAgeSeconds: "600",
        streamParallelization: "10",
        archiveBatchSize: "2000",
        archiveBatchingWindowSeconds: "300",
        iteratorAgeAlarmSeconds: "30",
        offsetLagAlarmRecords: "500",
        eventBus: "msk",
        kafkaTopic: "flywheel.events-v2",
        kafkaPartitions: "12",
        vpcId: "vpc-0123456789abcdef0",
      }),
    );
    expect(config.streamConsumer).toEqual({
      batchSize: 500,
      maxBatchingWindowSeconds: 0,
      retryAttempts: 0,
      maxRecordAgeSeconds: 600,
      parallelizationFactor: 10,
      readMode: "enhanced-fan-out",
    });
    expect(config.eventArchive).toEqual({ batchSize: 2000, maxBatchingWindowSeconds: 300 });
    expect(config.alarms).toMatchObject({ iteratorAgeThresholdSeconds: 30, offsetLagThresholdRecords: 500 });
    expect(config.eventBus).toEqual({ kind: "msk", kafkaTopic: "flywheel.events-v2", kafkaPartitions: 12 });
    expect(config.network.existingVpc).toEqual({ source: "lookup", vpcId: "vpc-0123456789abcdef0" });
  });

  it("reads an existing VPC described in the context, as cdk.json's object or -c's JSON string", () => {
    const described = {
      vpcId: "vpc-0123456789abcdef0",
      availabilityZones: ["eu-west-1a", "eu-west-1b"],
      privateSubnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
    };
    const expected = {
      source: "attributes",
      ...described,
      vpcCidrBlock: undefined,
      privateSubnetRouteTableIds: undefined,
    };
    expect(readStageConfig(contextOf({ existingVpc: described })).network.existingVpc).toEqual(expected);
    expect(
      readStageConfig(contextOf({ existingVpc: JSON.stringify(described) })).network.existingVpc,
    ).toEqual(expected);
  });

  it("refuses an existing VPC it could not deploy into, naming the key", () => {
    const base = {
      vpcId: "vpc-0123456789abcdef0",
      availabilityZones: ["eu-west-1a", "eu-west-1b"],
      privateSubnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
    };
    const refused: Array<[string, Record<string, unknown>]> = [
      [
        "one AZ",
        { ...base, availabilityZones: ["eu-west-1a"], privateSubnetIds: ["subnet-0123456789abcdef0"] },
      ],
      [
        "uneven subnets",
        { ...base, privateSubnetIds: [...base.privateSubnetIds, "subnet-0123456789abcdef2"] },
      ],
      ["route tables per subnet", { ...base, privateSubnetRouteTableIds: ["rtb-0123456789abcdef0"] }],
      ["unknown key", { ...base, natGateway: true }],
    ];
    for (const [what, existingVpc] of refused) {
      expect(() => readStageConfig(contextOf({ existingVpc })), what).toThrow(/context "existingVpc/);
    }
    expect(() => readStageConfig(contextOf({ existingVpc: "{not json" }))).toThrow(/context "existingVpc"/);
    expect(() => readStageConfig(contextOf({ existingVpc: base, vpcId: base.vpcId }))).toThrow(
      /context "existingVpc": give vpcId \(looked up\) or existingVpc \(described\), not both/,
    );
  });

  it("reads the re-rank endpoint and the WAF settings", () => {
    const config = readStageConfig(
      contextOf({ rerankEndpointName: "flywheel-ranker", waf: '{"enabled":false,"rateLimitPer5Min":2000}' }),
    );
    expect(config.rerank).toEqual({ endpointName: "flywheel-ranker" });
    expect(config.api.waf).toEqual({ enabled: false, rateLimitPer5Min: 2000 });
    expect(readStageConfig(contextOf({ waf: { enabled: "false" } })).api.waf.enabled).toBe(false);
    expect(() => readStageConfig(contextOf({ rerankEndpointName: "bad_name" }))).toThrow(
      /context "rerankEndpointName"/,
    );
    expect(() => readStageConfig(contextOf({ waf: { rateLimitPer5Min: 5 } }))).toThrow(
      /context "waf.rateLimitPer5Min"/,
    );
  });

  it("reads provisioned concurrency per API handler, from cdk.json or the command line", () => {
    expect(
      readStageConfig(contextOf({ apiProvisionedConcurrency: { recommendations: 2, "similar-items": "1" } }))
        .api.provisionedConcurrency,
    ).toEqual({ recommendations: 2, "similar-items": 1 });
    expect(
      readStageConfig(contextOf({ apiProvisionedConcurrency: '{"popular-items": 4}' })).api
        .provisionedConcurrency,
    ).toEqual({ "popular-items": 4 });
    const refused: Array<[unknown, RegExp]> = [
      [{ "no-such-handler": 1 }, /must name API handlers \(health, events, .*\), got "no-such-handler"/],
      [{ recommendations: 0 }, /context "apiProvisionedConcurrency/],
      [{ recommendations: 1001 }, /context "apiProvisionedConcurrency/],
      [{ recommendations: 1.5 }, /context "apiProvisionedConcurrency/],
      ["{not json", /context "apiProvisionedConcurrency"/],
    ];
    for (const [value, reason] of refused) {
      expect(() => readStageConfig(contextOf({ apiProvisionedConcurrency: value })), String(value)).toThrow(
        reason,
      );
    }
  });

  it("refuses a batching window over one second: the loop must turn within a second", () => {
    expect(() => readStageConfig(contextOf({ streamBatchingWindowSeconds: "2" }))).toThrow(
      /context "streamBatchingWindowSeconds": must be 0 or 1/,
    );
    expect(() => readStageConfig(contextOf({ streamBatchingWindowSeconds: "0.5" }))).toThrow(
      /context "streamBatchingWindowSeconds"/,
    );
  });

  it("refuses unbounded retries and out-of-range streaming settings, naming the key", () => {
    const refused: Array<[string, string]> = [
      ["streamRetryAttempts", "-1"],
      ["streamBatchSize", "10001"],
      ["streamParallelization", "11"],
      ["streamMaxRecordAgeSeconds", "59"],
      ["archiveBatchingWindowSeconds", "301"],
      ["eventBus", "sqs"],
      ["kafkaTopic", "events topic"],
      ["kafkaPartitions", "0"],
      ["vpcId", "my-vpc"],
    ];
    for (const [key, value] of refused)
      expect(() => readStageConfig(contextOf({ [key]: value })), key).toThrow(new RegExp(`context "${key}"`));
  });

  it("sizes the search domain for production in prod, small elsewhere", () => {
    expect(readStageConfig(contextOf({ stage: "prod" })).search).toEqual({
      instanceType: "r6g.large.search",
      instanceCount: 2,
      volumeSizeGb: 100,
      dedicatedMasterInstanceType: "m6g.large.search",
    });
    expect(
      readStageConfig(contextOf({ stage: "staging" })).search.dedicatedMasterInstanceType,
    ).toBeUndefined();
  });

  it("reads the search domain's capacity and the API throttle from the command line", () => {
    const config = readStageConfig(
      contextOf({
        stage: "prod",
        searchInstanceType: "r7g.xlarge.search",
        searchInstanceCount: "6",
        searchVolumeGb: "500",
        searchDedicatedMasters: "false",
        apiThrottleRate: "250",
        apiThrottleBurst: "500",
      }),
    );
    expect(config.search).toEqual({
      instanceType: "r7g.xlarge.search",
      instanceCount: 6,
      volumeSizeGb: 500,
      dedicatedMasterInstanceType: undefined,
    });
    expect(config.api.throttle).toEqual({ rateLimit: 250, burstLimit: 500 });
    // cdk.json gives typed JSON: a boolean, not a string.
    const masters = readStageConfig(
      contextOf({ searchDedicatedMasters: true, searchMasterInstanceType: "c6g.large.search" }),
    );
    expect(masters.search.dedicatedMasterInstanceType).toBe("c6g.large.search");
  });

  it("refuses an odd or out-of-range search capacity, a t2 node and out-of-range throttles, naming the key", () => {
    const refused: Array<[string, string, RegExp?]> = [
      ["searchInstanceCount", "3", /must be even/],
      ["searchInstanceCount", "0"],
      ["searchInstanceType", "t2.medium.search", /encryption at rest/],
      ["searchInstanceType", "r6g.large"],
      ["searchVolumeGb", "5"],
      ["searchDedicatedMasters", "maybe"],
      ["searchMasterInstanceType", "m6g.large"],
      ["apiThrottleRate", "0"],
      ["apiThrottleRate", "10001"],
      ["apiThrottleBurst", "5001"],
    ];
    for (const [key, value, reason] of refused) {
      const read = () => readStageConfig(contextOf({ [key]: value }));
      expect(read, `${key}=${value}`).toThrow(new RegExp(`context "${key}"`));
      if (reason !== undefined) expect(read, `${key}=${value}`).toThrow(reason);
    }
  });

  it("refuses an iterator-age alarm that would fire only after records expire to the dead-letter queue", () => {
    expect(() =>
      readStageConfig(contextOf({ iteratorAgeAlarmSeconds: "600", streamMaxRecordAgeSeconds: "600" })),
    ).toThrow(/context "iteratorAgeAlarmSeconds": must be below streamMaxRecordAgeSeconds/);
  });

  it("trains on Spark in prod, with production capacity and a terse log; the embedded trainer elsewhere", () => {
    expect(readStageConfig(contextOf({ stage: "prod" })).training).toEqual({
      schedule: { expression: "cron(0 2 * * ? *)", enabled: true },
      trainer: "spark",
      maxNdcgDrop: 0.02,
      emr: { releaseLabel: "emr-7.5.0", idleTimeoutMinutes: 15, maxVcpu: 128, maxMemoryGb: 512 },
      spark: { executorCores: 4, executorMemoryGb: 16, driverCores: 2, driverMemoryGb: 8, maxExecutors: 20 },
      lambda: { trainMemoryMb: 10_240, largeStepMemoryMb: 8192 },
      logging: { level: "ALL", includeExecutionData: false, retentionDays: 90 },
    });
    expect(readStageConfig(contextOf({ stage: "staging" })).training.trainer).toBe("embedded");
  });

  it("reads every training setting from the command line, and booleans from cdk.json", () => {
    const config = readStageConfig(
      contextOf({
        stage: "prod",
        trainingSchedule: "rate(12 hours)",
        trainingScheduleEnabled: "false",
        trainingTrainer: "embedded",
        trainingMaxNdcgDrop: "0.1",
        trainingEmrReleaseLabel: "emr-7.8.0",
        trainingEmrIdleTimeoutMinutes: "5",
        trainingEmrMaxVcpu: "32",
        trainingEmrMaxMemoryGb: "256",
        trainingSparkExecutorCores: "8",
        trainingSparkExecutorMemoryGb: "48",
        trainingSparkDriverCores: "4",
        trainingSparkDriverMemoryGb: "16",
        trainingSparkMaxExecutors: "3",
        trainingTrainMemoryMb: "8192",
        trainingLargeStepMemoryMb: "3008",
        trainingLogLevel: "ALL",
        trainingLogExecutionData: "true",
        trainingLogRetentionDays: "365",
      }),
    );
    expect(config.training).toEqual({
      schedule: { expression: "rate(12 hours)", enabled: false },
      trainer: "embedded",
      maxNdcgDrop: 0.1,
      emr: { releaseLabel: "emr-7.8.0", idleTimeoutMinutes: 5, maxVcpu: 32, maxMemoryGb: 256 },
      spark: { executorCores: 8, executorMemoryGb: 48, driverCores: 4, driverMemoryGb: 16, maxExecutors: 3 },
      lambda: { trainMemoryMb: 8192, largeStepMemoryMb: 3008 },
      logging: { level: "ALL", includeExecutionData: true, retentionDays: 365 },
    });
    const typed = readStageConfig(
      contextOf({ trainingScheduleEnabled: false, trainingLogExecutionData: false }),
    );
    expect(typed.training.schedule.enabled).toBe(false);
    expect(typed.training.logging.includeExecutionData).toBe(false);
  });

  it("refuses malformed training settings, naming the key", () => {
    const refused: Array<[string, string, RegExp?]> = [
      ["trainingSchedule", "0 2 * * *", /EventBridge Scheduler expression/],
      ["trainingSchedule", "cron(0 2 * * ?)"],
      ["trainingSchedule", "rate(0 days)"],
      ["trainingScheduleEnabled", "sometimes"],
      ["trainingTrainer", "sagemaker"],
      ["trainingMaxNdcgDrop", "1.5"],
      ["trainingMaxNdcgDrop", "-0.1"],
      ["trainingEmrReleaseLabel", "emr-6.15.0", /EMR 7\.x/],
      ["trainingEmrIdleTimeoutMinutes", "0"],
      ["trainingEmrMaxVcpu", "0"],
      ["trainingSparkExecutorCores", "3", /1, 2, 4, 8 or 16/],
      ["trainingSparkDriverCores", "32"],
      ["trainingSparkMaxExecutors", "0"],
      ["trainingTrainMemoryMb", "10241"],
      ["trainingLargeStepMemoryMb", "64"],
      ["trainingLogLevel", "FATAL"],
      ["trainingLogRetentionDays", "45", /retention period/],
    ];
    for (const [key, value, reason] of refused) {
      const read = () => readStageConfig(contextOf({ [key]: value }));
      expect(read, `${key}=${value}`).toThrow(new RegExp(`context "${key}"`));
      if (reason !== undefined) expect(read, `${key}=${value}`).toThrow(reason);
    }
  });

  it("refuses a Spark heap that, with its overhead, exceeds the EMR Serverless worker of that size", () => {
    // 4 vCPU workers hold at most 30 GB: 28 GB and its 10% overhead do not fit, 27 GB does.
    expect(() => readStageConfig(contextOf({ trainingSparkExecutorMemoryGb: "28" }))).toThrow(
      /context "trainingSparkExecutorMemoryGb": 28 GB .* 30 GB of a 4-vCPU EMR Serverless worker/,
    );
    expect(
      readStageConfig(contextOf({ trainingSparkExecutorMemoryGb: "27" })).training.spark.executorMemoryGb,
    ).toBe(27);
    expect(() =>
      readStageConfig(contextOf({ trainingSparkDriverCores: "1", trainingSparkDriverMemoryGb: "8" })),
    ).toThrow(/context "trainingSparkDriverMemoryGb"/);
  });
});
