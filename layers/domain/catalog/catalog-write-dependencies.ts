import type { Clock } from "../../ports/clock.ts";
import type { ItemCatalog } from "../../ports/item-catalog.ts";
import type { VectorIndex } from "../../ports/vector-index.ts";

/** What catalog writes touch: the catalog (the source of truth) and the item vectors serving queries. */
export interface CatalogWriteDependencies {
  readonly catalog: ItemCatalog;
  readonly vectors: VectorIndex;
  readonly clock: Clock;
}
