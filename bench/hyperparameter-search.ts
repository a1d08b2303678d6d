/**
 * Hyper-parameter search for implicit ALS under the offline-evaluation protocol (per-user stratified split,
 * top-k with seen items removed; see docs/hyper-parameters.md for the search that chose the shipped defaults).
 *
 *   node bench/hyperparameter-search.ts --data <file> --format <format> [--data <file> --format <format>] [options]
 *
 * Without --grid it runs the staged search (coarse factors × regularization, then alpha × regularization,
 * then iterations × CG steps, then a refinement around the best, then a robustness check of the top settings
 * over several split and initialisation seeds). With --grid it runs exactly the settings given.
 *
 * Options:
 *   --data, --format     one pair per data set (repeatable; a single --format applies to every --data)
 *   --grid JSON|@file    {"factors":[32,64],"alpha":[1,2]} (every combination) or [{"factors":32}, …]
 *   --base JSON          parameters every setting starts from (default: the staged search's fixed base)
 *   --split-seeds 42     comma list of split seeds for --grid runs and for the search stages
 *   --init-seeds 42      comma list of ALS initialisation seeds, likewise
 *   --robust-split-seeds 42,1,2 / --robust-init-seeds 42,7,99   seeds of the robustness stage
 *   --top 5              settings carried into the robustness stage
 *   --metric ndcg        what "best" means: ndcg, precision, map or recall (mean over data sets and seeds)
 *   --per-run            also print one line per training run (data set × split seed × init seed)
 *   --ratio 0.75 --k 10 --threads 2
 *
 * stdout: one JSON line per popularity baseline and per setting, then {"best": …}. Progress goes to stderr.
 */

import { readFileSync } from "node:fs";
import { basename, dirname } from "node:path";
import { parseArgs } from "node:util";
import { type AlsParameters, resolveAlsParameters } from "../layers/domain/als/als-parameters.ts";
import {
  type OfflineEvaluationReport,
  runOfflineEvaluation,
} from "../layers/domain/evaluation/offline-evaluation.ts";
import {
  type InteractionFormat,
  isInteractionFormat,
  loadInteractionsFromFile,
} from "../layers/domain/interactions/interaction-loader.ts";
import type { InteractionTable } from "../layers/domain/interactions/interaction-table.ts";

/** The parameters a search varies; seed and threads come from the command line. */
type Setting = Omit<AlsParameters, "seed" | "threads">;
const SETTING_KEYS = ["factors", "iterations", "regularization", "alpha", "solver", "cgSteps"] as const;

const METRICS = ["ndcg", "precision", "map", "recall"] as const;
type Metric = (typeof METRICS)[number];

/** The staged search's grids and the base the first stage starts from (fixed so a rerun repeats the search). */
const FACTORS = [16, 24, 32, 48, 64, 96, 128];
const REGULARIZATION = [0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 50];
const ALPHA = [0.5, 1, 2, 4, 8, 16];
const ITERATIONS = [10, 15, 20, 30];
const CG_STEPS = [3, 5];
const STAGED_BASE: Setting = {
  factors: 64,
  iterations: 15,
  regularization: 0.05,
  alpha: 2,
  solver: "cg",
  cgSteps: 3,
};
const MAX_FACTORS = 200;
const MAX_ITERATIONS = 30;

interface DataSet {
  readonly name: string;
  readonly table: InteractionTable;
}

interface Figures {
  readonly precision: number;
  readonly ndcg: number;
  readonly map: number;
  readonly recall: number;
  readonly coverage: number;
}

/** One data set's figures for one setting: means over the seeds, with the spread when there are several runs. */
interface DataSetSummary extends Figures {
  readonly runs: number;
  readonly ndcgMin: number;
  readonly ndcgMax: number;
  readonly precisionMin: number;
  readonly precisionMax: number;
  /** Mean nDCG@k over the popularity baseline's mean on the same split seeds, in percent. */
  readonly ndcgLiftPercent: number;
  readonly trainSeconds: number;
}

interface Outcome {
  readonly stage: string;
  readonly setting: Setting;
  readonly splitSeeds: readonly number[];
  readonly initSeeds: readonly number[];
  readonly objective: number;
  readonly byData: ReadonlyMap<string, DataSetSummary>;
}

