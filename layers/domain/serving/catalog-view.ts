import type { CatalogItem, ItemCatalog } from "../../ports/item-catalog.ts";

const NO_CATEGORIES: readonly string[] = Object.freeze([]);

/**
 * The catalog entries of the items one request looks at, read in one batch, so every filter of the
 * request asks memory, not the catalog. An item the catalog does not know is neither hidden nor
 * unavailable (the model or the counters know it from real interactions) and has no categories.
 */
export class CatalogView {
  private readonly items = new Map<string, CatalogItem>();
  private readonly looked = new Set<string>();

  /** Reads the entries of the ids not looked up yet; a catalog failure propagates. */
  async lookUp(catalog: ItemCatalog, itemIds: Iterable<string>): Promise<void> {
    const missing = [...new Set(itemIds)].filter((itemId) => !this.looked.has(itemId));
    if (missing.length === 0) return;
    for (const item of await catalog.getMany(missing)) this.items.set(item.itemId, item);
    for (const itemId of missing) this.looked.add(itemId);
  }

  knows(itemId: string): boolean {
    return this.items.has(itemId);
  }

  /** Not hidden (deleted) and available (in stock). Hidden items never leave the API, as items or reasons. */
  isServable(itemId: string): boolean {
    const item = this.items.get(itemId);
    return item === undefined || (!item.hidden && item.available);
  }

  categoriesOf(itemId: string): readonly string[] {
    return this.items.get(itemId)?.categories ?? NO_CATEGORIES;
  }

  /**
   * Whether the item is in `category`. The catalog decides for the items it knows; for the others,
   * `trustedUpstream` says whether the source already filtered by category (a k-NN query or a trending
   * query per category did; a nightly list did not).
   */
  isInCategory(itemId: string, category: string, trustedUpstream: boolean): boolean {
    const item = this.items.get(itemId);
    if (item === undefined) return trustedUpstream;
    return item.categories.includes(category);
  }
}

/** What a list of one request must leave out, besides hidden and unavailable items. */
export interface ListFilter {
  /** Seen and explicitly excluded items. */
  readonly excluded: ReadonlySet<string>;
  readonly category?: string;
  /** Whether the list's source already filtered by category (see CatalogView.isInCategory). */
  readonly categoryFilteredUpstream: boolean;
}

/** Whether `itemId` may be served in a list under `filter`. */
export function passesFilter(view: CatalogView, filter: ListFilter, itemId: string): boolean {
  if (filter.excluded.has(itemId) || !view.isServable(itemId)) return false;
  return (
    filter.category === undefined ||
    view.isInCategory(itemId, filter.category, filter.categoryFilteredUpstream)
  );
}
