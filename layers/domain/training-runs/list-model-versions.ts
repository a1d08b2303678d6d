import type { ModelRecord, ModelRegistry } from "../../ports/model-registry.ts";

export interface ModelVersions {
  /** The version serving now; null before the first activation. */
  readonly activeVersion: string | null;
  /** Newest first, at most the limit asked for. */
  readonly models: readonly ModelRecord[];
}

/** The registered model versions and which one is active. */
export async function listModelVersions(registry: ModelRegistry, limit: number): Promise<ModelVersions> {
  const [records, active] = await Promise.all([registry.list(), registry.active()]);
  return { activeVersion: active?.version ?? null, models: records.slice(0, limit) };
}
