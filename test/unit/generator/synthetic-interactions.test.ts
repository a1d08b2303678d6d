import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../../layers/domain/errors/domain-errors.ts";
import {
  generateCatalog,
  generateInteractions,
  type SyntheticInteraction,
  type SyntheticInteractionOptions,
} from "../../../layers/domain/generator/synthetic-interactions.ts";

const OPTIONS: SyntheticInteractionOptions = {
  users: 400,
  items: 600,
  interactions: 30_000,
  seed: 7,
  clusters: 8,
};
const START = 1_704_067_200;
const DAY = 86_400;

const rows: SyntheticInteraction[] = [...generateInteractions(OPTIONS)];

function countBy<T>(values: Iterable<T>): Map<T, number> {
  const counts = new Map<T, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

function rowsByUser(list: readonly SyntheticInteraction[]): Map<string, SyntheticInteraction[]> {
  const byUser = new Map<string, SyntheticInteraction[]>();
  for (const row of list) {
    const userRows = byUser.get(row.userId) ?? [];
    userRows.push(row);
    byUser.set(row.userId, userRows);
  }
  return byUser;
}

describe("generateInteractions", () => {
  it("is a pure function of the options: same seed, same rows", () => {
    expect([...generateInteractions(OPTIONS)]).toEqual(rows);
  });

  it("gives different rows for a different seed", () => {
    const other = [...generateInteractions({ ...OPTIONS, seed: 8 })];
    expect(other).toHaveLength(rows.length);
    expect(other).not.toEqual(rows);
  });

  it("produces exactly the requested number of rows", () => {
    expect(rows).toHaveLength(OPTIONS.interactions);
    for (const [users, interactions] of [
      [1, 1],
      [5, 5],
      [3, 1000],
      [97, 1234],
    ] as const) {
      expect([...generateInteractions({ users, items: 10, interactions, seed: 1 })]).toHaveLength(
        interactions,
      );
    }
  });

  it("gives every user at least one interaction, with ids u1..uN and i1..iM", () => {
    const users = new Set(rows.map((r) => r.userId));
    expect(users).toEqual(new Set(Array.from({ length: OPTIONS.users }, (_, u) => `u${u + 1}`)));
    const validItems = new Set(Array.from({ length: OPTIONS.items }, (_, i) => `i${i + 1}`));
    expect(rows.filter((r) => !validItems.has(r.itemId))).toEqual([]);
  });

  it("gives each user exactly one interaction when interactions equal users", () => {
    const one = [...generateInteractions({ users: 50, items: 20, interactions: 50, seed: 3 })];
    expect(new Set(one.map((r) => r.userId)).size).toBe(50);
  });

  it("makes activity heavy-tailed: the busiest users do many times the median", () => {
    const perUser = [...countBy(rows.map((r) => r.userId)).values()].sort((a, b) => a - b);
    const median = perUser[Math.floor(perUser.length / 2)] as number;
    const busiest = perUser[perUser.length - 1] as number;
    expect(busiest).toBeGreaterThan(8 * median);
  });

  it("skews item popularity: the top 10% of items take a large share", () => {
    const perItem = [...countBy(rows.map((r) => r.itemId)).values()].sort((a, b) => b - a);
    const top = perItem.slice(0, Math.ceil(OPTIONS.items / 10)).reduce((sum, c) => sum + c, 0);
    expect(top / rows.length).toBeGreaterThan(0.45);
  });

  it("makes taste clusters visible: users concentrate on one or two categories", () => {
    const catalog = generateCatalog(OPTIONS);
    let shareSum = 0;
    let twoShareSum = 0;
    let counted = 0;
    for (const userRows of rowsByUser(rows).values()) {
      if (userRows.length < 30) continue;
      const perCategory = [...countBy(userRows.map((r) => catalog.get(r.itemId))).values()].sort(
        (a, b) => b - a,
      );
      shareSum += (perCategory[0] as number) / userRows.length;
      twoShareSum += ((perCategory[0] as number) + (perCategory[1] ?? 0)) / userRows.length;
      counted++;
    }
    expect(counted).toBeGreaterThan(50);
    // With 8 categories and no clusters, the top category would hold well under a third.
    expect(shareSum / counted).toBeGreaterThan(0.5);
    expect(twoShareSum / counted).toBeGreaterThan(0.75);
  });

  it("mixes plausible event types: mostly views, a funnel of clicks, carts and purchases, some ratings, rare dismisses", () => {
    const types = countBy(rows.map((r) => r.eventType));
    const share = (type: string) => (types.get(type as never) ?? 0) / rows.length;
    expect(share("view")).toBeGreaterThan(0.5);
    expect(share("view")).toBeGreaterThan(share("click"));
    expect(share("click")).toBeGreaterThan(share("add_to_cart"));
    expect(share("add_to_cart")).toBeGreaterThan(share("purchase"));
    expect(share("purchase")).toBeGreaterThan(0);
    expect(share("rate")).toBeGreaterThan(0.01);
    expect(share("dismiss")).toBeGreaterThan(0);
    expect(share("dismiss")).toBeLessThan(0.05);
    expect(share("impression")).toBe(0);
  });

  it("gives rate events a 1..5 rating and other events no value", () => {
    const wrong = rows.filter((r) =>
      r.eventType === "rate"
        ? !Number.isInteger(r.value) || (r.value as number) < 1 || (r.value as number) > 5
        : r.value !== undefined,
    );
    expect(wrong).toEqual([]);
    const ratings = countBy(rows.filter((r) => r.eventType === "rate").map((r) => r.value));
    expect(ratings.size).toBe(5);
  });

  it("places events in the period, whole seconds, with a daily rhythm", () => {
    const days = 90;
    // Funnel steps may run a little past the last day.
    const outside = rows.filter(
      (r) =>
        !Number.isInteger(r.timestamp) || r.timestamp < START || r.timestamp >= START + days * DAY + 3 * 3600,
    );
    expect(outside).toEqual([]);
    const hours = countBy(rows.map((r) => Math.floor(((r.timestamp - START) % DAY) / 3600)));
    const evening = (hours.get(19) ?? 0) + (hours.get(20) ?? 0);
    const night = (hours.get(3) ?? 0) + (hours.get(4) ?? 0);
    expect(evening).toBeGreaterThan(4 * night);
  });

  it("orders each user's events in time, nearly always", () => {
    let pairs = 0;
    let ordered = 0;
    for (const userRows of rowsByUser(rows).values()) {
      for (let i = 1; i < userRows.length; i++) {
        pairs++;
        if (
          (userRows[i] as SyntheticInteraction).timestamp >=
          (userRows[i - 1] as SyntheticInteraction).timestamp
        ) {
          ordered++;
        }
      }
    }
    expect(ordered / pairs).toBeGreaterThan(0.95);
  });

  it("honours startTime and days", () => {
    const start = 1_600_000_000;
    const few = [...generateInteractions({ ...OPTIONS, interactions: 2_000, startTime: start, days: 2 })];
    expect(few.filter((r) => r.timestamp < start || r.timestamp >= start + 2 * DAY + 3 * 3600)).toEqual([]);
  });

  it("validates its options when called, naming the field", () => {
    const fieldOf = (options: SyntheticInteractionOptions): string | undefined => {
      try {
        generateInteractions(options);
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidInputError);
        return (error as InvalidInputError).field;
      }
      return "no error";
    };
    expect(fieldOf({ ...OPTIONS, interactions: OPTIONS.users - 1 })).toBe("interactions");
    expect(fieldOf({ ...OPTIONS, users: 0 })).toBe("users");
    expect(fieldOf({ ...OPTIONS, items: 2.5 })).toBe("items");
    expect(fieldOf({ ...OPTIONS, clusters: OPTIONS.items + 1 })).toBe("clusters");
    expect(fieldOf({ ...OPTIONS, seed: Number.NaN })).toBe("seed");
    expect(fieldOf({ ...OPTIONS, days: 0 })).toBe("days");
    expect(fieldOf({ ...OPTIONS, startTime: Number.POSITIVE_INFINITY })).toBe("startTime");
  });
});

describe("generateCatalog", () => {
  it("assigns every item one of the cluster categories, deterministically", () => {
    const catalog = generateCatalog({ items: 600, clusters: 8, seed: 7 });
    expect(catalog.size).toBe(600);
    expect([...catalog.keys()].slice(0, 3)).toEqual(["i1", "i2", "i3"]);
    expect(new Set(catalog.values()).size).toBe(8);
    expect(generateCatalog({ items: 600, clusters: 8, seed: 7 })).toEqual(catalog);
    expect(generateCatalog({ items: 600, clusters: 8, seed: 9 })).not.toEqual(catalog);
  });

  it("names categories beyond the built-in list uniquely", () => {
    const catalog = generateCatalog({ items: 200, clusters: 60, seed: 1 });
    expect(new Set(catalog.values()).size).toBe(60);
  });

  it("uses twenty categories by default, fewer for tiny catalogs", () => {
    expect(new Set(generateCatalog({ items: 1000, seed: 1 }).values()).size).toBe(20);
    expect(new Set(generateCatalog({ items: 3, seed: 1 }).values()).size).toBe(3);
  });
});
