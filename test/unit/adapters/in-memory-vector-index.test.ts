import { describe, expect, it } from "vitest";
import { InMemoryVectorIndex } from "../../../layers/adapters/embedded/in-memory-vector-index.ts";
import { SeededRandom } from "../../../layers/domain/random/seeded-random.ts";
import type { IndexedVector, VectorHit, VectorQuery } from "../../../layers/ports/vector-index.ts";

const DIMENSIONS = 64;
const ITEMS = 20_000;
const CATEGORIES = ["books", "music", "film", "games", "toys", "rare"];

function randomVector(random: SeededRandom): Float32Array {
  return Float32Array.from({ length: DIMENSIONS }, () => random.nextGaussian());
}

function randomItem(random: SeededRandom, itemId: string): IndexedVector {
  // "rare" is about 1 % of the items, so a filtered query has to reach deep into the ranking.
  const first = random.next() < 0.01 ? "rare" : (CATEGORIES[random.nextInt(5)] as string);
  const second = CATEGORIES[random.nextInt(5)] as string;
  return {
    itemId,
    vector: randomVector(random),
    categories: random.next() < 0.3 ? [first, second] : [first],
    available: random.next() < 0.9,
  };
}

/** The reference: float64 inner products of every item that passes the filters, sorted, the first k. */
function bruteForce(items: ReadonlyMap<string, IndexedVector>, query: VectorQuery): VectorHit[] {
  const excluded = new Set(query.excludeItemIds ?? []);
  const wanted = query.categories?.length ? new Set(query.categories) : undefined;
  const hits: VectorHit[] = [];
  for (const item of items.values()) {
    if ((query.onlyAvailable ?? true) && !item.available) continue;
    if (excluded.has(item.itemId)) continue;
    if (wanted !== undefined && !item.categories.some((category) => wanted.has(category))) continue;
    let score = 0;
    for (let d = 0; d < DIMENSIONS; d++) score += (item.vector[d] as number) * (query.vector[d] as number);
    hits.push({ itemId: item.itemId, score });
  }
  return hits.sort((a, b) => b.score - a.score).slice(0, query.k);
}

/** Same items in the same order (random data has no ties to blur it), scores to float32 accuracy. */
function expectSameTopK(hits: readonly VectorHit[], expected: readonly VectorHit[]): void {
  expect(hits.map((hit) => hit.itemId)).toEqual(expected.map((hit) => hit.itemId));
  hits.forEach((hit, rank) => {
    const reference = expected[rank]?.score ?? Number.NaN;
    expect(Math.abs(hit.score - reference), `score at rank ${rank}`).toBeLessThanOrEqual(
      1e-5 * Math.max(1, Math.abs(reference)),
    );
  });
}

describe("InMemoryVectorIndex against a brute-force scan", () => {
  it("finds the same top-k over 20,000 × 64 vectors after upserts, replacements, removals and stock changes", async () => {
    const random = new SeededRandom(2024);
    const index = new InMemoryVectorIndex();
    await index.createIndex("items-v1", DIMENSIONS);
    const items = new Map<string, IndexedVector>();
    for (let i = 0; i < ITEMS; i++) items.set(`item-${i}`, randomItem(random, `item-${i}`));
    const all = [...items.values()];
    for (let start = 0; start < all.length; start += 3_000)
      await index.upsert("items-v1", all.slice(start, start + 3_000));

    // Replace 500 vectors in place, remove 700 rows (each removal moves the last row into the hole),
    // bring 100 of those back, and change the stock of 1,000 items.
    const replaced = Array.from({ length: 500 }, (_, i) => randomItem(random, `item-${i * 37}`));
    await index.upsert("items-v1", replaced);
    for (const item of replaced) items.set(item.itemId, item);
    const removed = Array.from({ length: 700 }, (_, i) => `item-${(i * 113 + 5) % ITEMS}`);
    await index.remove("items-v1", removed);
    for (const itemId of removed) items.delete(itemId);
    const returned = removed.slice(0, 100).map((itemId) => randomItem(random, itemId));
    await index.upsert("items-v1", returned);
    for (const item of returned) items.set(item.itemId, item);
    const restocked = [...items.keys()].filter((_, i) => i % 20 === 0);
    await index.setAvailability("items-v1", restocked, false);
    for (const itemId of restocked) {
      const item = items.get(itemId);
      if (item !== undefined) items.set(itemId, { ...item, available: false });
    }
    expect(await index.count("items-v1")).toBe(items.size);

    await index.swapAlias("items", "items-v1");
    for (let q = 0; q < 8; q++) {
      const vector = randomVector(random);
      const best = bruteForce(items, { vector, k: 30, onlyAvailable: false }).map((hit) => hit.itemId);
      const queries: VectorQuery[] = [
        { vector, k: 50 },
        { vector, k: 50, onlyAvailable: false },
        { vector, k: 50, categories: ["music"] },
        { vector, k: 50, categories: ["rare", "toys"], onlyAvailable: false },
        { vector, k: 50, categories: ["rare"] },
        { vector, k: 50, excludeItemIds: [...best, "not-an-item", ...removed.slice(200, 210)] },
        { vector, k: 25, categories: ["books", "film"], excludeItemIds: best.slice(0, 10) },
        { vector, k: 1 },
      ];
      for (const query of queries)
        expectSameTopK(await index.query("items", query), bruteForce(items, query));
    }
  });

  it("gives items with equal vectors exactly equal scores", async () => {
    const index = new InMemoryVectorIndex();
    await index.createIndex("ties", 5);
    const vector = Float32Array.from([0.1, -0.7, 0.3, 1.9, 0.25]);
    await index.upsert(
      "ties",
      ["a", "b", "c", "d"].map((itemId) => ({ itemId, vector, categories: [], available: true })),
    );
    await index.remove("ties", ["a"]);
    const hits = await index.query("ties", { vector: Float32Array.from([1, 2, 3, 4, 5]), k: 2 });
    expect(hits).toHaveLength(2);
    expect(new Set(hits.map((hit) => hit.itemId)).size).toBe(2);
    expect(hits[0]?.score).toBe(hits[1]?.score);
    expect(hits[0]?.score).toBeCloseTo(0.1 - 1.4 + 0.9 + 7.6 + 1.25, 5);
  });
});
