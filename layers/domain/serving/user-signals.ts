import type { BatchRecommendations } from "../../ports/batch-rec-store.ts";
import type { InteractionRecord } from "../../ports/interaction-log.ts";
import type { ServingModel } from "./serving-dependencies.ts";

/** What the cascade knows about what the user already did. */
export interface UserSignals {
  /** The interaction log, newest first (48 h). */
  readonly recent: readonly InteractionRecord[];
  /** The nightly entry: its list (the batch tier) and its history (what training saw). */
  readonly batch: BatchRecommendations | undefined;
}

/**
 * Items the user already had: every recent interaction (a dismissal too: it is not wanted again) and every
 * history item of the nightly entry, whatever model version wrote it.
 */
export function seenItemIds(signals: UserSignals): Set<string> {
  const seen = new Set<string>();
  for (const record of signals.recent) seen.add(record.itemId);
  for (const { itemId } of signals.batch?.history ?? []) seen.add(itemId);
  return seen;
}

/**
 * The items a recommendation may be explained by, best evidence first: recent positive interactions
 * (newest first), then the nightly history (strongest first); only items the model has a vector for, each
 * once, at most `size`. Dismissals and zero-weight events never explain anything.
 */
export function reasonPool(signals: UserSignals, model: ServingModel, size: number): string[] {
  const pool: string[] = [];
  const taken = new Set<string>();
  const offer = (itemId: string, weight: number): void => {
    if (pool.length >= size || weight <= 0 || taken.has(itemId) || !model.itemIndex.has(itemId)) return;
    taken.add(itemId);
    pool.push(itemId);
  };
  for (const record of signals.recent) offer(record.itemId, record.weight);
  for (const { itemId, weight } of signals.batch?.history ?? []) offer(itemId, weight);
  return pool;
}