interface SearchContext {
  readonly data: readonly DataSet[];
  readonly ratio: number;
  readonly k: number;
  readonly threads: number;
  readonly metric: Metric;
  /** Print a line for every single run as well as the per-setting summary. */
  readonly perRun: boolean;
  /** Popularity's figures by data set name and split seed. */
  readonly popular: Map<string, Map<number, Figures>>;
  /** Every outcome so far, keyed by setting and seeds, so a stage never reruns an earlier stage's setting. */
  readonly outcomes: Map<string, Outcome>;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: "string", multiple: true },
      format: { type: "string", multiple: true },
      grid: { type: "string" },
      base: { type: "string" },
      "split-seeds": { type: "string", default: "42" },
      "init-seeds": { type: "string", default: "42" },
      "robust-split-seeds": { type: "string", default: "42,1,2" },
      "robust-init-seeds": { type: "string", default: "42,7,99" },
      top: { type: "string", default: "5" },
      metric: { type: "string", default: "ndcg" },
      "per-run": { type: "boolean", default: false },
      ratio: { type: "string", default: "0.75" },
      k: { type: "string", default: "10" },
      threads: { type: "string", default: "2" },
    },
    strict: true,
  });
  const paths = values.data ?? [];
  if (paths.length === 0) throw new Error("give at least one --data <file> --format <format>");
  const formats = values.format ?? [];
  if (formats.length !== 1 && formats.length !== paths.length) {
    throw new Error("give one --format for all data sets or one per --data");
  }
  const metric = values.metric;
  if (!isMetric(metric)) throw new Error(`--metric must be one of ${METRICS.join(", ")}`);

  const data: DataSet[] = [];
  for (let i = 0; i < paths.length; i++) {
    const path = paths[i] as string;
    const format = formats.length === 1 ? formats[0] : formats[i];
    if (format === undefined || !isInteractionFormat(format)) {
      throw new Error(`unknown --format '${String(format)}'`);
    }
    data.push({ name: dataSetName(path), table: await loadTable(path, format) });
  }
  const context: SearchContext = {
    data,
    ratio: Number(values.ratio),
    k: positiveInteger(values.k, "k"),
    threads: positiveInteger(values.threads, "threads"),
    metric,
    perRun: values["per-run"],
    popular: new Map(),
    outcomes: new Map(),
  };
  const splitSeeds = seedList(values["split-seeds"], "split-seeds");
  const initSeeds = seedList(values["init-seeds"], "init-seeds");
  const base: Setting =
    values.base === undefined ? STAGED_BASE : { ...STAGED_BASE, ...parseSetting(JSON.parse(values.base)) };

  let best: Outcome | undefined;
  if (values.grid !== undefined) {
    const settings = expandGrid(readJsonArgument(values.grid), base);
    const outcomes = await runStage(context, "grid", settings, splitSeeds, initSeeds);
    best = rank(outcomes)[0];
  } else {
    best = await stagedSearch(context, base, {
      splitSeeds,
      initSeeds,
      robustSplitSeeds: seedList(values["robust-split-seeds"], "robust-split-seeds"),
      robustInitSeeds: seedList(values["robust-init-seeds"], "robust-init-seeds"),
      top: positiveInteger(values.top, "top"),
    });
  }
  if (best !== undefined) console.log(JSON.stringify({ best: outcomeRecord(best) }));
}

interface StagedOptions {
  readonly splitSeeds: readonly number[];
  readonly initSeeds: readonly number[];
  readonly robustSplitSeeds: readonly number[];
  readonly robustInitSeeds: readonly number[];
  readonly top: number;
}

/**
 * Coordinate-wise search: each stage varies two parameters around the best settings so far, so the search
 * costs a few hundred trainings instead of the full product (7 × 9 × 6 × 4 × 2 = 3,024).
 */
