import { NotFoundError } from "../errors/domain-errors.ts";
import type { PipelineDependencies } from "./pipeline-dependencies.ts";
import { promoteItemIndex } from "./refresh-vectors.ts";
import { requireRunId } from "./run-workspace.ts";

export interface RegisteredModel {
  readonly version: string;
  readonly previousVersion: string | null;
  readonly index: string;
  readonly deletedIndices: readonly string[];
}

/**
 * Activates the candidate (the registry archives the previous version in the same step) and points the
 * serving alias at its index. Both are idempotent, so the state machine may retry this step freely.
 * The alias moves first: should activation then fail, MarkFailed points the alias back at the active
 * model's index (restoreServingAlias), so serving never mixes two models for long.
 */
export async function registerModel(
  deps: PipelineDependencies,
  input: { readonly runId: string; readonly version: string },
): Promise<RegisteredModel> {
  requireRunId(input.runId);
  const version = requireRunId(input.version);
  const record = await deps.registry.get(version);
  if (record === undefined) throw new NotFoundError(`model ${version} was never registered (Evaluate)`);
  const previous = await deps.registry.active();
  const { index, deleted } = await promoteItemIndex(deps, version);
  await deps.registry.activate(version, deps.clock());
  return {
    version,
    previousVersion: previous === undefined || previous.version === version ? null : previous.version,
    index,
    deletedIndices: deleted,
  };
}

/** Marks a candidate that failed the quality gate as rejected; rejecting it twice is harmless. */
export async function rejectCandidate(
  deps: PipelineDependencies,
  input: { readonly runId: string; readonly version: string },
): Promise<{ readonly version: string; readonly status: "rejected" }> {
  requireRunId(input.runId);
  const version = requireRunId(input.version);
  await deps.registry.reject(version);
  return { version, status: "rejected" };
}
