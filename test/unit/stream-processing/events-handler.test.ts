import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createEventsHandler } from "../../../functions/api/create-events-handler.ts";
import { InMemoryEventBus } from "../../../layers/adapters/embedded/in-memory-event-bus.ts";
import { DependencyError } from "../../../layers/domain/errors/domain-errors.ts";
import { EVENT_LIMITS } from "../../../layers/domain/events/event-limits.ts";
import type { EventBus } from "../../../layers/ports/event-bus.ts";
import { apiGatewayEvent, lambdaContext } from "../functions/api-gateway-event.ts";

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);

async function post(bus: EventBus, body: string | null) {
  const handler = createEventsHandler(bus, () => NOW);
  const response = await handler(
    { ...apiGatewayEvent({ path: "/v1/events" }), httpMethod: "POST", body },
    lambdaContext(),
  );
  return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
}

// The error middleware logs every refused request; keep the test output readable.
beforeEach(() => {
  vi.spyOn(console, "warn").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => {
  vi.restoreAllMocks();
});

const valid = { userId: "u-1", itemId: "i-1", type: "click" };

describe("POST /v1/events", () => {
  it("publishes valid events with assigned ids and the receipt time, and answers 202", async () => {
    const bus = new InMemoryEventBus();
    const { status, body } = await post(
      bus,
      JSON.stringify({
        events: [valid, { ...valid, eventId: "mine", timestamp: "2026-11-21T11:59:00Z", value: 2 }],
      }),
    );
    expect(status).toBe(202);
    expect(body).toMatchObject({ accepted: 2, rejected: [] });
    const published = bus.peek();
    expect(published).toHaveLength(2);
    expect(published[0]).toMatchObject({ ...valid, timestamp: NOW, receivedAt: NOW });
    expect(published[0]?.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(published[1]).toMatchObject({
      eventId: "mine",
      value: 2,
      timestamp: Date.UTC(2026, 10, 21, 11, 59),
    });
    expect(body.eventIds).toEqual([
      { index: 0, eventId: published[0]?.eventId },
      { index: 1, eventId: "mine" },
    ]);
  });

  it("rejects bad events by index, naming the field, and still publishes the good ones", async () => {
    const bus = new InMemoryEventBus();
    const events = [
      valid,
      { ...valid, type: "like" },
      { ...valid, userId: "../etc/passwd" },
      { ...valid, itemID: "typo" },
      { ...valid, timestamp: NOW + 3600_000 },
      { ...valid, timestamp: NOW - 31 * 86_400_000 },
      { ...valid, eventId: "dup" },
      { ...valid, eventId: "dup" },
      { ...valid, value: "5" },
      { ...valid, context: { blob: "x".repeat(5000) } },
      "not an object",
    ];
    const { status, body } = await post(bus, JSON.stringify({ events }));
    expect(status).toBe(202);
    expect(body.accepted).toBe(2);
    const rejected = body.rejected as Array<{ index: number; reason: string }>;
    expect(rejected.map((entry) => entry.index)).toEqual([1, 2, 3, 4, 5, 7, 8, 9, 10]);
    expect(rejected[0]?.reason).toMatch(/^events\.1\.type:/);
    expect(rejected[1]?.reason).toMatch(/^events\.2\.userId:/);
    expect(rejected[2]?.reason).toMatch(/itemID/);
    expect(rejected[3]?.reason).toMatch(/^events\.4\.timestamp: more than 5 minutes in the future/);
    expect(rejected[4]?.reason).toMatch(/^events\.5\.timestamp: older than 30 days/);
    expect(rejected[5]?.reason).toMatch(/^events\.7\.eventId: repeats/);
    expect(rejected[6]?.reason).toMatch(/^events\.8\.value:/);
    expect(rejected[7]?.reason).toMatch(/^events\.9\.context:/);
    expect(bus.pending).toBe(2);
  });

  it("answers 400 naming the problem for a body that is not a batch", async () => {
    const bus = new InMemoryEventBus();
    for (const [body, field] of [
      [null, "body"],
      ["{not json", "body"],
      ["[]", "body"],
      [JSON.stringify({ events: [] }), "body.events"],
      [JSON.stringify({ events: {} }), "body.events"],
      [JSON.stringify({ events: [valid], extra: 1 }), "body"],
      [
        JSON.stringify({ events: Array.from({ length: EVENT_LIMITS.maxEventsPerRequest + 1 }, () => valid) }),
        "body.events",
      ],
    ] as const) {
      const response = await post(bus, body);
      expect(response.status, String(body).slice(0, 40)).toBe(400);
      expect(response.body).toMatchObject({ error: "invalid_input", field });
    }
    expect(bus.pending).toBe(0);
  });

  it("answers 413 for a body over 1 MB", async () => {
    const huge = JSON.stringify({
      events: [{ ...valid, context: { pad: "x".repeat(EVENT_LIMITS.maxRequestBytes) } }],
    });
    const response = await post(new InMemoryEventBus(), huge);
    expect(response.status).toBe(413);
    expect(response.body).toMatchObject({ error: "payload_too_large" });
  });

  it("reports events the stream refused after its retries as rejected, not accepted", async () => {
    const bus: EventBus = {
      publish: async () => ({ failed: [{ index: 1, reason: "ProvisionedThroughputExceeded" }] }),
    };
    const { status, body } = await post(bus, JSON.stringify({ events: [valid, valid, valid] }));
    expect(status).toBe(202);
    expect(body.accepted).toBe(2);
    expect(body.rejected).toEqual([
      { index: 1, reason: "stream refused the event: ProvisionedThroughputExceeded" },
    ]);
  });

  it("answers a generic 503 when the stream is down: the client retries with the same ids", async () => {
    const bus: EventBus = {
      publish: async () => {
        throw new DependencyError("kinesis", "connect ECONNREFUSED 10.0.0.1:443");
      },
    };
    const { status, body } = await post(bus, JSON.stringify({ events: [valid] }));
    expect(status).toBe(503);
    expect(JSON.stringify(body)).not.toContain("10.0.0.1");
  });

  it("never answers 5xx to 1,000 generated malformed bodies", async () => {
    const bus = new InMemoryEventBus();
    const pieces: unknown[] = [
      null,
      true,
      -1,
      1e308,
      "",
      "\u0000",
      "é",
      "💥".repeat(300),
      [],
      {},
      "../../x",
      "a".repeat(100_000),
      { userId: 1 },
      valid,
      { ...valid, type: null },
      { ...valid, timestamp: -5 },
      { ...valid, value: Number.MAX_VALUE },
    ];
    let seed = 12345;
    const pick = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return pieces[seed % pieces.length];
    };
    for (let i = 0; i < 1000; i++) {
      const shape = i % 4;
      const body =
        shape === 0
          ? JSON.stringify(pick())
          : shape === 1
            ? JSON.stringify({ events: [pick(), pick(), pick()] })
            : shape === 2
              ? JSON.stringify({ events: [{ ...valid, [String(pick()).slice(0, 20)]: pick() }] })
              : `{"events":[${String(pick()).slice(0, 50)}`;
      const { status } = await post(bus, body);
      expect(status === 202 || status === 400 || status === 413, `${status} for ${body.slice(0, 80)}`).toBe(
        true,
      );
    }
  });
});
