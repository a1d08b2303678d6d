import { NotFoundError } from "../errors/domain-errors.ts";
import type { CatalogWriteDependencies } from "./catalog-write-dependencies.ts";
import { ITEM_VECTORS_ALIAS } from "./item-vectors-alias.ts";

/**
 * DELETE /v1/items/{id}: the item leaves every response at once and stays in the catalog, hidden, for
 * history and counters. Idempotent, so a retry after a failure completes the job.
 *
 * 1. The catalog marks it hidden. Every tier (cache, vectors, batch, popular) filters by that flag, so this
 *    step alone takes it out of responses. An item the catalog never had (the model learnt it from
 *    interactions alone) gets a hidden record all the same, so the filter catches it too.
 * 2. It is removed from the index behind the served alias, so k-NN no longer spends a candidate on it.
 *    A failure here is thrown (503); the retry repeats both steps harmlessly.
 */
export async function hideCatalogItem(deps: CatalogWriteDependencies, itemId: string): Promise<void> {
  const at = deps.clock();
  try {
    await deps.catalog.hide(itemId, at);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    await deps.catalog.upsert([
      { itemId, categories: [], available: false, hidden: true, attributes: {}, updatedAt: at },
    ]);
  }
  const index = await deps.vectors.resolveAlias(ITEM_VECTORS_ALIAS);
  if (index !== undefined) await deps.vectors.remove(index, [itemId]);
}
