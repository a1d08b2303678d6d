import type { APIGatewayProxyEvent } from "aws-lambda";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import * as z from "zod";
import { createEventsHandler } from "../../../functions/api/create-events-handler.ts";
import { createRecommendationsHandler } from "../../../functions/api/create-serving-handlers.ts";
import { logDegradedStep } from "../../../functions/api/log-degraded-step.ts";
import { hashUserId } from "../../../functions/commons/user-id-log-hashing.ts";
import { createPipelineHandlers } from "../../../functions/pipeline/create-pipeline-handlers.ts";
import { createKinesisStreamHandler } from "../../../functions/stream/create-kinesis-stream-handler.ts";
import { InMemoryDeadLetterQueue } from "../../../layers/adapters/embedded/in-memory-dead-letter-queue.ts";
import { InMemoryEventBus } from "../../../layers/adapters/embedded/in-memory-event-bus.ts";
import { InvalidInputError } from "../../../layers/domain/errors/domain-errors.ts";
import { impressionEventOf } from "../../../layers/domain/events/impression-event.ts";
import type { StreamEvent } from "../../../layers/ports/event-bus.ts";
import { createManualClock } from "../../contract/manual-clock.ts";
import { kinesisBatch, payloadOf } from "../../support/kinesis-batch.ts";
import { embeddedServing } from "../../support/serving-fixture.ts";
import {
  embeddedStreaming,
  foldInModelOf,
  smallFactorModel,
  streamEvent,
} from "../../support/streaming-fixture.ts";
import { pipelineFixture } from "../pipeline/pipeline-fixture.ts";
import { lambdaContext } from "./api-gateway-event.ts";
import { apiRequestEvent } from "./api-request.ts";

// What the handlers write for CloudWatch, through the process's Powertools logger and metrics
// (functions/commons/observability.ts): one EMF blob per invocation with the metric names and dimensions
// the dashboard reads, the correlation id on every log line, and no raw user id when hashing is on. The
// environment is set before any handler module loads, as Lambda sets it; EMF is asked for explicitly,
// since outside Lambda it is not written.

const SALT = "observability-test-salt";
vi.hoisted(() => {
  vi.stubEnv("POWERTOOLS_METRICS_DISABLED", "false");
  vi.stubEnv("POWERTOOLS_SERVICE_NAME", "flywheel-test");
  // DEBUG: the stream handler's line for a batch without failures is a DEBUG line.
  vi.stubEnv("POWERTOOLS_LOG_LEVEL", "DEBUG");
  vi.stubEnv("FLYWHEEL_STAGE", "test");
  vi.stubEnv("FLYWHEEL_LOG_HASH_USER_IDS", "true");
  vi.stubEnv("FLYWHEEL_LOG_HASH_SALT", "observability-test-salt");
});
afterAll(() => {
  vi.unstubAllEnvs();
});

const EmfBlobSchema = z.looseObject({
  _aws: z.object({
    Timestamp: z.number(),
    CloudWatchMetrics: z.array(
      z.object({
        Namespace: z.string(),
        Dimensions: z.array(z.array(z.string())),
        Metrics: z.array(z.object({ Name: z.string(), Unit: z.string() })),
      }),
    ),
  }),
});
type EmfBlob = z.infer<typeof EmfBlobSchema>;
const LogLineSchema = z.looseObject({ level: z.string(), message: z.string() });
type LogLine = z.infer<typeof LogLineSchema>;

/**
 * Everything written to stdout and stderr while the test runs: Powertools writes INFO lines and EMF to
 * stdout, WARN and ERROR lines to stderr, and Lambda sends both to CloudWatch Logs.
 */
let written: string[] = [];
beforeEach(() => {
  written = [];
  const capture = (chunk: string | Uint8Array) => {
    written.push(typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk));
    return true;
  };
  vi.spyOn(process.stdout, "write").mockImplementation(capture);
  vi.spyOn(process.stderr, "write").mockImplementation(capture);
  // The error middleware's own line goes through console.error; not under test here.
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => {
  vi.restoreAllMocks();
});

function writtenJson(): unknown[] {
  return written
    .join("")
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as unknown);
}
const emfBlobs = (): EmfBlob[] =>
  writtenJson().flatMap((value) => {
    const blob = EmfBlobSchema.safeParse(value);
    return blob.success ? [blob.data] : [];
  });
const logLines = (): LogLine[] =>
  writtenJson().flatMap((value) => {
    const line = LogLineSchema.safeParse(value);
    return line.success ? [line.data] : [];
  });

/** The metric names and dimension sets of a blob, and its values by key. */
function describeBlob(blob: EmfBlob | undefined) {
  const directive = blob?._aws.CloudWatchMetrics[0];
  return {
    namespace: directive?.Namespace,
    dimensions: directive?.Dimensions,
    metrics: directive?.Metrics.map(({ Name }) => Name).sort(),
    units: Object.fromEntries(directive?.Metrics.map(({ Name, Unit }) => [Name, Unit]) ?? []),
  };
}