async function stagedSearch(
  context: SearchContext,
  base: Setting,
  options: StagedOptions,
): Promise<Outcome | undefined> {
  const { splitSeeds, initSeeds } = options;
  const run = (stage: string, settings: readonly Setting[]) =>
    runStage(context, stage, settings, splitSeeds, initSeeds);

  // 1. Model size against regularization, at the base alpha and schedule.
  const coarse = await run(
    "1-factors-regularization",
    FACTORS.flatMap((factors) =>
      REGULARIZATION.map((regularization) => ({ ...base, factors, regularization })),
    ),
  );

  // 2. Alpha against regularization (they trade off: both scale the data term against the penalty),
  //    for the two best model sizes of stage 1.
  const bestFactors = distinctBy(rank(coarse), (o) => o.setting.factors).slice(0, 2);
  const alphaStage = await run(
    "2-alpha-regularization",
    bestFactors.flatMap((o) =>
      ALPHA.flatMap((alpha) =>
        REGULARIZATION.map((regularization) => ({ ...o.setting, alpha, regularization })),
      ),
    ),
  );

  // 3. Iterations against CG steps, for the three best settings so far.
  const leaders = distinctBy(rank([...coarse, ...alphaStage]), (o) => settingKey(o.setting)).slice(0, 3);
  const schedule = await run(
    "3-iterations-cg-steps",
    leaders.flatMap((o) =>
      ITERATIONS.flatMap((iterations) => CG_STEPS.map((cgSteps) => ({ ...o.setting, iterations, cgSteps }))),
    ),
  );

  // 4. Refinement: finer factors, regularization and alpha around the best setting.
  const leader = rank([...coarse, ...alphaStage, ...schedule])[0];
  if (leader === undefined) return undefined;
  const refine = await run("4-refine", refinementGrid(leader.setting));

  // 5. Robustness: the best few settings over several split and initialisation seeds; the best mean wins.
  const finalists = distinctBy(rank([...coarse, ...alphaStage, ...schedule, ...refine]), (o) =>
    settingKey(o.setting),
  ).slice(0, options.top);
  const robust = await runStage(
    context,
    "5-robustness",
    finalists.map((o) => o.setting),
    options.robustSplitSeeds,
    options.robustInitSeeds,
  );
  return rank(robust)[0];
}

/** Neighbouring model sizes (and midpoints), regularization × {½ … 2}, alpha × {0.7, 1, 1.4}. */
function refinementGrid(center: Setting): Setting[] {
  const at = FACTORS.indexOf(center.factors);
  const below = at > 0 ? FACTORS[at - 1] : undefined;
  const above = at >= 0 && at < FACTORS.length - 1 ? FACTORS[at + 1] : undefined;
  const factorOptions = new Set<number>([center.factors]);
  for (const neighbour of [below, above]) {
    if (neighbour === undefined) continue;
    factorOptions.add(neighbour);
    factorOptions.add(Math.round((neighbour + center.factors) / 2 / 4) * 4);
  }
  const settings: Setting[] = [];
  for (const factors of [...factorOptions].sort((a, b) => a - b)) {
    if (factors < 1 || factors > MAX_FACTORS) continue;
    for (const regScale of [0.5, 0.7, 1, 1.4, 2]) {
      for (const alphaScale of [0.7, 1, 1.4]) {
        settings.push({
          ...center,
          factors,
          regularization: roundSignificant(center.regularization * regScale),
          alpha: roundSignificant(center.alpha * alphaScale),
        });
      }
    }
  }
  return settings;
}

/** Evaluates each setting (skipping ones already measured with the same seeds) and prints a line for each. */
async function runStage(
  context: SearchContext,
  stage: string,
  settings: readonly Setting[],
  splitSeeds: readonly number[],
  initSeeds: readonly number[],
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const seen = new Set<string>();
  let done = 0;
  for (const setting of settings) {
    const key = `${settingKey(setting)}|${splitSeeds.join(",")}|${initSeeds.join(",")}`;
    if (seen.has(key)) continue;
    seen.add(key);
    done++;
    const earlier = context.outcomes.get(key);
    if (earlier !== undefined) {
      outcomes.push(earlier);
      continue;
    }
    const outcome = await evaluateSetting(context, stage, setting, splitSeeds, initSeeds);
    context.outcomes.set(key, outcome);
    outcomes.push(outcome);
    console.log(JSON.stringify(outcomeRecord(outcome)));
    process.stderr.write(`\r${stage}: ${done}/${settings.length}   `);
  }
  process.stderr.write("\n");
  return outcomes;
}

