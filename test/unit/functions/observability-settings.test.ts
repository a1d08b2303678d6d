import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GatedMetrics } from "../../../functions/commons/gated-metrics.ts";
import { createObservability, readObservabilitySettings } from "../../../functions/commons/observability.ts";
import {
  DEFAULT_LOG_HASH_SALT,
  hashUserId,
  readUserIdLogHashing,
  userIdLogReplacer,
} from "../../../functions/commons/user-id-log-hashing.ts";

// How the environment configures the logger, metrics and tracer (functions/commons/observability.ts), and
// the user-id hashing the logger applies when asked to.

const IN_LAMBDA = { AWS_LAMBDA_FUNCTION_NAME: "Flywheel-dev-Api-RecommendationsHandler" };

describe("readObservabilitySettings", () => {
  it("outside Lambda: no X-Ray, no EMF, the Flywheel namespace and the local stage", () => {
    expect(readObservabilitySettings({})).toEqual({
      serviceName: undefined,
      namespace: "Flywheel",
      stage: "local",
      logLevel: undefined,
      logSampleRate: undefined,
      tracingEnabled: false,
      emitMetrics: false,
      userIdHashing: { enabled: false, salt: DEFAULT_LOG_HASH_SALT },
    });
  });

  it("in Lambda: traced and metered, with the service, stage and level the function construct sets", () => {
    expect(
      readObservabilitySettings({
        ...IN_LAMBDA,
        POWERTOOLS_SERVICE_NAME: "flywheel-recommendations",
        POWERTOOLS_METRICS_NAMESPACE: "Flywheel",
        POWERTOOLS_LOG_LEVEL: "warn",
        POWERTOOLS_LOGGER_SAMPLE_RATE: "0.1",
        FLYWHEEL_STAGE: "prod",
      }),
    ).toMatchObject({
      serviceName: "flywheel-recommendations",
      stage: "prod",
      logLevel: "WARN",
      logSampleRate: 0.1,
      tracingEnabled: true,
      emitMetrics: true,
    });
  });

  it("turns tracing off with POWERTOOLS_TRACE_ENABLED=false and EMF with POWERTOOLS_METRICS_DISABLED=true", () => {
    const settings = readObservabilitySettings({
      ...IN_LAMBDA,
      POWERTOOLS_TRACE_ENABLED: "false",
      POWERTOOLS_METRICS_DISABLED: "true",
    });
    expect(settings.tracingEnabled).toBe(false);
    expect(settings.emitMetrics).toBe(false);
  });

  it("writes EMF outside Lambda when POWERTOOLS_METRICS_DISABLED=false asks for it, but never traces there", () => {
    const settings = readObservabilitySettings({ POWERTOOLS_METRICS_DISABLED: "false" });
    expect(settings.emitMetrics).toBe(true);
    expect(settings.tracingEnabled).toBe(false);
  });

  it("ignores a log level or sample rate it cannot use rather than failing the function's start", () => {
    const settings = readObservabilitySettings({
      POWERTOOLS_LOG_LEVEL: "chatty",
      POWERTOOLS_LOGGER_SAMPLE_RATE: "2",
    });
    expect(settings.logLevel).toBeUndefined();
    expect(settings.logSampleRate).toBeUndefined();
  });
});

describe("user ids in logs", () => {
  it("are hashed only when FLYWHEEL_LOG_HASH_USER_IDS is true, with the deployment's salt or the default", () => {
    expect(readUserIdLogHashing({})).toEqual({ enabled: false, salt: DEFAULT_LOG_HASH_SALT });
    expect(readUserIdLogHashing({ FLYWHEEL_LOG_HASH_USER_IDS: "TRUE" })).toEqual({
      enabled: true,
      salt: DEFAULT_LOG_HASH_SALT,
    });
    expect(
      readUserIdLogHashing({ FLYWHEEL_LOG_HASH_USER_IDS: "true", FLYWHEEL_LOG_HASH_SALT: "per-deployment" }),
    ).toEqual({ enabled: true, salt: "per-deployment" });
  });

  it("hash to a short keyed digest: the same for the same id and salt, different under another salt", () => {
    const hashed = hashUserId("u-1", "salt-a");
    expect(hashed).toMatch(/^uh_[0-9a-f]{16}$/);
    expect(hashUserId("u-1", "salt-a")).toBe(hashed);
    expect(hashUserId("u-2", "salt-a")).not.toBe(hashed);
    expect(hashUserId("u-1", "salt-b")).not.toBe(hashed);
  });

  it("are replaced wherever a userId field is, and nothing else is touched", () => {
    expect(userIdLogReplacer({ enabled: false, salt: "s" })).toBeUndefined();
    const replacer = userIdLogReplacer({ enabled: true, salt: "s" });
    const line = JSON.stringify(
      { userId: "u-1", nested: { userId: "u-2", itemId: "i-1" }, count: 3, other: { userId: 7 } },
      replacer,
    );
    expect(JSON.parse(line)).toEqual({
      userId: hashUserId("u-1", "s"),
      nested: { userId: hashUserId("u-2", "s"), itemId: "i-1" },
      count: 3,
      other: { userId: 7 },
    });
  });
});

describe("what is written", () => {
  let written: string[] = [];
  beforeEach(() => {
    written = [];
    const capture = (chunk: string | Uint8Array) => {
      written.push(typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk));
      return true;
    };
    vi.spyOn(process.stdout, "write").mockImplementation(capture);
    vi.spyOn(process.stderr, "write").mockImplementation(capture);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("debug lines appear at the INFO level only in sampled invocations (a sample rate of 1: all of them)", () => {
    createObservability({ POWERTOOLS_LOG_LEVEL: "INFO" }).logger.debug("not sampled");
    createObservability({ POWERTOOLS_LOG_LEVEL: "INFO", POWERTOOLS_LOGGER_SAMPLE_RATE: "1" }).logger.debug(
      "sampled",
    );
    const text = written.join("");
    expect(text).toContain('"message":"sampled"');
    expect(text).not.toContain("not sampled");
  });

  it("a gated metrics buffer writes nothing when closed and drops what it held, blob by blob", () => {
    const closed = new GatedMetrics({ namespace: "Flywheel", serviceName: "s", emit: false });
    closed.addMetric("EventsAccepted", MetricUnit.Count, 1);
    closed.singleMetric().addDimension("Source", "cache").addMetric("Clicks", MetricUnit.Count, 1);
    closed.publishStoredMetrics();
    expect(written.join("")).toBe("");

    const open = new GatedMetrics({ namespace: "Flywheel", serviceName: "s", emit: true });
    open.addMetric("EventsAccepted", MetricUnit.Count, 2);
    open.publishStoredMetrics();
    open.publishStoredMetrics();
    // The second flush has nothing to write (Powertools says so, in a line that is not a blob).
    const blobs = written
      .join("")
      .split("\n")
      .filter((line) => line.startsWith('{"_aws"'));
    expect(blobs).toHaveLength(1);
    expect(JSON.parse(blobs[0] ?? "{}")).toMatchObject({ service: "s", EventsAccepted: 2 });
  });
});
