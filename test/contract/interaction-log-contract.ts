import { describe, expect, it } from "vitest";
import {
  type InteractionLog,
  type InteractionRecord,
  RECENT_INTERACTIONS_RETENTION_MS,
} from "../../layers/ports/interaction-log.ts";
import { type ContractSubject, nowOf, useContractSubject } from "./contract-subject.ts";
import { uniqueId } from "./unique-id.ts";

/** The adapter must be built with the default retention (48 h) and default limit (500). */
export type InteractionLogContractSubject = ContractSubject<InteractionLog>;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function interaction(
  userId: string,
  occurredAt: number,
  overrides: Partial<InteractionRecord> = {},
): InteractionRecord {
  return {
    eventId: uniqueId("event"),
    userId,
    itemId: uniqueId("item"),
    type: "click",
    weight: 2,
    occurredAt,
    ...overrides,
  };
}

export function describeInteractionLogContract(
  adapterName: string,
  makeSubject: () => Promise<InteractionLogContractSubject>,
): void {
  describe(`InteractionLog contract: ${adapterName}`, () => {
    const current = useContractSubject(makeSubject);

    it("returns nothing for a user without interactions", async () => {
      expect(await current().subject.recentByUser(uniqueId("nobody"))).toEqual([]);
    });

    it("stores a batch and reads it back newest first, every field intact", async () => {
      const { subject } = current();
      const now = nowOf(current());
      const userId = uniqueId("user");
      const oldest = interaction(userId, now - 3 * HOUR, { type: "view", weight: 1 });
      const middle = interaction(userId, now - 2 * HOUR, {
        type: "rate",
        weight: 4.5,
        value: 4.5,
        recommendationId: uniqueId("rec"),
      });
      const newest = interaction(userId, now - HOUR, { type: "dismiss", weight: -1 });
      const result = await subject.append([middle, newest, oldest]);
      expect([...result.appended].sort()).toEqual([middle.eventId, newest.eventId, oldest.eventId].sort());
      expect(result.duplicates).toEqual([]);
      expect(await subject.recentByUser(userId)).toEqual([newest, middle, oldest]);
    });

    it("is idempotent by eventId: a replayed batch stores nothing and reports duplicates", async () => {
      const { subject } = current();
      const now = nowOf(current());
      const userId = uniqueId("user");
      const batch = [interaction(userId, now - 2 * MINUTE), interaction(userId, now - MINUTE)];
      await subject.append(batch);
      const before = await subject.recentByUser(userId);
      const replay = await subject.append(batch);
      expect(replay.appended).toEqual([]);
      expect([...replay.duplicates].sort()).toEqual(batch.map((record) => record.eventId).sort());
      expect(await subject.recentByUser(userId)).toEqual(before);
    });

    it("stores an eventId repeated within one batch once", async () => {
      const { subject } = current();
      const now = nowOf(current());
      const userId = uniqueId("user");
      const record = interaction(userId, now - MINUTE);
      const result = await subject.append([record, { ...record }, interaction(userId, now - 2 * MINUTE)]);
      expect(result.appended).toHaveLength(2);
      expect(result.appended).toContain(record.eventId);
      expect(result.duplicates).toEqual([record.eventId]);
      expect(await subject.recentByUser(userId)).toHaveLength(2);
    });

    it("honours limit (newest kept) and since (inclusive)", async () => {
      const { subject } = current();
      const now = nowOf(current());
      const userId = uniqueId("user");
      const records = Array.from({ length: 6 }, (_, i) => interaction(userId, now - (i + 1) * HOUR));
      await subject.append(records);
      expect(await subject.recentByUser(userId, { limit: 2 })).toEqual([records[0], records[1]]);
      expect(await subject.recentByUser(userId, { limit: 0 })).toEqual([]);
      const since = now - 3 * HOUR;
      expect(await subject.recentByUser(userId, { since })).toEqual(records.slice(0, 3));
      expect(await subject.recentByUser(userId, { since, limit: 1 })).toEqual([records[0]]);
    });

    it("returns at most 500 by default", async () => {
      const { subject } = current();
      const now = nowOf(current());
      const userId = uniqueId("heavy");
      const records = Array.from({ length: 510 }, (_, i) => interaction(userId, now - (i + 1) * 1000));
      const result = await subject.append(records);
      expect(result.appended).toHaveLength(510);
      const recent = await subject.recentByUser(userId);
      expect(recent).toHaveLength(500);
      expect(recent[0]).toEqual(records[0]);
      expect(recent[499]).toEqual(records[499]);
    });

    it("never returns interactions older than the 48 h retention, whatever since says", async () => {
      const { subject } = current();
      const now = nowOf(current());
      const userId = uniqueId("user");
      const fresh = interaction(userId, now - HOUR);
      const expired = interaction(userId, now - RECENT_INTERACTIONS_RETENTION_MS - HOUR);
      await subject.append([fresh, expired]);
      expect(await subject.recentByUser(userId)).toEqual([fresh]);
      expect(await subject.recentByUser(userId, { since: 0 })).toEqual([fresh]);
    });

    it("lets interactions expire 48 h after they occurred", async () => {
      const { subject, clock } = current();
      const now = nowOf(current());
      const userId = uniqueId("user");
      const earlier = interaction(userId, now - 2 * HOUR);
      const later = interaction(userId, now - HOUR);
      await subject.append([earlier, later]);
      expect(await subject.recentByUser(userId, { since: 0 })).toEqual([later, earlier]);
      if (clock === undefined) return; // needs a controllable clock: time must pass
      clock.advance(RECENT_INTERACTIONS_RETENTION_MS - 90 * MINUTE);
      expect(await subject.recentByUser(userId, { since: 0 })).toEqual([later]);
      // A write in between prunes; what expired must stay gone and what is new must be stored.
      const next = interaction(userId, clock.now());
      await subject.append([next]);
      clock.advance(HOUR);
      expect(await subject.recentByUser(userId, { since: 0 })).toEqual([next]);
    });

    it("erases one user's interactions and nobody else's", async () => {
      const { subject } = current();
      const now = nowOf(current());
      const erased = uniqueId("erased");
      const kept = uniqueId("kept");
      const keptRecord = interaction(kept, now - MINUTE);
      await subject.append([
        interaction(erased, now - MINUTE),
        keptRecord,
        interaction(erased, now - 2 * MINUTE),
      ]);
      await subject.deleteUser(erased);
      expect(await subject.recentByUser(erased)).toEqual([]);
      expect(await subject.recentByUser(kept)).toEqual([keptRecord]);
      await subject.deleteUser(uniqueId("never-stored"));
    });

    it("exports every unexpired record once through scanAll, without erased users' or expired ones", async () => {
      const { subject } = current();
      const now = nowOf(current());
      const userIds = [uniqueId("export"), uniqueId("export")];
      const erased = uniqueId("export-erased");
      const kept = Array.from({ length: 7 }, (_, i) =>
        interaction(userIds[i % 2] as string, now - (i + 1) * HOUR),
      );
      const expired = interaction(userIds[0] as string, now - RECENT_INTERACTIONS_RETENTION_MS - HOUR);
      await subject.append([...kept, expired, interaction(erased, now - MINUTE)]);
      await subject.deleteUser(erased);
      const exported: InteractionRecord[] = [];
      for await (const page of subject.scanAll()) {
        // Other tests share the store: keep this test's users only.
        exported.push(
          ...page.filter((record) => userIds.includes(record.userId) || record.userId === erased),
        );
      }
      const byEventId = (a: InteractionRecord, b: InteractionRecord) => (a.eventId < b.eventId ? -1 : 1);
      expect(exported.sort(byEventId)).toEqual([...kept].sort(byEventId));
    });

    it("stores a batch larger than a store's write batch (40 records) completely", async () => {
      const { subject } = current();
      const now = nowOf(current());
      const userIds = [uniqueId("user"), uniqueId("user")];
      const records = Array.from({ length: 40 }, (_, i) =>
        interaction(userIds[i % 2] as string, now - (i + 1) * MINUTE),
      );
      expect((await subject.append(records)).appended).toHaveLength(40);
      for (const userId of userIds) {
        expect(await subject.recentByUser(userId)).toEqual(
          records.filter((record) => record.userId === userId),
        );
      }
    });
  });
}
