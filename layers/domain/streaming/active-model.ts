import type { Clock } from "../../ports/clock.ts";
import type { ModelRegistry } from "../../ports/model-registry.ts";
import type { ModelStore } from "../../ports/model-store.ts";
import { FoldInSolver } from "../als/fold-in.ts";
import { decodeModel } from "../model/model-artifact.ts";

/**
 * What the stream needs of the active model (its item index and a fold-in solver over its item factors),
 * and what serving needs of it (the item factors themselves: similar items, diversity, reasons).
 */
export interface FoldInModel {
  readonly version: string;
  readonly factors: number;
  readonly itemIndex: ReadonlyMap<string, number>;
  /** Item ids by row: `itemIds[itemIndex.get(id)] === id`. */
  readonly itemIds: readonly string[];
  /** Row-major, `factors` wide, one row per item id; read-only (the solver may share it). */
  readonly itemFactors: Float32Array;
  /** End of the model's training data, epoch ms; null when unknown. */
  readonly trainedUntil: number | null;
  readonly solver: FoldInSolver;
}

/** The model fold-in runs against. `current` is called once per batch and must be cheap when nothing changed. */
export interface ActiveModelSource {
  current(): Promise<FoldInModel | undefined>;
}

export interface ActiveModelCacheOptions {
  readonly registry: ModelRegistry;
  readonly store: ModelStore;
  readonly clock: Clock;
  /** How long the registry's answer is trusted before it is asked again. @default 10 s */
  readonly refreshIntervalMs?: number;
}

/**
 * Keeps the active model's item factors and YᵀY in memory (one FoldInSolver), and reloads them when the
 * registry names another version. The registry is asked at most once per `refreshIntervalMs`, so a
 * newly activated model reaches every stream Lambda within that interval. If the registry or the store
 * fails, the model already loaded keeps serving (a stale model is better than no fold-in); with no model
 * loaded yet, the error propagates and the batch is retried.
 */
export class ActiveModelCache implements ActiveModelSource {
  private readonly registry: ModelRegistry;
  private readonly store: ModelStore;
  private readonly clock: Clock;
  private readonly refreshIntervalMs: number;
  private loaded: FoldInModel | undefined;
  private checkedAt = Number.NEGATIVE_INFINITY;
  private refreshing: Promise<FoldInModel | undefined> | undefined;

  constructor(options: ActiveModelCacheOptions) {
    this.registry = options.registry;
    this.store = options.store;
    this.clock = options.clock;
    this.refreshIntervalMs = options.refreshIntervalMs ?? 10_000;
  }

  async current(): Promise<FoldInModel | undefined> {
    if (this.clock() - this.checkedAt < this.refreshIntervalMs) return this.loaded;
    // Concurrent callers share one refresh.
    this.refreshing ??= this.refresh().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async refresh(): Promise<FoldInModel | undefined> {
    try {
      const active = await this.registry.active();
      if (active === undefined) {
        this.loaded = undefined;
      } else if (active.version !== this.loaded?.version) {
        this.loaded = buildFoldInModel(await this.store.getFiles(active.version));
      }
      this.checkedAt = this.clock();
      return this.loaded;
    } catch (error) {
      if (this.loaded === undefined) throw error;
      return this.loaded;
    }
  }
}

/** Decodes an artifact and keeps only what fold-in and serving need (user factors are dropped). */
export function buildFoldInModel(files: ReadonlyMap<string, Uint8Array>): FoldInModel {
  const model = decodeModel(files);
  const itemIndex = new Map<string, number>();
  model.itemIds.forEach((id, index) => {
    itemIndex.set(id, index);
  });
  return {
    version: model.version,
    factors: model.factors,
    itemIndex,
    itemIds: model.itemIds,
    itemFactors: model.itemFactors,
    trainedUntil: model.dataWindow.to === null ? null : model.dataWindow.to * 1000,
    solver: new FoldInSolver({
      factors: model.factors,
      itemFactors: model.itemFactors,
      gram: model.gram,
      regularization: model.parameters.regularization,
      alpha: model.parameters.alpha,
      cgSteps: model.parameters.cgSteps,
    }),
  };
}
