import { describe, expect, it } from "vitest";
import { InvalidInputError, NotFoundError } from "../../layers/domain/errors/domain-errors.ts";
import { SeededRandom } from "../../layers/domain/random/seeded-random.ts";
import type { IndexedVector, VectorHit, VectorIndex, VectorQuery } from "../../layers/ports/vector-index.ts";
import { type ContractSubject, useContractSubject } from "./contract-subject.ts";
import { uniqueId } from "./unique-id.ts";

/**
 * The adapter must make every write (upsert, remove, setAvailability) visible to the next query and count
 * once the call has resolved: a search engine refreshes before returning (OpenSearch: `refresh=wait_for` on
 * small writes, one explicit refresh after a bulk load of many requests). Nothing here waits or retries.
 */
export type VectorIndexContractSubject = ContractSubject<VectorIndex>;

const DIMENSIONS = 16;
const CATEGORIES = ["books", "music", "film", "games"];

function randomVector(random: SeededRandom, dimensions = DIMENSIONS): Float32Array {
  return Float32Array.from({ length: dimensions }, () => random.nextGaussian());
}

/** Items with random vectors, one or two categories each, and every fifth unavailable. */
function randomItems(seed: number, count: number): IndexedVector[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    const first = CATEGORIES[i % CATEGORIES.length] as string;
    const second = CATEGORIES[random.nextInt(CATEGORIES.length)] as string;
    return {
      itemId: `item-${seed}-${i}`,
      vector: randomVector(random),
      categories: random.next() < 0.3 ? [first, second] : [first],
      available: i % 5 !== 0,
    };
  });
}

function innerProduct(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let d = 0; d < a.length; d++) dot += (a[d] as number) * (b[d] as number);
  return dot;
}

