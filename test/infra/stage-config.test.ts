import { describe, expect, it } from "vitest";
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
});
