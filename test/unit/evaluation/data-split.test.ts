import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../../layers/domain/errors/domain-errors.ts";
import {
  leaveLastOut,
  roundHalfToEven,
  stratifiedSplit,
} from "../../../layers/domain/evaluation/data-split.ts";
import {
  type InteractionTable,
  InteractionTableBuilder,
} from "../../../layers/domain/interactions/interaction-table.ts";

/** User `u<n>` has n interactions, n = 1 … 20, rows interleaved; the timestamp is a unique row id. */
function tableWithUsersOfEverySize(): InteractionTable {
  const builder = new InteractionTableBuilder();
  let id = 0;
  for (let round = 0; round < 20; round++) {
    for (let n = 1; n <= 20; n++) {
      if (round < n) builder.add(`u${n}`, `i${(round * 7 + n) % 31}`, 1, id++);
    }
  }
  return builder.build();
}

function rowIds(table: InteractionTable): number[] {
  return [...table.timestamp];
}

function countsByUser(table: InteractionTable): Map<string, number> {
  const counts = new Map<string, number>();
  for (let row = 0; row < table.length; row++) {
    const user = table.users.idAt(table.userIndex[row] as number);
    counts.set(user, (counts.get(user) ?? 0) + 1);
  }
  return counts;
}

describe("roundHalfToEven", () => {
  it("rounds as Python and NumPy do", () => {
    expect([0.5, 1.5, 2.5, 4.5, 7.5, 0.75, 2.25, 3.49, 3.51, 0].map(roundHalfToEven)).toEqual([
      0, 2, 2, 4, 8, 1, 2, 3, 4, 0,
    ]);
  });
});

describe("stratifiedSplit", () => {
  it("puts round-half-even(ratio × n) of each user's rows in train", () => {
    const table = tableWithUsersOfEverySize();
    const { train, test } = stratifiedSplit(table, { ratio: 0.75, seed: 7 });
    const trainCounts = countsByUser(train);
    const testCounts = countsByUser(test);
    for (let n = 1; n <= 20; n++) {
      const expectedTrain = roundHalfToEven(0.75 * n);
      expect(trainCounts.get(`u${n}`) ?? 0).toBe(expectedTrain);
      expect(testCounts.get(`u${n}`) ?? 0).toBe(n - expectedTrain);
    }
    // Hand-checked few-interaction cases: n = 1 → 1/0, n = 2 → round(1.5) = 2/0, n = 3 → round(2.25) = 2/1,
    // n = 6 → round(4.5) = 4/2, n = 10 → round(7.5) = 8/2.
    expect([1, 2, 3, 6, 10].map((n) => [trainCounts.get(`u${n}`), testCounts.get(`u${n}`) ?? 0])).toEqual([
      [1, 0],
      [2, 0],
      [2, 1],
      [4, 2],
      [8, 2],
    ]);
  });

  it("sends a single interaction to test when ratio × 1 rounds to 0", () => {
    const builder = new InteractionTableBuilder();
    builder.add("solo", "i", 1, 0);
    const { train, test } = stratifiedSplit(builder.build(), { ratio: 0.5, seed: 1 });
    expect([train.length, test.length]).toEqual([0, 1]);
  });

  it("is disjoint and complete, keeps row order and shares the id indices", () => {
    const table = tableWithUsersOfEverySize();
    const { train, test } = stratifiedSplit(table, { ratio: 0.6, seed: 3 });
    const trainIds = rowIds(train);
    const testIds = rowIds(test);
    expect(new Set([...trainIds, ...testIds]).size).toBe(table.length);
    expect(trainIds.length + testIds.length).toBe(table.length);
    expect(trainIds).toEqual([...trainIds].sort((a, b) => a - b));
    expect(train.users).toBe(table.users);
    expect(train.items).toBe(table.items);
    expect(test.users).toBe(table.users);
    expect(test.items).toBe(table.items);
    // Each row keeps its user, item and weight.
    for (const part of [train, test]) {
      for (let row = 0; row < part.length; row++) {
        const original = part.timestamp[row] as number;
        expect(part.userIndex[row]).toBe(table.userIndex[original]);
        expect(part.itemIndex[row]).toBe(table.itemIndex[original]);
      }
    }
  });

  it("is deterministic for a seed and differs between seeds", () => {
    const table = tableWithUsersOfEverySize();
    const first = stratifiedSplit(table, { ratio: 0.75, seed: 11 });
    const again = stratifiedSplit(table, { ratio: 0.75, seed: 11 });
    const other = stratifiedSplit(table, { ratio: 0.75, seed: 12 });
    expect(rowIds(again.test)).toEqual(rowIds(first.test));
    expect(rowIds(other.test)).not.toEqual(rowIds(first.test));
  });

  it("rejects a ratio outside (0, 1) and a bad seed", () => {
    const table = tableWithUsersOfEverySize();
    for (const ratio of [0, 1, -0.5, 1.5, Number.NaN]) {
      expect(() => stratifiedSplit(table, { ratio, seed: 1 })).toThrow(InvalidInputError);
    }
    expect(() => stratifiedSplit(table, { ratio: 0.5, seed: -1 })).toThrow(InvalidInputError);
  });
});

describe("leaveLastOut", () => {
  it("moves each user's latest interaction to test and keeps single-interaction users in train", () => {
    const builder = new InteractionTableBuilder();
    builder.add("a", "i1", 1, 30);
    builder.add("a", "i2", 1, 50); // a's latest
    builder.add("a", "i3", 1, 40);
    builder.add("b", "i1", 1, 10); // b's only row: stays in train
    builder.add("c", "i2", 1, 20);
    builder.add("c", "i3", 1, 20); // c: tie, the later row goes
    builder.add("d", "i1", 1, Number.NaN);
    builder.add("d", "i2", 1, 5); // d: the only timestamped row is the latest
    builder.add("e", "i1", 1, Number.NaN);
    builder.add("e", "i2", 1, Number.NaN); // e: no timestamps, stays in train
    const table = builder.build();
    const { train, test } = leaveLastOut(table);
    const describeRows = (t: InteractionTable) =>
      Array.from({ length: t.length }, (_, row) => {
        const user = t.users.idAt(t.userIndex[row] as number);
        return `${user}:${t.items.idAt(t.itemIndex[row] as number)}`;
      });
    expect(describeRows(test)).toEqual(["a:i2", "c:i3", "d:i2"]);
    expect(describeRows(train)).toEqual(["a:i1", "a:i3", "b:i1", "c:i2", "d:i1", "e:i1", "e:i2"]);
    expect(test.users).toBe(table.users);
    expect(train.items).toBe(table.items);
  });
});
