import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { type LocalCloud, startLocalCloud } from "../local/cloud/local-cloud.ts";
import { type BenchFigure, median, round } from "./bench-figure.ts";

export interface HarnessBenchOptions {
  /** Warm starts measured after the cold one; the median is reported. @default 3 */
  readonly warmRuns?: number;
}

/**
 * How long the local cloud takes to start, all emulators in parallel and each one, and to stop.
 * Cold: kinesis-mock without Node's compile cache (as on a fresh clone); warm: with it, the JVM, Python and
 * the OS file cache having run before. Runs on this machine's emulators; the load average is reported with
 * each figure because a busy machine slows every start.
 */
export async function runHarnessBench(options: HarnessBenchOptions = {}): Promise<BenchFigure[]> {
  const warmRuns = options.warmRuns ?? 3;
  const context = { cpus: cpus().length, node: process.version };
  const figures: BenchFigure[] = [];

  const emptyCache = mkdtempSync(join(tmpdir(), "flywheel-cold-compile-cache-"));
  try {
    const cold = await measureOnce({ kinesis: { compileCacheDir: emptyCache } });
    figures.push(...startFigures(cold, "cold", 1, context));
  } finally {
    rmSync(emptyCache, { recursive: true, force: true });
  }

  const warm: Measurement[] = [];
  for (let run = 0; run < warmRuns; run++) warm.push(await measureOnce({}));
  figures.push(...startFigures(medianMeasurement(warm), "warm", warmRuns, context));
  return figures;
}

interface Measurement {
  readonly startMs: number;
  readonly stopMs: number;
  readonly perService: ReadonlyMap<string, number>;
  readonly loadAverage: number;
}

async function measureOnce(overrides: { kinesis?: { compileCacheDir: string } }): Promise<Measurement> {
  const loadAverage = loadavg()[0] ?? 0;
  const cloud: LocalCloud = await startLocalCloud({ log: () => {}, ...overrides });
  const stoppedAt = performance.now();
  await cloud.stop();
  const stopMs = performance.now() - stoppedAt;
  const perService = new Map(cloud.services.map((info) => [info.service, info.startMs ?? 0]));
  return { startMs: cloud.startMs, stopMs, perService, loadAverage };
}

function medianMeasurement(runs: readonly Measurement[]): Measurement {
  const services = [...(runs[0]?.perService.keys() ?? [])];
  return {
    startMs: median(runs.map((run) => run.startMs)),
    stopMs: median(runs.map((run) => run.stopMs)),
    perService: new Map(
      services.map((service) => [service, median(runs.map((run) => run.perService.get(service) ?? 0))]),
    ),
    loadAverage: median(runs.map((run) => run.loadAverage)),
  };
}

function startFigures(
  measurement: Measurement,
  phase: "cold" | "warm",
  runs: number,
  context: Record<string, unknown>,
): BenchFigure[] {
  const shared = { phase, runs, loadAverage1m: round(measurement.loadAverage, 2), ...context };
  return [
    {
      bench: "adapters",
      metric: "harness_start_ms",
      value: round(measurement.startMs, 0),
      unit: "ms",
      service: "all",
      ...shared,
    },
    ...[...measurement.perService].map(([service, startMs]) => ({
      bench: "adapters",
      metric: "harness_start_ms",
      value: round(startMs, 0),
      unit: "ms",
      service,
      ...shared,
    })),
    {
      bench: "adapters",
      metric: "harness_stop_ms",
      value: round(measurement.stopMs, 0),
      unit: "ms",
      service: "all",
      ...shared,
    },
  ];
}
