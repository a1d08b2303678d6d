import { describe, expect, it } from "vitest";
import { DependencyError } from "../../../layers/domain/errors/domain-errors.ts";
import { popularItems } from "../../../layers/domain/serving/popular-items.ts";
import { createManualClock } from "../../contract/manual-clock.ts";
import { embeddedServing, HOUR } from "../../support/serving-fixture.ts";

describe("popularItems", () => {
  it("ranks by the count in the window, overall or in a category, without deleted or out-of-stock items", async () => {
    const world = embeddedServing(createManualClock());
    await world.trend("item-1", 5);
    await world.trend("item-2", 9);
    await world.trend("item-3", 7);
    await world.trend("item-4", 8);
    await world.trend("item-5", 100, { ago: 30 * HOUR });
    await world.trend("item-6", 6);
    await world.catalog.port.upsert([]);
    await world.putCatalogItem({ itemId: "item-4", available: false });
    await world.putCatalogItem({ itemId: "item-6" });
    await world.catalog.port.hide("item-6", world.clock.now());

    const day = await popularItems(world.deps, { limit: 10, windowMs: 24 * HOUR });
    expect(day).toEqual({
      category: null,
      windowMs: 24 * HOUR,
      items: [
        { itemId: "item-2", score: 9 },
        { itemId: "item-3", score: 7 },
        { itemId: "item-1", score: 5 },
      ],
    });
    const week = await popularItems(world.deps, { limit: 2, windowMs: 7 * 24 * HOUR });
    expect(week.items.map(({ itemId }) => itemId)).toEqual(["item-5", "item-2"]);
    const category = await popularItems(world.deps, { limit: 10, windowMs: 24 * HOUR, category: "cat-1" });
    expect(category.items).toEqual([{ itemId: "item-1", score: 5 }]);
  });

  it("reads further when the filters leave the first read short", async () => {
    const world = embeddedServing(createManualClock());
    for (let i = 0; i < 60; i++) {
      await world.trend(`item-${i}`, 100 - i);
      if (i < 40) await world.putCatalogItem({ itemId: `item-${i}`, hidden: true });
    }
    const response = await popularItems(world.deps, { limit: 5, windowMs: HOUR * 24 });
    expect(response.items.map(({ itemId }) => itemId)).toEqual([
      "item-40",
      "item-41",
      "item-42",
      "item-43",
      "item-44",
    ]);
  });

  it("propagates a failing dependency and refuses a bad window", async () => {
    const world = embeddedServing(createManualClock());
    world.trending.failing.add("top");
    await expect(popularItems(world.deps, { limit: 5, windowMs: HOUR })).rejects.toBeInstanceOf(
      DependencyError,
    );
    await expect(popularItems(world.deps, { limit: 5, windowMs: -1 })).rejects.toMatchObject({
      field: "window",
    });
  });
});
