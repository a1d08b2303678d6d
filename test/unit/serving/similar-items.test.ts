import { describe, expect, it } from "vitest";
import { DependencyError, NotFoundError } from "../../../layers/domain/errors/domain-errors.ts";
import { similarItems } from "../../../layers/domain/serving/similar-items.ts";
import { createManualClock } from "../../contract/manual-clock.ts";
import { dot, type EmbeddedServing, embeddedServing, HOUR, vectorOf } from "../../support/serving-fixture.ts";
import { foldInModelOf, smallFactorModel } from "../../support/streaming-fixture.ts";

const model = foldInModelOf(smallFactorModel({ items: 40, factors: 6, seed: 5, version: "m-1" }));

async function servingWorld(): Promise<EmbeddedServing> {
  const world = embeddedServing(createManualClock());
  await world.activate(model);
  await world.catalogModelItems(model);
  return world;
}

function cosine(a: string, b: string): number {
  const x = vectorOf(model, a);
  const y = vectorOf(model, b);
  return dot(x, y) / Math.sqrt(dot(x, x) * dot(y, y));
}

/** The other items by cosine to `itemId`, best first. */
function byCosine(itemId: string): string[] {
  return model.itemIds
    .filter((other) => other !== itemId)
    .sort((a, b) => cosine(itemId, b) - cosine(itemId, a));
}

describe("similarItems", () => {
  it("returns the nearest items by cosine over the active model, never the item itself", async () => {
    const world = await servingWorld();
    const response = await similarItems(world.deps, { itemId: "item-4", limit: 5 });
    expect(response).toMatchObject({ itemId: "item-4", source: "model", modelVersion: "m-1" });
    expect(response.items.map(({ itemId }) => itemId)).toEqual(byCosine("item-4").slice(0, 5));
    expect(response.items[0]?.score).toBeCloseTo(cosine("item-4", response.items[0]?.itemId ?? ""), 5);
  });

  it("leaves out deleted and out-of-stock items", async () => {
    const world = await servingWorld();
    const nearest = byCosine("item-4");
    // Hide more than the first read's margin would cover in a tiny model: every other neighbour.
    for (const [rank, itemId] of nearest.entries()) {
      if (rank % 2 === 0) await world.catalog.port.hide(itemId, world.clock.now());
    }
    await world.putCatalogItem({ itemId: nearest[1] ?? "", available: false });
    const response = await similarItems(world.deps, { itemId: "item-4", limit: 10 });
    expect(response.items.map(({ itemId }) => itemId)).toEqual(
      nearest.filter((_, rank) => rank % 2 === 1 && rank !== 1).slice(0, 10),
    );
  });

  it("reads further neighbours when the filters leave the first read short", async () => {
    const large = foldInModelOf(smallFactorModel({ items: 200, factors: 6, seed: 9, version: "m-large" }));
    const world = embeddedServing(createManualClock());
    await world.activate(large);
    await world.catalogModelItems(large);
    const nearest = (await similarItems(world.deps, { itemId: "item-0", limit: 100 })).items.map(
      ({ itemId }) => itemId,
    );
    for (const itemId of nearest.slice(0, 60)) await world.catalog.port.hide(itemId, world.clock.now());
    const response = await similarItems(world.deps, { itemId: "item-0", limit: 5 });
    expect(response.items.map(({ itemId }) => itemId)).toEqual(nearest.slice(60, 65));
  });

  it("answers for an out-of-stock item, but not for a deleted one", async () => {
    const world = await servingWorld();
    await world.putCatalogItem({ itemId: "item-4", available: false });
    expect((await similarItems(world.deps, { itemId: "item-4", limit: 3 })).items).toHaveLength(3);
    await world.catalog.port.hide("item-4", world.clock.now());
    await expect(similarItems(world.deps, { itemId: "item-4", limit: 3 })).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it("falls back to what is trending in the categories of an item the model does not know", async () => {
    const world = await servingWorld();
    await world.putCatalogItem({ itemId: "brand-new", categories: ["cat-1", "cat-2"] });
    await world.trend("brand-new", 50, { categories: ["cat-1"] });
    await world.trend("item-1", 9);
    await world.trend("item-2", 7);
    await world.trend("item-5", 12);
    await world.trend("item-0", 30); // cat-0
    await world.trend("item-4", 3, { ago: 2 * 24 * HOUR });
    await world.catalog.port.hide("item-5", world.clock.now());
    const response = await similarItems(world.deps, { itemId: "brand-new", limit: 5 });
    expect(response).toEqual({
      itemId: "brand-new",
      source: "popular",
      modelVersion: null,
      items: [
        { itemId: "item-1", score: 9 },
        { itemId: "item-2", score: 7 },
        { itemId: "item-4", score: 3 },
      ],
    });
  });

  it("is NotFound for an item neither the catalog nor the model knows", async () => {
    const world = await servingWorld();
    await expect(similarItems(world.deps, { itemId: "nowhere", limit: 3 })).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it("cannot tell an unknown item from a missing one while the model is down: a DependencyError", async () => {
    const world = await servingWorld();
    world.modelFails = true;
    await expect(similarItems(world.deps, { itemId: "nowhere", limit: 3 })).rejects.toBeInstanceOf(
      DependencyError,
    );
    await world.trend("item-2", 4);
    const fallback = await similarItems(world.deps, { itemId: "item-5", limit: 3 });
    expect(fallback).toMatchObject({ source: "popular", items: [{ itemId: "item-2", score: 4 }] });
  });
});
