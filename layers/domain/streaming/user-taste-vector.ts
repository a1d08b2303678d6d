import type { BatchRecommendations } from "../../ports/batch-rec-store.ts";
import type { InteractionRecord } from "../../ports/interaction-log.ts";
import type { FoldInModel } from "./active-model.ts";

export interface TasteVectorInputs {
  readonly model: FoldInModel;
  /** The user's recent interactions (the interaction log, newest first). */
  readonly recent: readonly InteractionRecord[];
  /** The nightly entry of the user, if any: its history is what the model was trained on. */
  readonly batch: BatchRecommendations | undefined;
}

export interface TasteVector {
  /** Null when none of the user's items is known to the model (a brand-new user or new items only). */
  readonly vector: Float32Array | null;
  /** Interactions that went into it (history items plus recent interactions on known items). */
  readonly interactions: number;
}

/**
 * The user's taste vector against the active model, recomputed from scratch from everything known about
 * the user: the weights the model was trained on (the nightly entry's history, when it belongs to this
 * model version) plus the interactions since the model's training window ended. It is a pure function of
 * the stored state, never an increment of the previous vector, which is what makes the stream's profile
 * write idempotent: a replayed or re-delivered event changes nothing, because the log holds it once.
 *
 * Without a nightly history for this version (a new user, or before the first nightly run published
 * histories), every recent interaction counts. Items the model does not know are skipped here; they still
 * count for trending and stay in the log for the next training.
 */
export function userTasteVector({ model, recent, batch }: TasteVectorInputs): TasteVector {
  const items: number[] = [];
  const weights: number[] = [];
  const history = batch?.modelVersion === model.version ? batch.history : undefined;
  if (history !== undefined) {
    for (const { itemId, weight } of history) {
      const index = model.itemIndex.get(itemId);
      if (index === undefined) continue;
      items.push(index);
      weights.push(weight);
    }
  }
  const since =
    history !== undefined && model.trainedUntil !== null ? model.trainedUntil : Number.NEGATIVE_INFINITY;
  for (const record of recent) {
    if (record.occurredAt <= since || record.weight === 0) continue;
    const index = model.itemIndex.get(record.itemId);
    if (index === undefined) continue;
    items.push(index);
    weights.push(record.weight);
  }
  if (items.length === 0) return { vector: null, interactions: 0 };
  return { vector: model.solver.foldIn(items, weights), interactions: items.length };
}
