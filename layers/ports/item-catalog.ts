/** Catalog metadata of one item. */
export interface CatalogItem {
  readonly itemId: string;
  readonly title?: string;
  readonly categories: readonly string[];
  /** False when the item cannot be sold or shown right now (out of stock); filtered from every list. */
  readonly available: boolean;
  /** True once deleted (DELETE /v1/items/{id}): hidden from every response at once. */
  readonly hidden: boolean;
  readonly attributes: Readonly<Record<string, string>>;
  readonly updatedAt: number;
}

export interface ItemCatalog {
  /** Inserts or replaces items (POST /v1/items takes up to 1,000). */
  upsert(items: readonly CatalogItem[]): Promise<void>;
  get(itemId: string): Promise<CatalogItem | undefined>;
  /** The items found, in any order; unknown ids are left out. */
  getMany(itemIds: readonly string[]): Promise<CatalogItem[]>;
  /** Marks the item hidden (kept for history and counters, never served). */
  hide(itemId: string, at: number): Promise<void>;
}
