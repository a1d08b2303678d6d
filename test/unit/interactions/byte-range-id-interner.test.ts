import { describe, expect, it } from "vitest";
import { ByteRangeIdInterner } from "../../../layers/domain/interactions/byte-range-id-interner.ts";
import { IdIndex } from "../../../layers/domain/interactions/id-index.ts";

describe("ByteRangeIdInterner", () => {
  it("interns byte ranges into the id index, reusing known ids", () => {
    const index = new IdIndex();
    const interner = new ByteRangeIdInterner(index);
    const bytes = Buffer.from("a,bb,a,ccc,bb,é", "utf8");
    const ranges: Array<[number, number]> = [
      [0, 1],
      [2, 4],
      [5, 6],
      [7, 10],
      [11, 13],
      [14, 16],
    ];
    expect(ranges.map(([s, e]) => interner.intern(bytes, s, e))).toEqual([0, 1, 0, 2, 1, 3]);
    expect(index.ids()).toEqual(["a", "bb", "ccc", "é"]);
  });

  it("continues an index that already holds ids", () => {
    const index = IdIndex.fromIds(["x", "y"]);
    const interner = new ByteRangeIdInterner(index);
    const bytes = Buffer.from("yzx");
    expect(interner.intern(bytes, 0, 1)).toBe(1);
    expect(interner.intern(bytes, 1, 2)).toBe(2);
    expect(interner.intern(bytes, 2, 3)).toBe(0);
    expect(index.ids()).toEqual(["x", "y", "z"]);
  });

  it("tells apart ids of equal length through many rehashes", () => {
    const index = new IdIndex();
    const interner = new ByteRangeIdInterner(index);
    const ids = Array.from({ length: 20_000 }, (_, i) => i.toString(36).padStart(4, "0"));
    const bytes = Buffer.from(ids.join(""), "latin1");
    const expected = ids.map((_, i) => i);
    for (let round = 0; round < 2; round++) {
      expect(ids.map((_, i) => interner.intern(bytes, i * 4, i * 4 + 4))).toEqual(expected);
    }
    expect(index.size).toBe(ids.length);
  });
});
