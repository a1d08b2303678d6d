import type { ArchiveStore } from "../../ports/archive-store.ts";
import { loadInteractionsFromFile, parseInteractions } from "../interactions/interaction-loader.ts";
import type { InteractionTable } from "../interactions/interaction-table.ts";

/**
 * Where the nightly cycle reads everything it trains on. For now one interactions file (CSV, the CLI
 * format) or a table handed in; reading the Parquet archive plus the recent-interactions export is the
 * Spark job's side and joins here later.
 */
export interface InteractionSource {
  load(): Promise<InteractionTable>;
}

export function tableInteractionSource(table: InteractionTable): InteractionSource {
  return { load: async () => table };
}

export function fileInteractionSource(path: string): InteractionSource {
  return { load: async () => (await loadInteractionsFromFile(path, { format: "csv" })).table };
}

/** An interactions CSV kept as an object (S3 in AWS, the same store as the run workspace). */
export function storedCsvInteractionSource(store: ArchiveStore, key: string): InteractionSource {
  return {
    load: async () => parseInteractions(Buffer.from(await store.get(key)).toString("utf8")).table,
  };
}
