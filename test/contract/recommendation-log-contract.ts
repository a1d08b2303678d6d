import { describe, expect, it } from "vitest";
import type {
  CounterKey,
  FeedbackCounters,
  RecommendationLog,
  RecommendationSource,
  ServedRecommendation,
} from "../../layers/ports/recommendation-log.ts";
import { type ContractSubject, nowOf, useContractSubject } from "./contract-subject.ts";
import { uniqueId } from "./unique-id.ts";

export type RecommendationLogContractSubject = ContractSubject<RecommendationLog>;

function served(overrides: Partial<ServedRecommendation> = {}): ServedRecommendation {
  return {
    recommendationId: uniqueId("rec"),
    userId: uniqueId("user"),
    source: "realtime",
    modelVersion: uniqueId("model"),
    itemIds: ["item-3", "item-1", "item-ü"],
    servedAt: 1_700_000_000_000,
    ...overrides,
  };
}

const ZERO: FeedbackCounters = { impressions: 0, clicks: 0, conversions: 0 };

/** The counters of one (source, model version), zero when the store has none. */
async function countersOf(log: RecommendationLog, key: CounterKey): Promise<FeedbackCounters> {
  const row = (await log.counters()).find(
    (candidate) => candidate.source === key.source && candidate.modelVersion === key.modelVersion,
  );
  return row === undefined
    ? ZERO
    : { impressions: row.impressions, clicks: row.clicks, conversions: row.conversions };
}

function minus(after: FeedbackCounters, before: FeedbackCounters): FeedbackCounters {
  return {
    impressions: after.impressions - before.impressions,
    clicks: after.clicks - before.clicks,
    conversions: after.conversions - before.conversions,
  };
}

export function describeRecommendationLogContract(
  adapterName: string,
  makeSubject: () => Promise<RecommendationLogContractSubject>,
): void {
  describe(`RecommendationLog contract: ${adapterName}`, () => {
    const current = useContractSubject(makeSubject);

    it("round-trips a served list, including a null model version", async () => {
      const { subject } = current();
      const list = served({ servedAt: nowOf(current()) });
      const popular = served({ source: "popular", modelVersion: null, itemIds: [] });
      await subject.recordServed(list);
      await subject.recordServed(popular);
      expect(await subject.get(list.recommendationId)).toEqual(list);
      expect(await subject.get(popular.recommendationId)).toEqual(popular);
      expect(await subject.get(uniqueId("unknown"))).toBeUndefined();
    });

    it("keeps the first record when a served list is recorded again", async () => {
      const { subject } = current();
      const list = served();
      await subject.recordServed(list);
      await subject.recordServed({ ...list, itemIds: ["other"], servedAt: list.servedAt + 5 });
      expect(await subject.get(list.recommendationId)).toEqual(list);
    });

    it("counts feedback per (source, model version) and each eventId at most once", async () => {
      const { subject } = current();
      const list = served({ source: "batch" });
      const key: CounterKey = { source: "batch", modelVersion: list.modelVersion };
      await subject.recordServed(list);
      const before = await countersOf(subject, key);
      const impression = uniqueId("event");
      const click = uniqueId("event");
      expect(await subject.recordFeedback(list.recommendationId, "impression", impression)).toBe(true);
      expect(await subject.recordFeedback(list.recommendationId, "click", click)).toBe(true);
      expect(await subject.recordFeedback(list.recommendationId, "conversion", uniqueId("event"))).toBe(true);
      expect(await subject.recordFeedback(list.recommendationId, "impression", uniqueId("event"))).toBe(true);
      // A replayed stream batch: the same events again.
      expect(await subject.recordFeedback(list.recommendationId, "impression", impression)).toBe(false);
      expect(await subject.recordFeedback(list.recommendationId, "click", click)).toBe(false);
      expect(minus(await countersOf(subject, key), before)).toEqual({
        impressions: 2,
        clicks: 1,
        conversions: 1,
      });
    });

    it("counts an eventId once even against a second recommendation", async () => {
      const { subject } = current();
      const first = served();
      const second = served({ modelVersion: first.modelVersion });
      await subject.recordServed(first);
      await subject.recordServed(second);
      const key: CounterKey = { source: "realtime", modelVersion: first.modelVersion };
      const before = await countersOf(subject, key);
      const eventId = uniqueId("event");
      expect(await subject.recordFeedback(first.recommendationId, "click", eventId)).toBe(true);
      expect(await subject.recordFeedback(second.recommendationId, "click", eventId)).toBe(false);
      expect(minus(await countersOf(subject, key), before)).toEqual({
        impressions: 0,
        clicks: 1,
        conversions: 0,
      });
    });

    it("returns false for feedback on an unknown recommendation without using up the eventId", async () => {
      const { subject } = current();
      const list = served();
      const eventId = uniqueId("event");
      // The click overtook the record of what was served; it must still count once that record lands.
      expect(await subject.recordFeedback(list.recommendationId, "click", eventId)).toBe(false);
      expect(await subject.get(list.recommendationId)).toBeUndefined();
      await subject.recordServed(list);
      const key: CounterKey = { source: list.source, modelVersion: list.modelVersion };
      expect(await countersOf(subject, key)).toEqual(ZERO);
      expect(await subject.recordFeedback(list.recommendationId, "click", eventId)).toBe(true);
      expect(await countersOf(subject, key)).toEqual({ impressions: 0, clicks: 1, conversions: 0 });
    });

    it("keeps counters of different sources and model versions apart, a null version included", async () => {
      const { subject } = current();
      const modelVersion = uniqueId("model");
      const lists: Array<{ source: RecommendationSource; modelVersion: string | null }> = [
        { source: "realtime", modelVersion },
        { source: "cache", modelVersion },
        { source: "realtime", modelVersion: uniqueId("model") },
        { source: "popular", modelVersion: null },
      ];
      const before = await Promise.all(lists.map((key) => countersOf(subject, key)));
      for (const [index, key] of lists.entries()) {
        const list = served(key);
        await subject.recordServed(list);
        // The i-th list gets i + 1 clicks.
        for (let click = 0; click <= index; click++) {
          await subject.recordFeedback(list.recommendationId, "click", uniqueId("event"));
        }
      }
      for (const [index, key] of lists.entries()) {
        expect(minus(await countersOf(subject, key), before[index] ?? ZERO)).toEqual({
          impressions: 0,
          clicks: index + 1,
          conversions: 0,
        });
      }
    });
  });
}
