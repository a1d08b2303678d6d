import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../../layers/domain/errors/domain-errors.ts";
import { InteractionTableBuilder } from "../../../layers/domain/interactions/interaction-table.ts";
import { PopularityModel } from "../../../layers/domain/popularity/popularity-model.ts";

// Items in order of first appearance: a = 0, b = 1, c = 2, d = 3.
function sampleTable() {
  const builder = new InteractionTableBuilder();
  builder.add("u1", "a", 1, 100);
  builder.add("u2", "a", 2, 90);
  builder.add("u3", "b", 1, 100);
  builder.add("u1", "b", 1, Number.NaN);
  builder.add("u2", "c", 1, 80);
  builder.add("u3", "c", 1, 70);
  builder.add("u4", "c", 1, 60);
  builder.add("u1", "d", 0, 100); // impression: not counted
  builder.add("u2", "d", -1, 100); // dismissal: not counted
  return builder.build();
}

const categories: Record<number, string> = { 0: "x", 1: "y", 2: "x", 3: "x" };

describe("PopularityModel", () => {
  it("counts positive-weight rows per item, each as 1, whatever the timestamp", () => {
    const model = PopularityModel.fromInteractions(sampleTable(), { halfLifeSeconds: 10 });
    expect([...model.counts]).toEqual([2, 2, 3, 0]);
  });

  it("decays by 2^(−age / halfLife) from the latest timestamp; NaN counts as at the reference", () => {
    const model = PopularityModel.fromInteractions(sampleTable(), { halfLifeSeconds: 10 });
    expect(model.referenceTime).toBe(100);
    // a: ages 0 and 10 → 1 + 2⁻¹ = 1.5; b: age 0 and NaN → 1 + 1 = 2;
    // c: ages 20, 30, 40 → 2⁻² + 2⁻³ + 2⁻⁴ = 0.4375; d: nothing counted → 0.
    expect([...model.decayedCounts]).toEqual([1.5, 2, 0.4375, 0]);
  });

  it("measures from an explicit reference time; later rows count as at the reference", () => {
    const later = PopularityModel.fromInteractions(sampleTable(), {
      halfLifeSeconds: 10,
      referenceTime: 110,
    });
    // a: ages 10 and 20 → 0.5 + 0.25 = 0.75.
    expect(later.decayedCounts[0]).toBe(0.75);
    const earlier = PopularityModel.fromInteractions(sampleTable(), {
      halfLifeSeconds: 10,
      referenceTime: 85,
    });
    // a: both rows are after 85 → 1 + 1 = 2; c: ages 5, 15, 25 → 2^−0.5 + 2^−1.5 + 2^−2.5.
    expect(earlier.decayedCounts[0]).toBe(2);
    expect(earlier.decayedCounts[2]).toBeCloseTo(2 ** -0.5 + 2 ** -1.5 + 2 ** -2.5, 12);
  });

  it("recommends by plain counts (ties to the lower index) or by decayed counts, never uncounted items", () => {
    const model = PopularityModel.fromInteractions(sampleTable(), { halfLifeSeconds: 10 });
    const popular = model.recommend(10);
    expect([...popular.items]).toEqual([2, 0, 1]);
    expect([...popular.scores]).toEqual([3, 2, 2]);
    const trending = model.recommend(10, undefined, { decayed: true });
    expect([...trending.items]).toEqual([1, 0, 2]);
    expect([...trending.scores]).toEqual([2, 1.5, 0.4375]);
    expect([...model.recommend(1).items]).toEqual([2]);
  });

  it("honours exclusions", () => {
    const model = PopularityModel.fromInteractions(sampleTable(), { halfLifeSeconds: 10 });
    expect([...model.recommend(2, new Set([2])).items]).toEqual([0, 1]);
    expect([...model.recommend(5, Uint8Array.from([1, 1])).items]).toEqual([2]);
  });

  it("ranks within a category", () => {
    const model = PopularityModel.fromInteractions(sampleTable(), {
      halfLifeSeconds: 10,
      categoryOf: (item) => categories[item],
    });
    expect(model.categories()).toEqual(["x", "y"]);
    expect([...model.recommend(10, undefined, { category: "x" }).items]).toEqual([2, 0]);
    expect([...model.recommend(10, undefined, { category: "y", decayed: true }).items]).toEqual([1]);
    expect(model.recommend(10, undefined, { category: "z" }).items.length).toBe(0);
  });

  it("does not decay when no row has a timestamp", () => {
    const builder = new InteractionTableBuilder();
    builder.add("u1", "a", 1);
    builder.add("u2", "a", 1);
    builder.add("u1", "b", 1);
    const model = PopularityModel.fromInteractions(builder.build());
    expect(model.referenceTime).toBeNaN();
    expect([...model.decayedCounts]).toEqual([2, 1]);
  });

  it("rejects a bad half-life or reference time", () => {
    expect(() => PopularityModel.fromInteractions(sampleTable(), { halfLifeSeconds: 0 })).toThrow(
      InvalidInputError,
    );
    expect(() => PopularityModel.fromInteractions(sampleTable(), { referenceTime: Number.NaN })).toThrow(
      InvalidInputError,
    );
  });
});
