import type { IndexedVector } from "../../ports/vector-index.ts";
import { ITEM_VECTORS_ALIAS } from "../catalog/item-vectors-alias.ts";
import { DependencyError, DomainError } from "../errors/domain-errors.ts";
import { decodeModel } from "../model/model-artifact.ts";
import type { PipelineDependencies } from "./pipeline-dependencies.ts";
import { requireRunId } from "./run-workspace.ts";

export const itemIndexName = (version: string): string => `${ITEM_VECTORS_ALIAS}-${version}`;

export interface VectorRefresh {
  readonly index: string;
  readonly items: number;
  /** Chunks skipped because an earlier attempt had loaded them already. */
  readonly chunksSkipped: number;
  readonly chunksLoaded: number;
}

/**
 * Builds `items-<version>` beside the serving index: creates it, bulk-loads the candidate's item vectors in
 * chunks (each retried with backoff), then checks the count. The alias is not touched here: it moves when
 * the model is activated (promoteItemIndex), so serving never pairs user vectors of one model with item
 * vectors of another. Resumable: chunks go in a fixed order and an upsert is complete once it resolves, so
 * the index's count says how many whole chunks an interrupted attempt already loaded.
 */
export async function refreshItemVectors(
  deps: PipelineDependencies,
  input: { readonly runId: string; readonly version: string },
): Promise<VectorRefresh> {
  requireRunId(input.runId);
  const version = requireRunId(input.version);
  const { vectorIndex, settings } = deps;
  const model = decodeModel(await deps.models.getFiles(version));
  const index = itemIndexName(version);
  const existing = await vectorIndex.listIndices(index);
  if (!existing.includes(index)) await vectorIndex.createIndex(index, model.factors);
  const chunkSize = settings.vectorChunkSize;
  const chunks = Math.ceil(model.itemIds.length / chunkSize);
  const alreadyLoaded = Math.min(chunks, Math.floor((await vectorIndex.count(index)) / chunkSize));
  for (let chunk = alreadyLoaded; chunk < chunks; chunk++) {
    const ids = model.itemIds.slice(chunk * chunkSize, (chunk + 1) * chunkSize);
    const vectors = await indexedVectorsOf(deps, ids, chunk * chunkSize, model.itemFactors, model.factors);
    await withRetries(settings.vectorChunkAttempts, () => vectorIndex.upsert(index, vectors));
  }
  const count = await vectorIndex.count(index);
  if (count !== model.itemIds.length) {
    throw new DependencyError(
      "vector index",
      `${index} holds ${count} vectors after the load, expected ${model.itemIds.length}`,
      { retryable: true },
    );
  }
  return { index, items: count, chunksSkipped: alreadyLoaded, chunksLoaded: chunks - alreadyLoaded };
}

async function indexedVectorsOf(
  deps: PipelineDependencies,
  ids: readonly string[],
  firstRow: number,
  itemFactors: Float32Array,
  factors: number,
): Promise<IndexedVector[]> {
  const catalog = deps.catalog === undefined ? undefined : await deps.catalog.getMany(ids);
  const byId = new Map(catalog?.map((item) => [item.itemId, item]));
  return ids.map((itemId, i) => {
    const row = firstRow + i;
    const item = byId.get(itemId);
    return {
      itemId,
      vector: itemFactors.slice(row * factors, (row + 1) * factors),
      categories: item?.categories ?? [],
      available: item === undefined ? true : item.available && !item.hidden,
    };
  });
}

/**
 * Retries what may pass on a second try (dependency failures, unknown errors); a domain error such as
 * invalid input fails at once, since sending the same chunk again cannot fix it.
 */
async function withRetries(attempts: number, action: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await action();
      return;
    } catch (error) {
      const permanent = error instanceof DomainError && !(error instanceof DependencyError);
      if (permanent || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** (attempt - 1)));
    }
  }
}

/**
 * Points the serving alias at the version's index and deletes the indices older than the
 * `keepPreviousIndices` most recent ones (versions sort by time). Idempotent: swapping to the current
 * target and deleting what is gone change nothing.
 */
export async function promoteItemIndex(
  deps: PipelineDependencies,
  version: string,
): Promise<{ readonly index: string; readonly deleted: readonly string[] }> {
  const index = itemIndexName(version);
  await deps.vectorIndex.swapAlias(ITEM_VECTORS_ALIAS, index);
  const older = (await deps.vectorIndex.listIndices(`${ITEM_VECTORS_ALIAS}-`))
    .filter((name) => name < index)
    .sort()
    .reverse();
  const deleted = older.slice(deps.settings.keepPreviousIndices);
  for (const name of deleted) await deps.vectorIndex.deleteIndex(name);
  return { index, deleted };
}
