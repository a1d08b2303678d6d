import { InvalidInputError, PayloadTooLargeError } from "../../layers/domain/errors/domain-errors.ts";
import { EVENT_LIMITS } from "../../layers/domain/events/event-limits.ts";
import { EventsRequestSchema } from "../../layers/domain/events/event-schema.ts";
import type { EventBus } from "../../layers/ports/event-bus.ts";
import { recordMetric } from "../commons/application-metrics.ts";
import { httpHandler } from "../commons/http-handler.ts";
import { jsonResponse } from "../commons/json-response.ts";
import { parseInput } from "../commons/parse-input.ts";
import { publishClientEvents } from "./publish-client-events.ts";

/**
 * POST /v1/events. 202 with `{ accepted, rejected: [{ index, reason }], eventIds }` whenever the body is a
 * well-formed batch, even if some events were refused; 400 for a body that is not JSON or not
 * `{ events: [1..500] }`, naming the field; 413 over 1 MB. Exported as a factory for tests.
 */
export function createEventsHandler(bus: EventBus, clock: () => number = Date.now) {
  return httpHandler(async (event) => {
    const raw = event.body ?? "";
    const body = event.isBase64Encoded ? Buffer.from(raw, "base64").toString("utf8") : raw;
    const bytes = Buffer.byteLength(body, "utf8");
    if (bytes > EVENT_LIMITS.maxRequestBytes) {
      throw new PayloadTooLargeError(
        `body is ${bytes} bytes, over the ${EVENT_LIMITS.maxRequestBytes}-byte limit: send fewer events per request`,
        "body",
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new InvalidInputError("body: not valid JSON", "body");
    }
    const request = parseInput(EventsRequestSchema, json, "body");
    const result = await publishClientEvents(bus, request.events, clock());
    recordMetric.eventsPublished(result.accepted, result.rejected.length);
    return jsonResponse(202, result);
  });
}
