import { randomUUID } from "node:crypto";
import type { StreamEvent } from "../../ports/event-bus.ts";
import { EVENT_LIMITS } from "./event-limits.ts";
import { ClientEventSchema } from "./event-schema.ts";

export interface EventRejection {
  /** Position of the event in the request's `events` array. */
  readonly index: number;
  /** What was wrong, naming the field: `events.3.userId: must not be empty`. */
  readonly reason: string;
}

export interface AcceptedEvents {
  /** Normalised events, in request order; each `index` points back into the request. */
  readonly accepted: ReadonlyArray<{ readonly index: number; readonly event: StreamEvent }>;
  readonly rejected: readonly EventRejection[];
}

export interface AcceptOptions {
  /** Server time, epoch ms: `receivedAt`, the default `timestamp`, and the reference for the range check. */
  readonly now: number;
  /** Assigns an id to an event sent without one. @default crypto.randomUUID */
  readonly newEventId?: () => string;
}

/**
 * Checks each event of a request on its own and normalises the valid ones into stream events: an id is
 * assigned where the client sent none (and returned to it, so it can retry idempotently), a missing
 * timestamp becomes the time of receipt, an ISO timestamp becomes epoch ms. A timestamp more than
 * `maxFutureSkewMs` ahead or more than `maxAgeMs` behind the server clock is rejected: a future one would
 * outrank every real event in trending, and a very old one belongs in a backfill, not the real-time path.
 * A repeated eventId within one request is rejected after its first occurrence: the stream would drop it
 * anyway, and saying so is clearer.
 */
export function acceptClientEvents(events: readonly unknown[], options: AcceptOptions): AcceptedEvents {
  const newEventId = options.newEventId ?? randomUUID;
  const accepted: Array<{ index: number; event: StreamEvent }> = [];
  const rejected: EventRejection[] = [];
  const seenIds = new Set<string>();
  events.forEach((raw, index) => {
    const parsed = ClientEventSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = ["events", index, ...(issue?.path ?? [])].map(String).join(".");
      rejected.push({ index, reason: `${field}: ${issue?.message ?? "invalid"}` });
      return;
    }
    const client = parsed.data;
    const timestamp =
      client.timestamp === undefined
        ? options.now
        : typeof client.timestamp === "number"
          ? client.timestamp
          : Date.parse(client.timestamp);
    if (timestamp > options.now + EVENT_LIMITS.maxFutureSkewMs) {
      rejected.push({
        index,
        reason: `events.${index}.timestamp: more than ${EVENT_LIMITS.maxFutureSkewMs / 60_000} minutes in the future`,
      });
      return;
    }
    if (timestamp < options.now - EVENT_LIMITS.maxAgeMs) {
      rejected.push({
        index,
        reason: `events.${index}.timestamp: older than ${EVENT_LIMITS.maxAgeMs / 86_400_000} days`,
      });
      return;
    }
    const eventId = client.eventId ?? newEventId();
    if (seenIds.has(eventId)) {
      rejected.push({ index, reason: `events.${index}.eventId: repeats an earlier event of this request` });
      return;
    }
    seenIds.add(eventId);
    accepted.push({
      index,
      event: {
        eventId,
        userId: client.userId,
        itemId: client.itemId,
        type: client.type,
        ...(client.value === undefined ? {} : { value: client.value }),
        timestamp,
        ...(client.recommendationId === undefined ? {} : { recommendationId: client.recommendationId }),
        ...(client.context === undefined ? {} : { context: client.context }),
        receivedAt: options.now,
      },
    });
  });
  return { accepted, rejected };
}
