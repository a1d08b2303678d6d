import { describe, expect, it } from "vitest";
import { readStageConfig } from "../../infra/config/stage-config.ts";

// The alarm thresholds of the observability stack (infra/stacks/observability-stack.ts): their defaults, a
// stage's own values from context, and values out of range refused with the key named.

function contextOf(values: Record<string, unknown>): { tryGetContext(key: string): unknown } {
  return { tryGetContext: (key) => values[key] };
}

describe("the stage's alarm thresholds", () => {
  it("default to 1% of API requests failing, a 1 s p99, 25% free storage and 95% JVM pressure", () => {
    expect(readStageConfig(contextOf({})).alarms).toMatchObject({
      apiServerErrorRatePercent: 1,
      apiLatencyP99Ms: 1000,
      searchFreeStoragePercent: 25,
      searchJvmMemoryPressurePercent: 95,
    });
  });

  it("take a stage's own values, from cdk.json or as `-c key=value` strings", () => {
    const alarms = readStageConfig(
      contextOf({
        stage: "prod",
        apiErrorRateAlarmPercent: "0.5",
        apiLatencyP99AlarmMs: 400,
        searchFreeStorageAlarmPercent: "30",
        searchJvmPressureAlarmPercent: 90,
      }),
    ).alarms;
    expect(alarms).toMatchObject({
      apiServerErrorRatePercent: 0.5,
      apiLatencyP99Ms: 400,
      searchFreeStoragePercent: 30,
      searchJvmMemoryPressurePercent: 90,
    });
  });

  it.each([
    ["apiErrorRateAlarmPercent", 0],
    ["apiErrorRateAlarmPercent", 101],
    ["apiLatencyP99AlarmMs", 30_000],
    ["apiLatencyP99AlarmMs", "fast"],
    ["searchFreeStorageAlarmPercent", 95],
    ["searchJvmPressureAlarmPercent", 40],
  ])("refuses %s = %j, naming the key", (key, value) => {
    expect(() => readStageConfig(contextOf({ [key]: value }))).toThrow(`context "${key}"`);
  });
});
