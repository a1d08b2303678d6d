import type { RecommendationSource } from "../api.ts";

const DESCRIPTIONS: Readonly<Record<RecommendationSource, string>> = {
  cache: "L1 cache (Redis): the list served a moment ago",
  realtime: "realtime: the user's taste vector, k-NN over the item vectors",
  batch: "batch: the nightly run's list for this user",
  popular: "popular: trending items (no vector for this user yet)",
};

/** Which cascade tier answered, as every recommendation response says. */
export function SourceBadge({ source }: { readonly source: RecommendationSource }) {
  return (
    <span className={`badge badge-${source}`} title={DESCRIPTIONS[source]} data-testid="source-badge">
      {source}
    </span>
  );
}
