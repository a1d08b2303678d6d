import { acceptClientEvents, type EventRejection } from "../../layers/domain/events/accept-client-events.ts";
import type { EventBus } from "../../layers/ports/event-bus.ts";

export interface PublishClientEventsResult {
  readonly accepted: number;
  readonly rejected: readonly EventRejection[];
  /** The id of every accepted event, in request order (assigned ones included), for idempotent retries. */
  readonly eventIds: ReadonlyArray<{ readonly index: number; readonly eventId: string }>;
}

/**
 * POST /v1/events after the body has been parsed: validate each event, publish the valid ones (the bus
 * retries refused records with backoff), and report per index what was refused, by validation or by the
 * stream. A bus that fails as a whole throws DependencyError (a 503: the client retries with the same
 * event ids, which the stream dedupes).
 */
export async function publishClientEvents(
  bus: EventBus,
  rawEvents: readonly unknown[],
  now: number,
  newEventId?: () => string,
): Promise<PublishClientEventsResult> {
  const { accepted, rejected } = acceptClientEvents(rawEvents, {
    now,
    ...(newEventId === undefined ? {} : { newEventId }),
  });
  const published =
    accepted.length === 0 ? { failed: [] } : await bus.publish(accepted.map(({ event }) => event));
  const refusedByStream = new Set<number>();
  const allRejected = [...rejected];
  for (const failure of published.failed) {
    const entry = accepted[failure.index];
    if (entry === undefined) continue;
    refusedByStream.add(failure.index);
    allRejected.push({ index: entry.index, reason: `stream refused the event: ${failure.reason}` });
  }
  allRejected.sort((a, b) => a.index - b.index);
  const eventIds = accepted
    .filter((_, position) => !refusedByStream.has(position))
    .map(({ index, event }) => ({ index, eventId: event.eventId }));
  return { accepted: eventIds.length, rejected: allRejected, eventIds };
}
