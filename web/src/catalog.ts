import { useEffect, useState } from "react";
import type { CatalogEntry, FlywheelClient } from "./api.ts";

const known = new Map<string, CatalogEntry>();

/**
 * Titles and categories of the items on screen. The public API has no catalog read route (catalog writes
 * come from the client's backend, which has the catalog), so the local runtime serves them from its
 * catalog table; a deployed build shows item ids.
 */
export function useCatalog(
  client: FlywheelClient,
  itemIds: readonly string[],
): ReadonlyMap<string, CatalogEntry> {
  const [, setVersion] = useState(0);
  const key = itemIds.join(",");
  useEffect(() => {
    const missing = key.split(",").filter((id) => id !== "" && !known.has(id));
    if (missing.length === 0) return;
    let cancelled = false;
    client
      .catalog(missing)
      .then((entries) => {
        for (const entry of entries) known.set(entry.itemId, entry);
        if (!cancelled) setVersion((version) => version + 1);
      })
      .catch(() => {});
    return () => {
      cancelled = true;
    };
  }, [client, key]);
  return known;
}

export function titleOf(catalog: ReadonlyMap<string, CatalogEntry>, itemId: string): string {
  return catalog.get(itemId)?.title ?? itemId;
}
