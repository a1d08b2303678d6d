import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { resolveAlsParameters } from "../layers/domain/als/als-parameters.ts";
import {
  type EvaluationAlgorithm,
  runOfflineEvaluation,
} from "../layers/domain/evaluation/offline-evaluation.ts";
import {
  type InteractionFormat,
  loadInteractionsFromFile,
} from "../layers/domain/interactions/interaction-loader.ts";
import { type BenchFigure, round } from "./bench-figure.ts";

// Research-licensed data sets, read from ../shared/data beside the project (never copied into it).
const DATA = fileURLToPath(new URL("../../shared/data/", import.meta.url));
const DATASETS: ReadonlyArray<{ name: string; path: string; format: InteractionFormat }> = [
  { name: "movielens-100k", path: join(DATA, "movielens-100k", "u.data"), format: "movielens-100k" },
  {
    name: "movielens-latest-small",
    path: join(DATA, "movielens-latest-small", "ratings.csv"),
    format: "movielens-csv",
  },
];

/**
 * Quality with the shipped defaults on the protocol of the published MovieLens table: per-user stratified
 * 75/25 split, seed 42, K = 10, seen items removed; ALS against the popularity baseline.
 */
export async function runQualityBench(emit: (figure: BenchFigure) => void): Promise<void> {
  for (const dataset of DATASETS) {
    if (!existsSync(dataset.path)) {
      emit({
        bench: "quality",
        metric: "dataset_missing",
        value: 0,
        unit: "none",
        dataset: dataset.name,
        path: dataset.path,
      });
      continue;
    }
    const { table } = await loadInteractionsFromFile(dataset.path, { format: dataset.format });
    const ndcg: Partial<Record<EvaluationAlgorithm, number>> = {};
    for (const algorithm of ["als", "popular"] as const) {
      const report = await runOfflineEvaluation(table, {
        algorithm,
        split: "stratified",
        ratio: 0.75,
        seed: 42,
        k: 10,
        als: resolveAlsParameters({ threads: 2 }),
      });
      ndcg[algorithm] = report.ndcg;
      const context = {
        dataset: dataset.name,
        algorithm,
        k: 10,
        split: "stratified-0.75-seed-42",
        users: report.users,
      };
      for (const metric of ["precision", "recall", "ndcg", "map", "coverage"] as const) {
        emit({
          bench: "quality",
          metric: `${metric}_at_10`.replace("coverage_at_10", "coverage"),
          value: round(report[metric], 4),
          unit: "ratio",
          ...context,
        });
      }
    }
    if (ndcg.als !== undefined && ndcg.popular !== undefined) {
      emit({
        bench: "quality",
        metric: "ndcg_gain_over_popular",
        value: round((ndcg.als / ndcg.popular - 1) * 100, 1),
        unit: "%",
        dataset: dataset.name,
        target: 25,
      });
    }
  }
}
