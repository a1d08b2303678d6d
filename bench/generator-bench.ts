import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeInteractionsCsv } from "../layers/domain/generator/synthetic-interactions.ts";
import { loadInteractionsFromFile } from "../layers/domain/interactions/interaction-loader.ts";
import { type BenchFigure, printFigure, round } from "./bench-figure.ts";

// MovieLens-20M-like shape: 138k users, 27k items.
const USERS = 138_000;
const ITEMS = 27_000;
const INTERACTIONS = 10_000_000;
const SEED = 42;

/** Generates 10M synthetic interactions to a temp CSV, loads them back, and reports both timings. */
export async function runGeneratorBench(): Promise<BenchFigure[]> {
  const dir = await mkdtemp(join(tmpdir(), "flywheel-generator-bench-"));
  const path = join(dir, "interactions.csv");
  const context = { interactions: INTERACTIONS, users: USERS, items: ITEMS };
  try {
    const generateStart = performance.now();
    const generateCpu = process.cpuUsage();
    const written = await writeInteractionsCsv(
      { users: USERS, items: ITEMS, interactions: INTERACTIONS, seed: SEED },
      path,
    );
    const generateCpuSeconds = cpuSecondsSince(generateCpu);
    const generateSeconds = (performance.now() - generateStart) / 1000;
    const fileBytes = (await stat(path)).size;

    const loadStart = performance.now();
    const loadCpu = process.cpuUsage();
    const loaded = await loadInteractionsFromFile(path, { format: "csv" });
    const loadCpuSeconds = cpuSecondsSince(loadCpu);
    const loadSeconds = (performance.now() - loadStart) / 1000;
    if (loaded.rows !== written.rows) {
      throw new Error(`loaded ${loaded.rows} rows but wrote ${written.rows}`);
    }
    const figure = (metric: string, value: number, unit: string): BenchFigure => ({
      bench: "generator",
      metric,
      value,
      unit,
      ...context,
    });
    // CPU time next to wall time: on a shared machine the wall clock also counts other processes' turns.
    return [
      figure("generate_seconds", round(generateSeconds), "s"),
      figure("generate_cpu_seconds", round(generateCpuSeconds), "s"),
      figure("generate_rows_per_second", Math.round(written.rows / generateSeconds), "rows/s"),
      figure("csv_megabytes", round(fileBytes / 1e6), "MB"),
      figure("load_seconds", round(loadSeconds), "s"),
      figure("load_cpu_seconds", round(loadCpuSeconds), "s"),
      figure("load_rows_per_second", Math.round(loaded.rows / loadSeconds), "rows/s"),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

if (import.meta.main) {
  for (const figure of await runGeneratorBench()) printFigure(figure);
}