const model = foldInModelOf(smallFactorModel({ items: 40, factors: 8, seed: 5, version: "m-1" }));
const RAW_USER_ID = "user-raw-4242";

async function servingWorld() {
  const world = embeddedServing(createManualClock());
  await world.activate(model);
  await world.catalogModelItems(model);
  const taste = new Float32Array(model.factors).fill(0.5);
  await world.putProfile(RAW_USER_ID, taste, model.version);
  await world.interact(RAW_USER_ID, "item-3");
  return world;
}

function recommendationsRequest(headers: Record<string, string> = {}): APIGatewayProxyEvent {
  const event = apiRequestEvent({
    method: "GET",
    route: "/v1/users/{userId}/recommendations",
    pathParameters: { userId: RAW_USER_ID },
  });
  return { ...event, headers, requestContext: { ...event.requestContext, requestId: "api-request-77" } };
}

describe("the recommendations handler's metrics", () => {
  it("emits one EMF blob per request: its latency and a cache miss, under the tier that answered", async () => {
    const world = await servingWorld();
    const response = await createRecommendationsHandler(world.deps)(
      recommendationsRequest(),
      lambdaContext(),
    );
    expect(response.statusCode).toBe(200);
    const blobs = emfBlobs();
    expect(blobs).toHaveLength(1);
    expect(describeBlob(blobs[0])).toEqual({
      namespace: "Flywheel",
      dimensions: [["service", "stage", "Source"]],
      metrics: ["CacheMiss", "RecommendationLatency"],
      units: { CacheMiss: "Count", RecommendationLatency: "Milliseconds" },
    });
    expect(blobs[0]).toMatchObject({
      service: "flywheel-test",
      stage: "test",
      Source: "realtime",
      CacheMiss: 1,
    });
    expect(blobs[0]?.RecommendationLatency).toEqual(expect.any(Number));
  });

  it("counts the repeated request, answered by the L1 cache, as a cache hit", async () => {
    const world = await servingWorld();
    const handler = createRecommendationsHandler(world.deps);
    await handler(recommendationsRequest(), lambdaContext());
    await handler(recommendationsRequest(), lambdaContext());
    const blobs = emfBlobs();
    expect(blobs).toHaveLength(2);
    expect(describeBlob(blobs[1]).metrics).toEqual(["CacheHit", "RecommendationLatency"]);
    expect(blobs[1]).toMatchObject({ Source: "cache", CacheHit: 1 });
  });

  it("emits nothing for a refused request (API Gateway counts those)", async () => {
    const world = await servingWorld();
    const event = recommendationsRequest();
    const response = await createRecommendationsHandler(world.deps)(
      { ...event, queryStringParameters: { limit: "-1" } },
      lambdaContext(),
    );
    expect(response.statusCode).toBe(400);
    expect(emfBlobs()).toEqual([]);
  });
});

describe("log lines of an API request", () => {
  async function degradedRequest(headers: Record<string, string> = {}) {
    const world = await servingWorld();
    world.vectorIndex.failing.add("*");
    const deps = { ...world.deps, onDegraded: logDegradedStep };
    await createRecommendationsHandler(deps)(recommendationsRequest(headers), lambdaContext());
    const degraded = logLines().filter((line) => line.message === "serving tier degraded");
    expect(degraded.length).toBeGreaterThan(0);
    return degraded;
  }

  it("carry API Gateway's request id as the correlation id, with the service, the stage and the Lambda request", async () => {
    for (const line of await degradedRequest()) {
      expect(line).toMatchObject({
        level: "WARN",
        correlation_id: "api-request-77",
        service: "flywheel-test",
        stage: "test",
        function_request_id: "lambda-request-1",
        step: "realtime",
      });
    }
  });

  it("carry the caller's x-correlation-id instead, whatever the header's case", async () => {
    for (const line of await degradedRequest({ "X-Correlation-Id": "caller-trace-1" })) {
      expect(line.correlation_id).toBe("caller-trace-1");
    }
  });

  it("ignore a correlation id that could break a log line and fall back to the request id", async () => {
    for (const line of await degradedRequest({ "x-correlation-id": `a b ${"x".repeat(200)}` })) {
      expect(line.correlation_id).toBe("api-request-77");
    }
  });

  it("never show the raw user id when hashing is on: the keyed hash stands in its place", async () => {
    const lines = await degradedRequest();
    for (const line of lines) expect(line.userId).toBe(hashUserId(RAW_USER_ID, SALT));
    expect(written.join("")).not.toContain(RAW_USER_ID);
  });
});

