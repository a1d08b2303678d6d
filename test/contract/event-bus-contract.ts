import { describe, expect, it } from "vitest";
import type { EventBus, StreamEvent } from "../../layers/ports/event-bus.ts";
import { type ContractSubject, nowOf, useContractSubject } from "./contract-subject.ts";
import { uniqueId } from "./unique-id.ts";

export interface EventBusContractSubject extends ContractSubject<EventBus> {
  /** The largest record (JSON of the event plus the partition key) the stream takes. */
  readonly maxRecordBytes: number;
  /**
   * Reads back, from the consumer side of the stream, what was published for these users: at least
   * `expectedCount` events, or whatever arrived when the reader's deadline passed. Each user's events in the
   * order the stream delivers them (for Kinesis: GetRecords over every shard from where the test began).
   */
  readPublished(userIds: readonly string[], expectedCount: number): Promise<StreamEvent[]>;
}

function streamEvent(userId: string, now: number, overrides: Partial<StreamEvent> = {}): StreamEvent {
  return {
    eventId: uniqueId("event"),
    userId,
    itemId: uniqueId("item"),
    type: "click",
    timestamp: now - 1000,
    receivedAt: now,
    ...overrides,
  };
}

function eventIdsOf(events: readonly StreamEvent[], userId: string): string[] {
  return events.filter((event) => event.userId === userId).map((event) => event.eventId);
}

export function describeEventBusContract(
  adapterName: string,
  makeSubject: () => Promise<EventBusContractSubject>,
): void {
  describe(`EventBus contract: ${adapterName}`, () => {
    const current = useContractSubject(makeSubject);

    it("delivers published events with every field intact", async () => {
      const { subject, readPublished } = current();
      const now = nowOf(current());
      const userId = uniqueId("user");
      const full = streamEvent(userId, now, {
        type: "rate",
        value: 4.5,
        recommendationId: uniqueId("rec"),
        context: { page: "home", position: 3, nested: { tags: ["a", "ü"] }, flag: true },
      });
      const bare = streamEvent(userId, now, { type: "impression" });
      expect(await subject.publish([full, bare])).toEqual({ failed: [] });
      expect(await readPublished([userId], 2)).toEqual([full, bare]);
    });

    it("keeps each user's events in publish order, across calls and interleaved users", async () => {
      const { subject, readPublished } = current();
      const now = nowOf(current());
      const users = [uniqueId("user"), uniqueId("user"), uniqueId("user")];
      const published: StreamEvent[] = [];
      for (let call = 0; call < 3; call++) {
        const batch = Array.from({ length: 12 }, (_, i) =>
          streamEvent(users[i % users.length] as string, now, { timestamp: now - 100_000 + call * 100 + i }),
        );
        expect((await subject.publish(batch)).failed).toEqual([]);
        published.push(...batch);
      }
      const delivered = await readPublished(users, published.length);
      expect(delivered).toHaveLength(published.length);
      for (const userId of users)
        expect(eventIdsOf(delivered, userId)).toEqual(eventIdsOf(published, userId));
    });

    it("publishes a batch larger than one stream request (600 events) completely and in order", async () => {
      const { subject, readPublished } = current();
      const now = nowOf(current());
      const users = Array.from({ length: 7 }, () => uniqueId("user"));
      const batch = Array.from({ length: 600 }, (_, i) =>
        streamEvent(users[i % users.length] as string, now),
      );
      expect((await subject.publish(batch)).failed).toEqual([]);
      const delivered = await readPublished(users, batch.length);
      expect(delivered).toHaveLength(batch.length);
      for (const userId of users) expect(eventIdsOf(delivered, userId)).toEqual(eventIdsOf(batch, userId));
    });

    it("reports an oversized record as failed at its position and delivers the rest", async () => {
      const { subject, readPublished, maxRecordBytes } = current();
      const now = nowOf(current());
      const userId = uniqueId("user");
      const before = streamEvent(userId, now);
      const oversized = streamEvent(userId, now, { context: { blob: "x".repeat(maxRecordBytes + 1) } });
      const after = streamEvent(userId, now);
      const result = await subject.publish([before, oversized, after]);
      expect(result.failed.map((failure) => failure.index)).toEqual([1]);
      expect(result.failed[0]?.reason).toMatch(/\S/);
      expect(await readPublished([userId], 2)).toEqual([before, after]);
    });

    it("accepts an empty batch", async () => {
      expect(await current().subject.publish([])).toEqual({ failed: [] });
    });
  });
}
