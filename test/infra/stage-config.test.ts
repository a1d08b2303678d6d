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
      alarms: { iteratorAgeThresholdSeconds: 60, offsetLagThresholdRecords: 10_000 },
      eventBus: { kind: "kinesis", kafkaTopic: "flywheel-events", kafkaPartitions: 6 },
      network: { existingVpcId: undefined },
      search: {
        instanceType: "t3.medium.search",
        instanceCount: 2,
        volumeSizeGb: 20,
        dedicatedMasterInstanceType: undefined,
      },
      api: { throttle: DEFAULT_USAGE_PLAN_THROTTLE },
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
    expect(config.alarms).toEqual({ iteratorAgeThresholdSeconds: 30, offsetLagThresholdRecords: 500 });
    expect(config.eventBus).toEqual({ kind: "msk", kafkaTopic: "flywheel.events-v2", kafkaPartitions: 12 });
    expect(config.network.existingVpcId).toBe("vpc-0123456789abcdef0");
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
});
