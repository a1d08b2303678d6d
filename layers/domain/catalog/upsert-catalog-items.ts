import type { CatalogItem } from "../../ports/item-catalog.ts";
import type { VectorIndex } from "../../ports/vector-index.ts";
import type { CatalogItemInput } from "./catalog-item-schema.ts";
import type { CatalogWriteDependencies } from "./catalog-write-dependencies.ts";
import { ITEM_VECTORS_ALIAS } from "./item-vectors-alias.ts";

/**
 * PUT /v1/items/{id} and POST /v1/items: replaces the items in the catalog, then marks them available or
 * not in the served vector index, so a stock change reaches k-NN at once instead of at the next nightly
 * load. A write makes an item visible again if it had been hidden (the client's catalog says it exists);
 * its vector returns with the next nightly load.
 *
 * The catalog is written first: serving filters by it, so the new state shows in responses even if the
 * index call then fails. That failure is thrown (a DependencyError, 503), and the client's retry, which
 * is idempotent, brings the index in line. Categories in the index are not rewritten here (that needs the
 * vector); they follow at the next nightly load.
 */
export async function upsertCatalogItems(
  deps: CatalogWriteDependencies,
  items: readonly CatalogItemInput[],
): Promise<CatalogItem[]> {
  const updatedAt = deps.clock();
  const stored = items.map((item): CatalogItem => ({ ...item, hidden: false, updatedAt }));
  await deps.catalog.upsert(stored);
  await markAvailability(deps.vectors, stored);
  return stored;
}

async function markAvailability(vectors: VectorIndex, items: readonly CatalogItem[]): Promise<void> {
  // No alias yet (no model trained): nothing serves vectors, so there is nothing to update.
  const index = await vectors.resolveAlias(ITEM_VECTORS_ALIAS);
  if (index === undefined) return;
  for (const available of [true, false]) {
    const itemIds = items.filter((item) => item.available === available).map((item) => item.itemId);
    // Unknown ids are ignored by the index: an item the model has not seen yet has no vector to mark.
    if (itemIds.length > 0) await vectors.setAvailability(index, itemIds, available);
  }
}
