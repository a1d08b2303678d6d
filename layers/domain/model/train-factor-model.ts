import type { AlsParameters } from "../als/als-parameters.ts";
import { type AlsTrainingOptions, trainAls } from "../als/als-trainer.ts";
import type { InteractionTable } from "../interactions/interaction-table.ts";
import { csrFromInteractions } from "../matrix/csr-matrix.ts";
import type { DataWindow, FactorModel, ModelMetrics } from "./factor-model.ts";
import { newModelVersion } from "./model-version.ts";

export interface TrainedFactorModel {
  readonly model: FactorModel;
  readonly iterationSeconds: readonly number[];
  readonly losses: readonly number[];
  readonly trainSeconds: number;
}

/** Trains implicit ALS on interactions and packages the result as a versioned FactorModel. */
export async function trainFactorModel(
  table: InteractionTable,
  parameters: AlsParameters,
  options: AlsTrainingOptions & { readonly version?: string; readonly metrics?: ModelMetrics } = {},
): Promise<TrainedFactorModel> {
  const started = performance.now();
  const matrix = csrFromInteractions(table);
  const factors = await trainAls(matrix, parameters, options);
  return {
    model: {
      version: options.version ?? newModelVersion(),
      factors: parameters.factors,
      userIds: table.users.ids(),
      itemIds: table.items.ids(),
      userFactors: factors.userFactors,
      itemFactors: factors.itemFactors,
      gram: factors.gram,
      parameters,
      metrics: options.metrics ?? {},
      dataWindow: dataWindowOf(table),
      createdAt: new Date().toISOString(),
    },
    iterationSeconds: factors.iterationSeconds,
    losses: factors.losses,
    trainSeconds: (performance.now() - started) / 1000,
  };
}

/** The span of known timestamps and the row count of a table. */
export function dataWindowOf(table: InteractionTable): DataWindow {
  let from = Number.POSITIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < table.length; i++) {
    const t = table.timestamp[i] as number;
    if (Number.isNaN(t)) continue;
    if (t < from) from = t;
    if (t > to) to = t;
  }
  return {
    from: Number.isFinite(from) ? from : null,
    to: Number.isFinite(to) ? to : null,
    interactions: table.length,
  };
}
