import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { FoldInSolver } from "../layers/domain/als/fold-in.ts";
import { writeInteractionsCsv } from "../layers/domain/generator/synthetic-interactions.ts";
import { gramMatrix } from "../layers/domain/linalg/gram-matrix.ts";
import { SeededRandom } from "../layers/domain/random/seeded-random.ts";
import { type BenchFigure, median, round } from "./bench-figure.ts";

const run = promisify(execFile);
const here = fileURLToPath(new URL(".", import.meta.url));

// The MovieLens-20M shape the issue names: 10M interactions, 138K users, 27K items; 64 factors, 2 threads.
const SHAPE = { users: 138_000, items: 27_000, interactions: 10_000_000, seed: 42 };
const TRAINING = { factors: 64, iterations: 5, threads: 2, regularization: 0.05, alpha: 2, cgSteps: 3 };

/**
 * Speed of the trainer against the `implicit` library on the same matrix, and of fold-in.
 * The data is generated once into .bench/ (git-ignored) and reused by later runs.
 */
export async function runAlsBench(emit: (figure: BenchFigure) => void): Promise<void> {
  const cacheDir = join(here, "..", ".bench");
  await mkdir(cacheDir, { recursive: true });
  const dataPath = join(
    cacheDir,
    `als-${SHAPE.interactions}-${SHAPE.users}-${SHAPE.items}-${SHAPE.seed}.csv`,
  );
  const context = { interactions: SHAPE.interactions, users: SHAPE.users, items: SHAPE.items };
  if (!existsSync(dataPath)) {
    const started = performance.now();
    await writeInteractionsCsv(SHAPE, dataPath);
    emit({
      bench: "als",
      metric: "generate_seconds",
      value: round((performance.now() - started) / 1000),
      unit: "s",
      ...context,
    });
  }

  const matrixDir = await mkdtemp(join(tmpdir(), "flywheel-als-bench-"));
  try {
    const child = await run(
      process.execPath,
      [join(here, "als-train-child.ts"), dataPath, matrixDir, JSON.stringify(TRAINING)],
      { maxBuffer: 1 << 20 },
    );
    const ours = JSON.parse(child.stdout.trim().split("\n").at(-1) ?? "{}") as {
      loadSeconds: number;
      iterationSeconds: number[];
      peakRssBytes: number;
      nnz: number;
    };
    const trainingContext = {
      ...context,
      nnz: ours.nnz,
      factors: TRAINING.factors,
      threads: TRAINING.threads,
    };
    const ourIteration = median(ours.iterationSeconds);
    emit({ bench: "als", metric: "load_seconds", value: round(ours.loadSeconds), unit: "s", ...context });
    emit({
      bench: "als",
      metric: "seconds_per_iteration",
      value: round(ourIteration),
      unit: "s",
      implementation: "flywheel",
      ...trainingContext,
    });
    emit({
      bench: "als",
      metric: "peak_rss",
      value: round(ours.peakRssBytes / 2 ** 20, 1),
      unit: "MiB",
      implementation: "flywheel",
      ...trainingContext,
    });

    const reference = await runImplicit(matrixDir);
    if (reference === undefined) {
      emit({
        bench: "als",
        metric: "implicit_unavailable",
        value: 0,
        unit: "none",
        reason: "python3 -c 'import implicit' failed; pip install implicit",
      });
    } else {
      const theirIteration = median(reference.iterationSeconds);
      emit({
        bench: "als",
        metric: "seconds_per_iteration",
        value: round(theirIteration),
        unit: "s",
        implementation: `implicit ${reference.version}`,
        ...trainingContext,
      });
      emit({
        bench: "als",
        metric: "peak_rss",
        value: round(reference.peakRssBytes / 2 ** 20, 1),
        unit: "MiB",
        implementation: `implicit ${reference.version}`,
        ...trainingContext,
      });
      emit({
        bench: "als",
        metric: "iteration_time_ratio_vs_implicit",
        value: round(ourIteration / theirIteration),
        unit: "x",
        target: 2,
        ...trainingContext,
      });
    }
  } finally {
    await rm(matrixDir, { recursive: true, force: true });
  }
  emit(foldInFigure());
}

async function runImplicit(
  matrixDir: string,
): Promise<{ version: string; iterationSeconds: number[]; peakRssBytes: number } | undefined> {
  try {
    const { stdout } = await run(
      "python3",
      [join(here, "implicit_reference.py"), matrixDir, JSON.stringify(TRAINING)],
      {
        maxBuffer: 1 << 20,
      },
    );
    return JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}");
  } catch (error) {
    if (
      error instanceof Error &&
      /No module named 'implicit'/.test(String((error as { stderr?: string }).stderr))
    )
      return undefined;
    throw error;
  }
}

/** Fold-in latency: 64 factors, 50 interactions per user, against 27K items. */
function foldInFigure(): BenchFigure {
  const factors = 64;
  const items = SHAPE.items;
  const random = new SeededRandom(7);
  const itemFactors = Float32Array.from({ length: items * factors }, () => random.nextGaussian() * 0.1);
  const solver = new FoldInSolver({
    factors,
    itemFactors,
    gram: Float32Array.from(gramMatrix(itemFactors, items, factors)),
    regularization: 0.05,
    alpha: 2,
    cgSteps: 3,
  });
  const users = 5000;
  const histories = Array.from({ length: users }, () => ({
    items: Int32Array.from({ length: 50 }, () => random.nextInt(items)),
    weights: Float32Array.from({ length: 50 }, () => 1 + random.nextInt(8)),
  }));
  for (const h of histories.slice(0, 500)) solver.foldIn(h.items, h.weights); // warm-up (JIT)
  const started = performance.now();
  for (const h of histories) solver.foldIn(h.items, h.weights);
  const perUser = (performance.now() - started) / users;
  return {
    bench: "als",
    metric: "fold_in_ms_per_user",
    value: round(perUser, 4),
    unit: "ms",
    factors,
    interactions: 50,
    target: 0.2,
  };
}