async function evaluateSetting(
  context: SearchContext,
  stage: string,
  setting: Setting,
  splitSeeds: readonly number[],
  initSeeds: readonly number[],
): Promise<Outcome> {
  const byData = new Map<string, DataSetSummary>();
  let objective = 0;
  for (const { name, table } of context.data) {
    const runs: OfflineEvaluationReport[] = [];
    const popularRuns: Figures[] = [];
    for (const splitSeed of splitSeeds) {
      popularRuns.push(await popularFigures(context, name, table, splitSeed));
      for (const initSeed of initSeeds) {
        const report = await runOfflineEvaluation(table, {
          algorithm: "als",
          split: "stratified",
          ratio: context.ratio,
          seed: splitSeed,
          k: context.k,
          als: resolveAlsParameters({ ...setting, seed: initSeed, threads: context.threads }),
        });
        runs.push(report);
        if (context.perRun) {
          console.log(
            JSON.stringify({
              run: stage,
              ...setting,
              data: name,
              splitSeed,
              initSeed,
              ...roundFigures(report),
              trainSeconds: round(report.trainSeconds, 2),
            }),
          );
        }
      }
    }
    const summary = summarise(runs, mean(popularRuns.map((r) => r.ndcg)));
    byData.set(name, summary);
    objective += summary[context.metric] / context.data.length;
  }
  return { stage, setting, splitSeeds, initSeeds, objective, byData };
}

async function popularFigures(
  context: SearchContext,
  name: string,
  table: InteractionTable,
  splitSeed: number,
): Promise<Figures> {
  let bySeed = context.popular.get(name);
  if (bySeed === undefined) {
    bySeed = new Map();
    context.popular.set(name, bySeed);
  }
  const known = bySeed.get(splitSeed);
  if (known !== undefined) return known;
  const report = await runOfflineEvaluation(table, {
    algorithm: "popular",
    split: "stratified",
    ratio: context.ratio,
    seed: splitSeed,
    k: context.k,
    als: resolveAlsParameters({ threads: context.threads }),
  });
  const figures = pickFigures(report);
  bySeed.set(splitSeed, figures);
  console.log(JSON.stringify({ baseline: "popular", data: name, splitSeed, ...roundFigures(figures) }));
  return figures;
}

function summarise(runs: readonly OfflineEvaluationReport[], popularNdcg: number): DataSetSummary {
  const ndcg = runs.map((r) => r.ndcg);
  const precision = runs.map((r) => r.precision);
  const meanNdcg = mean(ndcg);
  return {
    precision: mean(precision),
    ndcg: meanNdcg,
    map: mean(runs.map((r) => r.map)),
    recall: mean(runs.map((r) => r.recall)),
    coverage: mean(runs.map((r) => r.coverage)),
    runs: runs.length,
    ndcgMin: Math.min(...ndcg),
    ndcgMax: Math.max(...ndcg),
    precisionMin: Math.min(...precision),
    precisionMax: Math.max(...precision),
    ndcgLiftPercent: popularNdcg > 0 ? (meanNdcg / popularNdcg - 1) * 100 : Number.NaN,
    trainSeconds: mean(runs.map((r) => r.trainSeconds)),
  };
}

function outcomeRecord(outcome: Outcome): Record<string, unknown> {
  const record: Record<string, unknown> = {
    stage: outcome.stage,
    ...outcome.setting,
    splitSeeds: outcome.splitSeeds,
    initSeeds: outcome.initSeeds,
    objective: round(outcome.objective, 4),
  };
  for (const [name, s] of outcome.byData) {
    record[name] = {
      ...roundFigures(s),
      ...(s.runs > 1
        ? {
            runs: s.runs,
            ndcgMin: round(s.ndcgMin, 4),
            ndcgMax: round(s.ndcgMax, 4),
            precisionMin: round(s.precisionMin, 4),
            precisionMax: round(s.precisionMax, 4),
          }
        : {}),
      ndcgLiftPercent: round(s.ndcgLiftPercent, 1),
      trainSeconds: round(s.trainSeconds, 2),
    };
  }
  return record;
}

