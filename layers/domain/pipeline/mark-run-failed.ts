import { ITEM_VECTORS_ALIAS } from "../catalog/item-vectors-alias.ts";
import type { PipelineDependencies } from "./pipeline-dependencies.ts";
import { itemIndexName } from "./refresh-vectors.ts";
import { failureKey, requireRunId } from "./run-workspace.ts";

export interface RunFailure {
  readonly error: string;
  readonly cause: string;
}

export interface FailedRun {
  readonly runId: string;
  /** The model that stays active (null when none is). */
  readonly activeVersion: string | null;
  /** True when the alias had moved away from the active model's index and was pointed back. */
  readonly aliasRestored: boolean;
}

/**
 * Records why the run failed (pipeline-runs/<runId>/failure.json) and makes sure serving is as it was:
 * the registry's active model is left alone, and the alias points at that model's index. A candidate stays
 * a candidate and its half-built index stays for a resumed run; the indices are pruned on the next success.
 */
export async function markRunFailed(
  deps: PipelineDependencies,
  input: { readonly runId: string; readonly failure: RunFailure },
): Promise<FailedRun> {
  const runId = requireRunId(input.runId);
  await deps.workspace.put(
    failureKey(runId),
    new TextEncoder().encode(JSON.stringify({ runId, ...input.failure, failedAt: deps.clock() })),
  );
  const active = await deps.registry.active();
  if (active === undefined) return { runId, activeVersion: null, aliasRestored: false };
  const activeIndex = itemIndexName(active.version);
  const current = await deps.vectorIndex.resolveAlias(ITEM_VECTORS_ALIAS);
  const activeIndexExists = (await deps.vectorIndex.listIndices(activeIndex)).includes(activeIndex);
  const restore = current !== activeIndex && activeIndexExists;
  if (restore) await deps.vectorIndex.swapAlias(ITEM_VECTORS_ALIAS, activeIndex);
  return { runId, activeVersion: active.version, aliasRestored: restore };
}
