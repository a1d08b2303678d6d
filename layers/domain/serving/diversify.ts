import type { ScoredItem } from "../../ports/scored-item.ts";
import type { CatalogView } from "./catalog-view.ts";
import { capPerCategory } from "./category-cap.ts";
import { itemVectorOf } from "./item-vectors.ts";
import { selectByMaximalMarginalRelevance } from "./maximal-marginal-relevance.ts";
import type { DiversityMode } from "./recommendation-types.ts";
import type { ServingConfig, ServingModel } from "./serving-dependencies.ts";

export interface DiversityContext {
  readonly mode: DiversityMode;
  /** The requested category: every item has it, so it is not capped. */
  readonly category: string | undefined;
  readonly view: CatalogView;
  /** Item vectors for MMR; without a model every item is similar to nothing and MMR keeps the order. */
  readonly model: ServingModel | undefined;
  readonly config: Pick<ServingConfig, "mmrLambda" | "maxPerCategory">;
}

/** The `count` items of the ranked candidates that the request's diversity mode selects, in its order. */
export function diversify<T extends ScoredItem>(
  ranked: readonly T[],
  count: number,
  context: DiversityContext,
): T[] {
  const { model, view, config } = context;
  switch (context.mode) {
    case "none":
      return ranked.slice(0, Math.max(0, count));
    case "mmr":
      return selectByMaximalMarginalRelevance(ranked, count, config.mmrLambda, (itemId) =>
        model === undefined ? undefined : itemVectorOf(model, itemId),
      );
    case "category-cap":
      return capPerCategory(
        ranked,
        count,
        config.maxPerCategory,
        (itemId) => view.categoriesOf(itemId),
        context.category,
      );
  }
}

/** How many candidates a diversity mode needs to choose `limit` items from. */
export function candidatesFor(limit: number, mode: DiversityMode, config: ServingConfig): number {
  if (mode === "none") return limit;
  return Math.max(Math.ceil(config.candidateMultiplier * limit), config.minCandidates);
}
