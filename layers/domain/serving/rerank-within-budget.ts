import type { Ranker } from "../../ports/ranker.ts";
import type { ScoredItem } from "../../ports/scored-item.ts";
import { DependencyError } from "../errors/domain-errors.ts";

export type RerankOutcome<T extends ScoredItem> =
  | { readonly reranked: true; readonly items: T[] }
  | { readonly reranked: false; readonly items: readonly T[]; readonly error: unknown };

/**
 * Re-scores the candidates through the ranker and orders them by the new scores (equal scores keep the
 * retrieval order). The ranker is told the budget and is also raced against it here, so an adapter that
 * ignores its timeout still cannot hold the response: on timeout, error or a malformed answer the
 * retrieval order is kept and the reason returned, for the caller to record.
 */
export async function rerankWithinBudget<T extends ScoredItem>(
  ranker: Ranker,
  userId: string,
  candidates: readonly T[],
  budgetMs: number,
): Promise<RerankOutcome<T>> {
  if (candidates.length === 0) return { reranked: true, items: [] };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DependencyError("ranker", `no answer within the ${budgetMs} ms budget`)),
      budgetMs,
    );
  });
  const scoring = Promise.resolve().then(() => ranker.score(userId, candidates, budgetMs));
  // A late rejection after the budget has run out must not become an unhandled rejection.
  scoring.catch(() => undefined);
  try {
    const scores = await Promise.race([scoring, timeout]);
    requireScores(scores, candidates.length);
    const order = candidates.map((candidate, rank) => ({ candidate, rank, score: scores[rank] as number }));
    order.sort((a, b) => b.score - a.score || a.rank - b.rank);
    return { reranked: true, items: order.map(({ candidate, score }) => ({ ...candidate, score })) };
  } catch (error) {
    return { reranked: false, items: candidates, error };
  } finally {
    clearTimeout(timer);
  }
}

function requireScores(scores: unknown, expected: number): asserts scores is number[] {
  if (
    !Array.isArray(scores) ||
    scores.length !== expected ||
    !scores.every((score) => typeof score === "number" && Number.isFinite(score))
  ) {
    throw new DependencyError("ranker", `expected ${expected} finite scores`, { retryable: false });
  }
}