/** The reference: filter, score every item, sort, take k. */
function bruteForce(items: readonly IndexedVector[], query: VectorQuery): VectorHit[] {
  const excluded = new Set(query.excludeItemIds ?? []);
  const wanted =
    query.categories !== undefined && query.categories.length > 0 ? new Set(query.categories) : undefined;
  return items
    .filter((item) => ((query.onlyAvailable ?? true) ? item.available : true))
    .filter((item) => !excluded.has(item.itemId))
    .filter((item) => wanted === undefined || item.categories.some((category) => wanted.has(category)))
    .map((item) => ({ itemId: item.itemId, score: innerProduct(query.vector, item.vector) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, query.k);
}

function tolerance(score: number): number {
  return 1e-4 * Math.max(1, Math.abs(score));
}

/**
 * The hits are a correct top-k: as many as the reference, every hit a distinct item that passes the
 * filters and carries its true inner product, and the score at every rank equal to the reference's. Items
 * whose scores tie within float error may trade places, as they can in any engine.
 */
function expectTopK(hits: readonly VectorHit[], items: readonly IndexedVector[], query: VectorQuery): void {
  const expected = bruteForce(items, query);
  expect(hits).toHaveLength(expected.length);
  const allowed = new Map(
    bruteForce(items, { ...query, k: items.length }).map((hit) => [hit.itemId, hit.score]),
  );
  expect(new Set(hits.map((hit) => hit.itemId)).size).toBe(hits.length);
  hits.forEach((hit, rank) => {
    const trueScore = allowed.get(hit.itemId);
    expect(trueScore, `${hit.itemId} should not pass the filters`).toBeDefined();
    expect(Math.abs(hit.score - (trueScore ?? Number.NaN))).toBeLessThanOrEqual(tolerance(hit.score));
    const reference = expected[rank]?.score ?? Number.NaN;
    expect(Math.abs(hit.score - reference), `score at rank ${rank}`).toBeLessThanOrEqual(
      tolerance(reference),
    );
  });
}

export function describeVectorIndexContract(
  adapterName: string,
  makeSubject: () => Promise<VectorIndexContractSubject>,
): void {
  describe(`VectorIndex contract: ${adapterName}`, () => {
    const current = useContractSubject(makeSubject);
    const created: string[] = [];

    async function createIndex(dimensions = DIMENSIONS): Promise<string> {
      const name = uniqueId("items");
      await current().subject.createIndex(name, dimensions);
      created.push(name);
      return name;
    }

    /** A shared OpenSearch node outlives the test: its indices are removed again. */
    async function dropCreated(): Promise<void> {
      for (const name of created.splice(0)) await current().subject.deleteIndex(name);
    }

    it("finds the same top-k as a brute-force scan on random data", async () => {
      try {
        const { subject } = current();
        const index = await createIndex();
        const items = randomItems(11, 300);
        await subject.upsert(index, items.slice(0, 150));
        await subject.upsert(index, items.slice(150));
        expect(await subject.count(index)).toBe(300);
        const random = new SeededRandom(99);
        for (let q = 0; q < 5; q++) {
          const query: VectorQuery = { vector: randomVector(random), k: 10 };
          expectTopK(await subject.query(index, query), items, query);
        }
      } finally {
        await dropCreated();
      }
    });

    it("applies category, exclusion and availability filters like the brute-force reference", async () => {
      try {
        const { subject } = current();
        const index = await createIndex();
        const items = randomItems(12, 300);
        await subject.upsert(index, items);
        const random = new SeededRandom(7);
        const vector = randomVector(random);
        const unfiltered = bruteForce(items, { vector, k: 5 });
        const queries: VectorQuery[] = [
          { vector, k: 10, categories: ["music"] },
          { vector, k: 10, categories: ["film", "games"] },
          { vector, k: 10, excludeItemIds: [...unfiltered.map((hit) => hit.itemId), "not-an-item"] },
          { vector, k: 10, onlyAvailable: false },
          { vector, k: 10, onlyAvailable: true },
          {
            vector,
            k: 8,
            categories: ["books"],
            excludeItemIds: unfiltered.map((hit) => hit.itemId),
            onlyAvailable: false,
          },
        ];
        for (const query of queries) expectTopK(await subject.query(index, query), items, query);
      } finally {
        await dropCreated();
      }
    });

    it("returns every match when fewer than k pass, and nothing for k = 0", async () => {
      try {
        const { subject } = current();
        const index = await createIndex();
        const items = randomItems(13, 40);
        await subject.upsert(index, items);
        const vector = randomVector(new SeededRandom(3));
        const query: VectorQuery = { vector, k: 100, categories: ["games"] };
        const hits = await subject.query(index, query);
        expect(hits.length).toBe(bruteForce(items, query).length);
        expectTopK(hits, items, query);
        expect(await subject.query(index, { vector, k: 0 })).toEqual([]);
      } finally {
        await dropCreated();
      }
    });

    it("replaces an item upserted again", async () => {
      try {
        const { subject } = current();
        const index = await createIndex(2);
        const base = { categories: ["books"], available: true };
        await subject.upsert(index, [
          { itemId: "a", vector: Float32Array.from([1, 0]), ...base },
          { itemId: "b", vector: Float32Array.from([0, 1]), ...base },
        ]);
        await subject.upsert(index, [{ itemId: "a", vector: Float32Array.from([0, 3]), ...base }]);
        expect(await subject.count(index)).toBe(2);
        expect(await subject.query(index, { vector: Float32Array.from([0, 1]), k: 2 })).toEqual([
          { itemId: "a", score: 3 },
          { itemId: "b", score: 1 },
        ]);
        await subject.upsert(index, [
          { itemId: "a", vector: Float32Array.from([0, 3]), ...base, available: false },
        ]);
        expect(await subject.query(index, { vector: Float32Array.from([0, 1]), k: 2 })).toEqual([
          { itemId: "b", score: 1 },
        ]);
      } finally {
        await dropCreated();
      }
    });

    it("loads a batch far larger than one bulk request completely, visible at once", async () => {
      try {
        const { subject } = current();
        const index = await createIndex();
        const items = randomItems(14, 2_500);
        await subject.upsert(index, items);
        expect(await subject.count(index)).toBe(items.length);
        const random = new SeededRandom(41);
        for (let q = 0; q < 3; q++) {
          const query: VectorQuery = { vector: randomVector(random), k: 10, categories: ["film"] };
          expectTopK(await subject.query(index, query), items, query);
        }
      } finally {
        await dropCreated();
      }
    });

    it("removes items at once, ignoring unknown ids", async () => {
      try {
        const { subject } = current();
        const index = await createIndex();
        const items = randomItems(15, 60);
        await subject.upsert(index, items);
        const vector = randomVector(new SeededRandom(5));
        const best = bruteForce(items, { vector, k: 3, onlyAvailable: false }).map((hit) => hit.itemId);
        await subject.remove(
          index,
          [...best, "not-an-item", best[0] ?? ""].filter((id) => id !== ""),
        );
        expect(await subject.count(index)).toBe(items.length - best.length);
        const remaining = items.filter((item) => !best.includes(item.itemId));
        for (const query of [
          { vector, k: 10, onlyAvailable: false },
          { vector, k: 10 },
          { vector, k: 5, categories: ["music"] },
        ]) {
          const hits = await subject.query(index, query);
          expect(hits.map((hit) => hit.itemId)).not.toContain(best[0]);
          expectTopK(hits, remaining, query);
        }
        await subject.remove(index, []);
        await subject.remove(index, ["never-there"]);
        expect(await subject.count(index)).toBe(remaining.length);
        // A removed item can come back.
        const back = items.find((item) => item.itemId === best[0]);
        if (back !== undefined) await subject.upsert(index, [back]);
        expect(await subject.count(index)).toBe(remaining.length + 1);
        const query: VectorQuery = { vector, k: 10, onlyAvailable: false };
        expectTopK(await subject.query(index, query), [...remaining, ...(back ? [back] : [])], query);
      } finally {
        await dropCreated();
      }
    });

    it("changes availability without the vectors, at once, ignoring unknown ids", async () => {
      try {
        const { subject } = current();
        const index = await createIndex();
        const items = randomItems(16, 80);
        await subject.upsert(index, items);
        const vector = randomVector(new SeededRandom(8));
        const topAvailable = bruteForce(items, { vector, k: 4 }).map((hit) => hit.itemId);
        const someUnavailable = items.filter((item) => !item.available).slice(0, 3);
        await subject.setAvailability(index, [...topAvailable, "not-an-item"], false);
        await subject.setAvailability(
          index,
          someUnavailable.map((item) => item.itemId),
          true,
        );
        const changed = items.map((item) => {
          if (topAvailable.includes(item.itemId)) return { ...item, available: false };
          if (someUnavailable.includes(item)) return { ...item, available: true };
          return item;
        });
        expect(await subject.count(index)).toBe(items.length);
        for (const query of [
          { vector, k: 10 },
          { vector, k: 10, onlyAvailable: false },
          { vector, k: 6, categories: ["books", "games"] },
        ]) {
          expectTopK(await subject.query(index, query), changed, query);
        }
        await subject.setAvailability(index, topAvailable, true);
        const restored = changed.map((item) =>
          topAvailable.includes(item.itemId) ? { ...item, available: true } : item,
        );
        const query: VectorQuery = { vector, k: 10 };
        expectTopK(await subject.query(index, query), restored, query);
        await subject.setAvailability(index, [], false);
      } finally {
        await dropCreated();
      }
    });

    it("refuses wrong dimensions with InvalidInputError and writes nothing of that call", async () => {
      try {
        const { subject } = current();
        const index = await createIndex(4);
        const good = { itemId: "good", vector: new Float32Array(4).fill(1), categories: [], available: true };
        const bad = { itemId: "bad", vector: new Float32Array(3).fill(1), categories: [], available: true };
        await expect(subject.upsert(index, [good, bad])).rejects.toBeInstanceOf(InvalidInputError);
        expect(await subject.count(index)).toBe(0);
        await subject.upsert(index, [good]);
        await expect(subject.query(index, { vector: new Float32Array(5), k: 3 })).rejects.toBeInstanceOf(
          InvalidInputError,
        );
      } finally {
        await dropCreated();
      }
    });

    it("answers NotFoundError for an unknown index or alias", async () => {
      const { subject } = current();
      const vector = new Float32Array(DIMENSIONS);
      await expect(subject.query(uniqueId("missing"), { vector, k: 1 })).rejects.toBeInstanceOf(
        NotFoundError,
      );
      await expect(subject.count(uniqueId("missing"))).rejects.toBeInstanceOf(NotFoundError);
      await expect(subject.upsert(uniqueId("missing"), [])).rejects.toBeInstanceOf(NotFoundError);
      await expect(subject.remove(uniqueId("missing"), ["a"])).rejects.toBeInstanceOf(NotFoundError);
      await expect(subject.setAvailability(uniqueId("missing"), ["a"], false)).rejects.toBeInstanceOf(
        NotFoundError,
      );
      await expect(subject.swapAlias(uniqueId("alias"), uniqueId("missing"))).rejects.toBeInstanceOf(
        NotFoundError,
      );
      expect(await subject.resolveAlias(uniqueId("alias"))).toBeUndefined();
    });

    it("serves queries through an alias and swaps it to a new index", async () => {
      try {
        const { subject } = current();
        const alias = uniqueId("serving");
        const [older, newer] = [await createIndex(2), await createIndex(2)];
        const entry = (itemId: string, x: number) => ({
          itemId,
          vector: Float32Array.from([x, 0]),
          categories: [],
          available: true,
        });
        await subject.upsert(older, [entry("old-item", 1)]);
        await subject.upsert(newer, [entry("new-item", 2)]);
        await subject.swapAlias(alias, older);
        expect(await subject.resolveAlias(alias)).toBe(older);
        const query: VectorQuery = { vector: Float32Array.from([1, 0]), k: 5 };
        expect(await subject.query(alias, query)).toEqual([{ itemId: "old-item", score: 1 }]);
        await subject.swapAlias(alias, newer);
        expect(await subject.resolveAlias(alias)).toBe(newer);
        expect(await subject.query(alias, query)).toEqual([{ itemId: "new-item", score: 2 }]);
        expect(await subject.query(older, query)).toEqual([{ itemId: "old-item", score: 1 }]);
      } finally {
        await dropCreated();
      }
    });

    it("lists indices by prefix and deletes them, with any alias that pointed at them", async () => {
      try {
        const { subject } = current();
        const prefix = uniqueId("nightly");
        const names = [`${prefix}-v1`, `${prefix}-v2`];
        for (const name of names) {
          await subject.createIndex(name, 2);
          created.push(name);
        }
        const other = await createIndex(2);
        expect(await subject.listIndices(prefix)).toEqual(names);
        expect(await subject.listIndices(prefix)).not.toContain(other);
        const alias = uniqueId("serving");
        await subject.swapAlias(alias, names[1] ?? "");
        await subject.deleteIndex(names[1] ?? "");
        expect(await subject.listIndices(prefix)).toEqual([names[0]]);
        expect(await subject.resolveAlias(alias)).toBeUndefined();
        await expect(subject.query(alias, { vector: new Float32Array(2), k: 1 })).rejects.toBeInstanceOf(
          NotFoundError,
        );
      } finally {
        await dropCreated();
      }
    });
  });
}
