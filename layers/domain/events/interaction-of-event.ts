import type { StreamEvent } from "../../ports/event-bus.ts";
import type { InteractionRecord } from "../../ports/interaction-log.ts";
import { DEFAULT_EVENT_WEIGHTS, type EventWeights, eventWeight } from "../interactions/event-types.ts";

/**
 * The interaction-log record of an event from the stream: its ids, type, value and time, and its weight
 * under `weights` (the stream handler's, or the shared defaults when seeding a store directly).
 */
export function interactionOfEvent(
  event: StreamEvent,
  weights: EventWeights = DEFAULT_EVENT_WEIGHTS,
): InteractionRecord {
  return {
    eventId: event.eventId,
    userId: event.userId,
    itemId: event.itemId,
    type: event.type,
    weight: eventWeight(event.type, event.value, weights),
    ...(event.value === undefined ? {} : { value: event.value }),
    occurredAt: event.timestamp,
    ...(event.recommendationId === undefined ? {} : { recommendationId: event.recommendationId }),
  };
}
