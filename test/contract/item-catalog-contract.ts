import { describe, expect, it } from "vitest";
import { NotFoundError, PayloadTooLargeError } from "../../layers/domain/errors/domain-errors.ts";
import type { CatalogItem, ItemCatalog } from "../../layers/ports/item-catalog.ts";
import { type ContractSubject, useContractSubject } from "./contract-subject.ts";
import { uniqueId } from "./unique-id.ts";

export type ItemCatalogContractSubject = ContractSubject<ItemCatalog>;

function catalogItem(itemId: string, overrides: Partial<CatalogItem> = {}): CatalogItem {
  return {
    itemId,
    title: "Wanderschuhe ✓",
    categories: ["shoes", "outdoor"],
    available: true,
    hidden: false,
    attributes: { brand: "acme", colour: "grün" },
    updatedAt: 1_700_000_000_000,
    ...overrides,
  };
}

function byId(items: readonly CatalogItem[]): CatalogItem[] {
  return [...items].sort((a, b) => (a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0));
}

export function describeItemCatalogContract(
  adapterName: string,
  makeSubject: () => Promise<ItemCatalogContractSubject>,
): void {
  describe(`ItemCatalog contract: ${adapterName}`, () => {
    const current = useContractSubject(makeSubject);

    it("round-trips items, with and without a title", async () => {
      const { subject } = current();
      const full = catalogItem(uniqueId("item"));
      const { title: _title, ...untitledFields } = catalogItem(uniqueId("item"), {
        categories: [],
        available: false,
        attributes: {},
      });
      const untitled: CatalogItem = untitledFields;
      await subject.upsert([full, untitled]);
      expect(await subject.get(full.itemId)).toEqual(full);
      expect(await subject.get(untitled.itemId)).toEqual(untitled);
      expect(await subject.get(uniqueId("unknown"))).toBeUndefined();
    });

    it("replaces an item on a second upsert; within one call the later entry wins", async () => {
      const { subject } = current();
      const itemId = uniqueId("item");
      await subject.upsert([catalogItem(itemId)]);
      const replaced = catalogItem(itemId, {
        categories: ["sale"],
        available: false,
        updatedAt: 1_700_000_001_000,
      });
      await subject.upsert([replaced]);
      expect(await subject.get(itemId)).toEqual(replaced);
      const last = catalogItem(itemId, { title: "last" });
      await subject.upsert([catalogItem(itemId, { title: "first" }), last]);
      expect(await subject.get(itemId)).toEqual(last);
    });

    it("getMany returns each found item once and leaves unknown ids out, beyond one store batch", async () => {
      const { subject } = current();
      const items = Array.from({ length: 150 }, () => catalogItem(uniqueId("item")));
      await subject.upsert(items);
      const asked = [...items.map((item) => item.itemId), uniqueId("unknown"), items[0]?.itemId ?? ""];
      expect(byId(await subject.getMany(asked))).toEqual(byId(items));
      expect(await subject.getMany([])).toEqual([]);
      expect(await subject.getMany([uniqueId("unknown")])).toEqual([]);
    });

    it("hides an item: kept and readable, marked hidden at the given time", async () => {
      const { subject } = current();
      const item = catalogItem(uniqueId("item"));
      await subject.upsert([item]);
      await subject.hide(item.itemId, 1_700_000_999_000);
      expect(await subject.get(item.itemId)).toEqual({ ...item, hidden: true, updatedAt: 1_700_000_999_000 });
    });

    it("refuses to hide an unknown item with NotFoundError", async () => {
      await expect(current().subject.hide(uniqueId("unknown"), 1)).rejects.toBeInstanceOf(NotFoundError);
    });

    it("refuses an item over the item size limit and writes nothing of that call", async () => {
      const { subject } = current();
      const fine = catalogItem(uniqueId("item"));
      const huge = catalogItem(uniqueId("item"), { attributes: { description: "x".repeat(1024 * 1024) } });
      await expect(subject.upsert([fine, huge])).rejects.toBeInstanceOf(PayloadTooLargeError);
      expect(await subject.get(fine.itemId)).toBeUndefined();
      expect(await subject.get(huge.itemId)).toBeUndefined();
    });

    it("keeps its own copy of categories and attributes", async () => {
      const { subject } = current();
      const categories = ["a", "b"];
      const attributes: Record<string, string> = { brand: "acme" };
      const item = catalogItem(uniqueId("item"), { categories, attributes });
      await subject.upsert([item]);
      categories.push("c");
      attributes.brand = "other";
      const read = await subject.get(item.itemId);
      (read?.categories as string[] | undefined)?.push("d");
      expect(await subject.get(item.itemId)).toEqual({
        ...item,
        categories: ["a", "b"],
        attributes: { brand: "acme" },
      });
    });
  });
}
