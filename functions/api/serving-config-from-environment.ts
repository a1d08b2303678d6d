import { type ServingConfig, servingConfig } from "../../layers/domain/serving/serving-dependencies.ts";

/** Seconds a served list stays in the cache. @default 3600 */
export const CACHE_TTL_VARIABLE = "FLYWHEEL_RECOMMENDATION_CACHE_TTL_SECONDS";
/** Milliseconds the re-rank may take before the k-NN order is served. @default 30 */
export const RERANK_BUDGET_VARIABLE = "FLYWHEEL_RERANK_BUDGET_MS";
/** The k-NN alias the realtime tier queries (several deployments may share one domain). @default "items" */
export const VECTOR_INDEX_ALIAS_VARIABLE = "FLYWHEEL_VECTOR_INDEX_ALIAS";

/** The serving knobs the environment may override; the rest are the domain's defaults. */
export function servingConfigFromEnvironment(env: NodeJS.ProcessEnv): ServingConfig {
  const cacheTtl = env[CACHE_TTL_VARIABLE];
  const rerankBudget = env[RERANK_BUDGET_VARIABLE];
  const alias = env[VECTOR_INDEX_ALIAS_VARIABLE];
  return servingConfig({
    ...(cacheTtl ? { cacheTtlSeconds: Number(cacheTtl) } : {}),
    ...(rerankBudget ? { rerankBudgetMs: Number(rerankBudget) } : {}),
    ...(alias ? { vectorIndexAlias: alias } : {}),
  });
}