/** Best first; ties keep their input order. */
function rank(outcomes: readonly Outcome[]): Outcome[] {
  return [...outcomes].sort((a, b) => b.objective - a.objective);
}

function distinctBy<T>(values: readonly T[], key: (value: T) => unknown): T[] {
  const seen = new Set<unknown>();
  return values.filter((value) => {
    const k = key(value);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** A grid object (every combination of its value lists) or an array of settings, each over `base`. */
function expandGrid(grid: unknown, base: Setting): Setting[] {
  if (Array.isArray(grid)) return grid.map((entry: unknown) => ({ ...base, ...parseSetting(entry) }));
  if (grid === null || typeof grid !== "object") throw new Error("--grid must be a JSON object or array");
  let settings: Setting[] = [base];
  for (const [key, raw] of Object.entries(grid)) {
    const options: unknown[] = Array.isArray(raw) ? raw : [raw];
    settings = settings.flatMap((setting) =>
      options.map((value) => ({ ...setting, ...parseSetting({ [key]: value }) })),
    );
  }
  return settings;
}

/** Checks a JSON object's keys and values against the tunable parameters. */
function parseSetting(value: unknown): Partial<Setting> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new Error(`a setting must be a JSON object, got ${JSON.stringify(value)}`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (!(SETTING_KEYS as readonly string[]).includes(key)) {
      throw new Error(`unknown parameter '${key}' (known: ${SETTING_KEYS.join(", ")})`);
    }
    out[key] = v;
  }
  const resolved = resolveAlsParameters(out as Partial<AlsParameters>);
  if (resolved.factors > MAX_FACTORS || resolved.iterations > MAX_ITERATIONS) {
    process.stderr.write(`note: ${JSON.stringify(out)} is beyond the search's limits\n`);
  }
  const picked: Partial<Record<(typeof SETTING_KEYS)[number], unknown>> = {};
  for (const key of SETTING_KEYS) if (key in out) picked[key] = resolved[key];
  return picked as Partial<Setting>;
}

function readJsonArgument(text: string): unknown {
  return JSON.parse(text.startsWith("@") ? readFileSync(text.slice(1), "utf8") : text);
}

async function loadTable(path: string, format: InteractionFormat): Promise<InteractionTable> {
  const { table } = await loadInteractionsFromFile(path, { format });
  process.stderr.write(
    `${path}: ${table.length} interactions, ${table.users.size} users, ${table.items.size} items\n`,
  );
  return table;
}

function dataSetName(path: string): string {
  const folder = basename(dirname(path));
  return folder === "" || folder === "." ? basename(path) : folder;
}

function settingKey(s: Setting): string {
  return SETTING_KEYS.map((key) => `${key}=${s[key]}`).join(",");
}

function pickFigures(r: Figures): Figures {
  return { precision: r.precision, ndcg: r.ndcg, map: r.map, recall: r.recall, coverage: r.coverage };
}

function roundFigures(f: Figures): Figures {
  return {
    precision: round(f.precision, 4),
    ndcg: round(f.ndcg, 4),
    map: round(f.map, 4),
    recall: round(f.recall, 4),
    coverage: round(f.coverage, 4),
  };
}

function seedList(text: string, name: string): number[] {
  const seeds = text.split(",").map((part) => Number(part.trim()));
  if (seeds.length === 0 || seeds.some((s) => !Number.isInteger(s) || s < 0 || s > 2 ** 32 - 1)) {
    throw new Error(`--${name} must be a comma list of integers ≥ 0, got '${text}'`);
  }
  return seeds;
}

function positiveInteger(text: string, name: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${name} must be an integer ≥ 1, got '${text}'`);
  return value;
}

function isMetric(value: string): value is Metric {
  return (METRICS as readonly string[]).includes(value);
}

function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return values.length === 0 ? Number.NaN : sum / values.length;
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function roundSignificant(value: number): number {
  return Number(value.toPrecision(2));
}

await main();
