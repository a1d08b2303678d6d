import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeInteractionsCsv } from "../layers/domain/generator/synthetic-interactions.ts";
import { loadInteractionsFromFile } from "../layers/domain/interactions/interaction-loader.ts";

export interface BenchFigure {
  readonly bench: string;
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
  readonly [context: string]: unknown;
}

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
    const written = await writeInteractionsCsv(
      { users: USERS, items: ITEMS, interactions: INTERACTIONS, seed: SEED },
      path,
    );
    const generateSeconds = (performance.now() - generateStart) / 1000;
    const fileBytes = (await stat(path)).size;

    const loadStart = performance.now();
    const loaded = await loadInteractionsFromFile(path, { format: "csv" });
    const loadSeconds = (performance.now() - loadStart) / 1000;
    if (loaded.rows !== written.rows) {
      throw new Error(`loaded ${loaded.rows} rows but wrote ${written.rows}`);
    }
    return [
      {
        bench: "generator",
        metric: "generate_seconds",
        value: round(generateSeconds),
        unit: "s",
        ...context,
      },
      {
        bench: "generator",
        metric: "generate_rows_per_second",
        value: Math.round(written.rows / generateSeconds),
        unit: "rows/s",
        ...context,
      },
      { bench: "generator", metric: "csv_megabytes", value: round(fileBytes / 1e6), unit: "MB", ...context },
      { bench: "generator", metric: "load_seconds", value: round(loadSeconds), unit: "s", ...context },
      {
        bench: "generator",
        metric: "load_rows_per_second",
        value: Math.round(loaded.rows / loadSeconds),
        unit: "rows/s",
        ...context,
      },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

if (import.meta.main) {
  for (const figure of await runGeneratorBench()) console.log(JSON.stringify(figure));
}
