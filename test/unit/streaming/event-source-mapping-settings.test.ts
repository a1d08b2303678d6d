import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../../layers/domain/errors/domain-errors.ts";
import {
  type EventSourceMappingSettingsInput,
  resolveEventSourceMappingSettings,
  retryBackoffMs,
} from "../../../local/streaming/event-source-mapping-settings.ts";

describe("resolveEventSourceMappingSettings", () => {
  it("fills in the defaults", () => {
    expect(resolveEventSourceMappingSettings({ startingPosition: "LATEST" })).toEqual({
      batchSize: 100,
      maximumBatchingWindowMs: 500,
      bisectBatchOnFunctionError: false,
      maximumRetryAttempts: 3,
      maximumRecordAgeMs: -1,
      reportBatchItemFailures: false,
      startingPosition: "LATEST",
      pollIntervalMs: 200,
      handlerTimeoutMs: 60_000,
      retryBackoffBaseMs: 100,
      retryBackoffMaxMs: 1000,
      shardDiscoveryIntervalMs: 1000,
      stopGraceMs: 2000,
    });
  });

  it("accepts the limits AWS accepts", () => {
    const settings = resolveEventSourceMappingSettings({
      startingPosition: "TRIM_HORIZON",
      batchSize: 10_000,
      maximumRetryAttempts: -1,
      maximumRecordAgeMs: 7 * 24 * 3600 * 1000,
    });
    expect(settings).toMatchObject({ batchSize: 10_000, maximumRetryAttempts: -1 });
  });

  it.each<[string, Partial<EventSourceMappingSettingsInput>, string]>([
    ["a batch of 0", { batchSize: 0 }, "batchSize"],
    ["a batch over 10,000", { batchSize: 10_001 }, "batchSize"],
    ["a fractional batch size", { batchSize: 2.5 }, "batchSize"],
    ["a window over a second", { maximumBatchingWindowMs: 1_001 }, "maximumBatchingWindowMs"],
    ["retries below -1", { maximumRetryAttempts: -2 }, "maximumRetryAttempts"],
    ["retries over 10,000", { maximumRetryAttempts: 10_001 }, "maximumRetryAttempts"],
    ["an age over 7 days", { maximumRecordAgeMs: 7 * 24 * 3600 * 1000 + 1 }, "maximumRecordAgeMs"],
    ["a backoff cap below its base", { retryBackoff: { baseMs: 500, maxMs: 100 } }, "retryBackoff.maxMs"],
  ])("refuses %s, naming the field", (_, input, field) => {
    let caught: unknown;
    try {
      resolveEventSourceMappingSettings({ startingPosition: "LATEST", ...input });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidInputError);
    expect(caught instanceof InvalidInputError ? caught.field : undefined).toBe(field);
  });

  it("refuses a starting position it does not support", () => {
    const input = { startingPosition: "AT_TIMESTAMP" } as unknown as EventSourceMappingSettingsInput;
    expect(() => resolveEventSourceMappingSettings(input)).toThrow(/TRIM_HORIZON or LATEST/);
  });
});

describe("retryBackoffMs", () => {
  it("doubles from the base up to the cap, and is 0 for a first attempt", () => {
    const settings = resolveEventSourceMappingSettings({
      startingPosition: "LATEST",
      retryBackoff: { baseMs: 100, maxMs: 500 },
    });
    expect([0, 1, 2, 3, 4, 10].map((retry) => retryBackoffMs(settings, retry))).toEqual([
      0, 100, 200, 400, 500, 500,
    ]);
  });
});
