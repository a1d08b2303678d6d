import { basename } from "node:path";
import {
  EVALUATION_ALGORITHMS,
  runOfflineEvaluation,
  SPLIT_METHODS,
} from "../../layers/domain/evaluation/offline-evaluation.ts";
import type { CliOptions } from "../cli-arguments.ts";
import { TerminalProgress } from "../terminal-progress.ts";
import { ALS_OPTIONS_HELP, alsParametersFrom } from "./als-options.ts";
import { INPUT_OPTIONS_HELP, loadInputFrom } from "./input-options.ts";

export const EVALUATE_HELP = `flywheel evaluate --input FILE [--format F] [--split stratified|last] [--ratio 0.75] [--split-seed 42]
                  [--k 10] [--algorithm als|popular] [--relevance-threshold X] [ALS options]
  Splits the data, trains on the training part and scores the top k against the held-out part
  (docs/evaluation.md). The last line on stdout is one JSON object with the figures.
${INPUT_OPTIONS_HELP}
${ALS_OPTIONS_HELP}`;

export async function evaluateCommand(options: CliOptions, defaultThreads: number): Promise<void> {
  const input = options.requiredString("input");
  const loaded = await loadInputFrom(options);
  const split = options.choice("split", SPLIT_METHODS, "stratified");
  const ratio = options.number("ratio") ?? 0.75;
  const splitSeed = options.integer("split-seed", 0, 2 ** 32 - 1) ?? 42;
  const k = options.integer("k", 1, 10_000) ?? 10;
  const algorithm = options.choice("algorithm", EVALUATION_ALGORITHMS, "als");
  const relevanceThreshold = options.number("relevance-threshold");
  const als = alsParametersFrom(options, defaultThreads);
  options.rejectUnknown();
  const progress = new TerminalProgress();
  const report = await runOfflineEvaluation(loaded.table, {
    algorithm,
    split,
    ratio,
    seed: splitSeed,
    k,
    als,
    ...(relevanceThreshold === undefined ? {} : { relevanceThreshold }),
    onIteration: (p) => progress.bar("training", p.iteration, p.iterations),
  });
  progress.done();
  console.log(
    JSON.stringify({
      dataset: basename(input),
      algorithm,
      k,
      precision: round(report.precision),
      recall: round(report.recall),
      ndcg: round(report.ndcg),
      map: round(report.map),
      coverage: round(report.coverage),
      users: report.users,
      items: report.items,
      interactions: report.interactions,
      trainSeconds: Number(report.trainSeconds.toFixed(3)),
      ...(algorithm === "als" ? { parameters: als } : {}),
    }),
  );
}

function round(value: number): number {
  return Number(value.toFixed(6));
}
