import type { Clock } from "../../ports/clock.ts";
import type { ItemCatalog } from "../../ports/item-catalog.ts";

export interface ItemCategoriesOptions {
  readonly catalog: ItemCatalog;
  readonly clock: Clock;
  /** How long a looked-up item's categories are reused. @default 60 s */
  readonly ttlMs?: number;
  /** Entries kept; the oldest go first. @default 100,000 */
  readonly maxEntries?: number;
}

/**
 * Item categories for the trending counters, with a short in-memory cache in front of the catalog: a
 * batch of a hundred events needs one BatchGet at most, and popular items none. An item the catalog does
 * not know (yet) has no categories: it still counts in the overall trending list at once.
 */
export class ItemCategories {
  private readonly catalog: ItemCatalog;
  private readonly clock: Clock;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly entries = new Map<string, { categories: readonly string[]; at: number }>();

  constructor(options: ItemCategoriesOptions) {
    this.catalog = options.catalog;
    this.clock = options.clock;
    this.ttlMs = options.ttlMs ?? 60_000;
    this.maxEntries = options.maxEntries ?? 100_000;
  }

  async of(itemIds: Iterable<string>): Promise<Map<string, readonly string[]>> {
    const now = this.clock();
    const out = new Map<string, readonly string[]>();
    const missing: string[] = [];
    for (const itemId of new Set(itemIds)) {
      const entry = this.entries.get(itemId);
      if (entry !== undefined && now - entry.at < this.ttlMs) out.set(itemId, entry.categories);
      else missing.push(itemId);
    }
    if (missing.length === 0) return out;
    const found = new Map(
      (await this.catalog.getMany(missing)).map((item) => [item.itemId, item.categories]),
    );
    for (const itemId of missing) {
      const categories = found.get(itemId) ?? [];
      out.set(itemId, categories);
      this.entries.delete(itemId);
      this.entries.set(itemId, { categories, at: now });
    }
    // Maps iterate in insertion order: the first keys are the least recently refreshed.
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(key);
    }
    return out;
  }
}
