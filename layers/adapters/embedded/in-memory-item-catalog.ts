import { NotFoundError } from "../../domain/errors/domain-errors.ts";
import type { CatalogItem, ItemCatalog } from "../../ports/item-catalog.ts";
import { requireNonEmptyText } from "./argument-checks.ts";
import { DYNAMODB_ITEM_LIMIT_BYTES, estimateStoredBytes, requireWithinItemLimit } from "./item-size-limit.ts";

export interface InMemoryItemCatalogOptions {
  /** @default 400 KiB, DynamoDB's item limit */
  readonly maxItemBytes?: number;
}

/** Catalog items in a Map. Lost on restart; the single-machine default. */
export class InMemoryItemCatalog implements ItemCatalog {
  private readonly items = new Map<string, CatalogItem>();
  private readonly maxItemBytes: number;

  constructor(options: InMemoryItemCatalogOptions = {}) {
    this.maxItemBytes = options.maxItemBytes ?? DYNAMODB_ITEM_LIMIT_BYTES;
  }

  async upsert(items: readonly CatalogItem[]): Promise<void> {
    // Every item is checked before any is written: a rejected call leaves the catalog as it was.
    items.forEach((item, index) => {
      const itemId = requireNonEmptyText(item.itemId, `items[${index}].itemId`);
      requireWithinItemLimit("item", itemId, estimateStoredBytes(item), this.maxItemBytes);
    });
    for (const item of items) this.items.set(item.itemId, copyItem(item));
  }

  async get(itemId: string): Promise<CatalogItem | undefined> {
    const item = this.items.get(itemId);
    return item === undefined ? undefined : copyItem(item);
  }

  async getMany(itemIds: readonly string[]): Promise<CatalogItem[]> {
    const found: CatalogItem[] = [];
    for (const itemId of new Set(itemIds)) {
      const item = this.items.get(itemId);
      if (item !== undefined) found.push(copyItem(item));
    }
    return found;
  }

  async hide(itemId: string, at: number): Promise<void> {
    const item = this.items.get(itemId);
    if (item === undefined) throw new NotFoundError(`item ${JSON.stringify(itemId)} is not in the catalog`);
    this.items.set(itemId, { ...item, hidden: true, updatedAt: at });
  }
}

function copyItem(item: CatalogItem): CatalogItem {
  return {
    itemId: item.itemId,
    ...(item.title === undefined ? {} : { title: item.title }),
    categories: [...item.categories],
    available: item.available,
    hidden: item.hidden,
    attributes: { ...item.attributes },
    updatedAt: item.updatedAt,
  };
}
