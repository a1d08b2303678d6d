import { ConflictError } from "../errors/domain-errors.ts";
import { evaluateRecommender } from "../evaluation/evaluate-recommender.ts";
import type { FactorModel } from "../model/factor-model.ts";
import { decodeModel } from "../model/model-artifact.ts";
import { modelRankingOnTable } from "./model-ranking-on-table.ts";
import type { PipelineDependencies } from "./pipeline-dependencies.ts";
import { readPreparedData, requireRunId } from "./run-workspace.ts";

export interface CandidateEvaluation {
  readonly version: string;
  readonly candidateNdcg: number;
  /** null when no model is active yet (the first run): the gate then has nothing to compare with. */
  readonly activeNdcg: number | null;
  readonly activeVersion: string | null;
  /** activeNdcg − candidateNdcg (0 without an active model); the gate rejects when it exceeds the margin. */
  readonly ndcgDrop: number;
}

/**
 * Scores the candidate and the active model on the same held-out interactions (each user's latest), with
 * the same protocol as the offline evaluation, and registers the candidate with its metrics. Registering
 * is idempotent by version, so a retried step does not fail on its own earlier attempt.
 */
export async function evaluateCandidate(
  deps: PipelineDependencies,
  input: { readonly runId: string; readonly version: string },
): Promise<CandidateEvaluation> {
  const runId = requireRunId(input.runId);
  const version = requireRunId(input.version);
  const { train, holdout } = await readPreparedData(deps.workspace, runId);
  const k = deps.settings.evaluationK;
  const ndcgOf = (model: FactorModel) =>
    evaluateRecommender(modelRankingOnTable(model, train), train, holdout, { k });
  const candidate = decodeModel(await deps.models.getFiles(version));
  const candidateResult = ndcgOf(candidate);
  const active = await deps.registry.active();
  const activeNdcg =
    active === undefined || active.version === version
      ? null
      : ndcgOf(decodeModel(await deps.models.getFiles(active.version))).ndcg;
  const metrics = {
    ...candidate.metrics,
    [`precision@${k}`]: candidateResult.precision,
    [`recall@${k}`]: candidateResult.recall,
    [`ndcg@${k}`]: candidateResult.ndcg,
    [`map@${k}`]: candidateResult.map,
    [`coverage@${k}`]: candidateResult.coverage,
  };
  await registerOnce(deps, candidate, metrics);
  return {
    version,
    candidateNdcg: candidateResult.ndcg,
    activeNdcg,
    activeVersion: active?.version ?? null,
    ndcgDrop: activeNdcg === null ? 0 : activeNdcg - candidateResult.ndcg,
  };
}

async function registerOnce(
  deps: PipelineDependencies,
  model: FactorModel,
  metrics: Readonly<Record<string, number>>,
): Promise<void> {
  try {
    await deps.registry.register({
      version: model.version,
      factors: model.factors,
      users: model.userIds.length,
      items: model.itemIds.length,
      metrics,
      artifactLocation: deps.models.locationOf(model.version),
      createdAt: deps.clock(),
    });
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
  }
}