describe("the events handler's metrics", () => {
  it("emits one EMF blob with the events accepted and rejected", async () => {
    const handler = createEventsHandler(new InMemoryEventBus(), () => Date.UTC(2026, 10, 21));
    const event = apiRequestEvent({
      method: "POST",
      route: "/v1/events",
      body: {
        events: [
          { userId: "u-1", itemId: "i-1", type: "click" },
          { userId: "u-1", type: "click" },
        ],
      },
    });
    const response = await handler(event, lambdaContext());
    expect(response.statusCode).toBe(202);
    const blobs = emfBlobs();
    expect(blobs).toHaveLength(1);
    expect(describeBlob(blobs[0])).toMatchObject({
      dimensions: [["service", "stage"]],
      metrics: ["EventsAccepted", "EventsRejected"],
    });
    expect(blobs[0]).toMatchObject({ EventsAccepted: 1, EventsRejected: 1 });
  });
});

describe("the Kinesis stream handler's metrics and log line", () => {
  const encode = (event: StreamEvent | string) => payloadOf(event);

  it("emits one EMF blob per batch (events, failures, poison records, each fold-in's time) and logs the batch's positions", async () => {
    const clock = createManualClock();
    const streaming = embeddedStreaming(clock, model);
    const now = clock.now();
    const batch = kinesisBatch(
      [
        encode(streamEvent({ userId: "u-1", itemId: "item-1", at: now - 1000 })),
        encode(streamEvent({ userId: "u-2", itemId: "item-2", at: now - 500 })),
        encode("not json"),
      ],
      { firstSequence: 500n },
    );
    const response = await createKinesisStreamHandler(streaming.deps, new InMemoryDeadLetterQueue())(batch);
    expect(response).toEqual({ batchItemFailures: [] });
    const blobs = emfBlobs();
    expect(blobs).toHaveLength(1);
    expect(describeBlob(blobs[0])).toMatchObject({
      dimensions: [["service", "stage"]],
      metrics: ["EventsFailed", "EventsProcessed", "FoldInTime", "PoisonRecords"],
      units: { FoldInTime: "Milliseconds", EventsProcessed: "Count" },
    });
    expect(blobs[0]).toMatchObject({ EventsProcessed: 2, EventsFailed: 0, PoisonRecords: 1 });
    // Two users folded in: two values of one metric in the blob.
    expect(blobs[0]?.FoldInTime).toEqual([expect.any(Number), expect.any(Number)]);
    const [line] = logLines().filter((entry) => entry.message === "stream batch");
    expect(line).toMatchObject({
      level: "DEBUG",
      correlation_id: "shardId-000000000000:500..502",
      source: "kinesis",
      events: 2,
      poison: 1,
      deadLettered: 1,
    });
  });

  it("counts impressions and clicks by the source of the served list, once each, in blobs of their own", async () => {
    const clock = createManualClock();
    const streaming = embeddedStreaming(clock, model);
    const now = clock.now();
    const impression = impressionEventOf({
      recommendationId: "rec-1",
      userId: "u-1",
      source: "batch",
      modelVersion: "m-1",
      itemIds: ["item-1", "item-2"],
      servedAt: now - 2000,
    });
    if (impression === undefined) throw new Error("no impression event");
    const click = streamEvent({ userId: "u-1", itemId: "item-2", at: now - 1000, recommendationId: "rec-1" });
    const handler = createKinesisStreamHandler(streaming.deps, new InMemoryDeadLetterQueue());
    const batch = kinesisBatch([encode(impression), encode(click)]);
    await handler(batch);
    const bySource = emfBlobs().filter((blob) => "Source" in blob);
    expect(bySource.map((blob) => describeBlob(blob).dimensions)).toEqual([
      [["service", "stage", "Source"]],
      [["service", "stage", "Source"]],
    ]);
    expect(bySource).toEqual([
      expect.objectContaining({ Source: "batch", Impressions: 1 }),
      expect.objectContaining({ Source: "batch", Clicks: 1 }),
    ]);

    // The same batch again: the log counts nothing twice, and neither do the metrics.
    written = [];
    await handler(batch);
    expect(emfBlobs().filter((blob) => "Source" in blob)).toEqual([]);
    expect(await streaming.recommendationLog.counters()).toEqual([
      expect.objectContaining({ source: "batch", impressions: 1, clicks: 1 }),
    ]);
  });
});

describe("the pipeline handlers' metrics", () => {
  it("emit each step's duration by Step, with the run id as the correlation id, also when the step fails", async () => {
    const fixture = await pipelineFixture();
    const handlers = createPipelineHandlers(fixture.deps);
    await expect(handlers.train({ runId: "run-42" })).rejects.toBeInstanceOf(InvalidInputError);
    const blobs = emfBlobs();
    expect(blobs).toHaveLength(1);
    expect(describeBlob(blobs[0])).toMatchObject({
      dimensions: [["service", "stage", "Step"]],
      metrics: ["PipelineStepDuration"],
      units: { PipelineStepDuration: "Milliseconds" },
    });
    expect(blobs[0]).toMatchObject({ Step: "train" });
  });
});
