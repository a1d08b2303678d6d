import type { AlsParameters } from "../als/als-parameters.ts";

/** Offline quality figures stored with a model. */
export type ModelMetrics = Readonly<Record<string, number>>;

/** The time span of the interactions a model was trained on (epoch seconds; null when unknown). */
export interface DataWindow {
  readonly from: number | null;
  readonly to: number | null;
  readonly interactions: number;
}

/**
 * A trained latent-factor model: what the artifact format stores and what serving and fold-in read.
 * Factor matrices are row-major: row u of `userFactors` is user u's vector.
 */
export interface FactorModel {
  readonly version: string;
  readonly factors: number;
  readonly userIds: readonly string[];
  readonly itemIds: readonly string[];
  readonly userFactors: Float32Array;
  readonly itemFactors: Float32Array;
  /** YᵀY of the item factors (factors × factors), for fold-in. */
  readonly gram: Float32Array;
  readonly parameters: AlsParameters;
  readonly metrics: ModelMetrics;
  readonly dataWindow: DataWindow;
  readonly createdAt: string;
}
