// `npm run bench -- coldstart`: every Lambda bundled as it is deployed (infra/bundling/lambda-bundle-options.ts)
// and loaded in fresh Node processes, as the Lambda runtime loads a handler at init. Per bundle: its size
// (bundle_size: the bundle file and the chunks it imports statically, everything init reads), and
// the median over FLYWHEEL_BENCH_COLDSTART_RUNS (default 11: the VM's speed drifts) processes of the import time (from just before
// `import()` to the handlers being functions, measured inside the process; init_cpu_ms is the CPU time of the
// same span, which competing processes hardly change) and of the process's wall time (spawn to exit,
// measured outside); processes run one at a time, round-robin over the bundles. The bundles import nothing
// but Node's own modules (the AWS SDK is bundled): beside them is an empty node_modules, so a bundle that
// relied on an installed package fails here as it would in Lambda. Only the bundle is imported: the chunks
// only the handler's `import()` reaches are read when first used, as in Lambda, and counted in package_size. The API handlers are built as the default stage (Kinesis) builds them; the handlers that
// publish events are also built and loaded as an MSK stage runs them (variant msk-stage). Then, per stage,
// the largest API bundle and the slowest API init against the targets of docs/lambda-packaging.md, with the
// machine they were measured on, and the largest package (bundle and chunks) beside them; and
// floor_init_ms, the init of the DynamoDB and Redis clients alone (bench/coldstart-floor-handler.ts), which
// no handler that builds both at init can beat on that machine, and again with Powertools and middy added
// (bench/coldstart-observed-floor-handler.ts): the same bound for a handler observed as issue 7 asks.
//
// FLYWHEEL_BENCH_COLDSTART_DEBUG=1 adds, per bundle, the largest inputs (by package; ours by folder).
// FLYWHEEL_BENCH_COLDSTART_COMPARE=1 adds, per API handler and for the floor, three other packagings: the
// AWS SDK from the runtime (loaded from this repository's node_modules, as from /var/runtime/node_modules);
// every package left out (what a bundle would hold if all dependencies came from a layer); and one file
// without code splitting (what `import()` reaches inlined).
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { HANDLERS } from "../functions/api/route-table.ts";
import {
  type BundleVariant,
  bundleInputsBySource,
  bundleLambdaEntry,
  type LambdaBundle,
  provideRuntimeModules,
} from "../infra/bundling/bundle-lambda-entry.ts";
import { type BundledEventBus, REPOSITORY_ROOT } from "../infra/bundling/lambda-bundle-options.ts";
import {
  type FreshProcessLoad,
  loadBundleInFreshProcess,
} from "../infra/bundling/load-bundle-in-fresh-process.ts";
import { placeholderInitEnvironment } from "../infra/bundling/placeholder-init-environment.ts";
import { INGEST_HANDLER_ENTRIES } from "../infra/stacks/ingest-stack.ts";
import { type BenchFigure, median, round } from "./bench-figure.ts";

/** The targets (issue 7): every API bundle under 1 MB (10^6 bytes), and local init under 150 ms. */
export const COLDSTART_TARGETS = { apiBundleBytes: 1_000_000, apiInitMs: 150 } as const;

const FUNCTIONS_DIRECTORY = resolve(REPOSITORY_ROOT, "functions");
/** The pipeline's state handlers: one module, one export per state (functions/pipeline/pipeline-handlers.ts). */
const PIPELINE_HANDLERS_ENTRY = "pipeline/pipeline-handlers.ts";
/** Not deployed: the DynamoDB and Redis clients alone, the init no data-serving handler can beat here. */
const FLOOR_HANDLER_ENTRY = resolve(REPOSITORY_ROOT, "bench/coldstart-floor-handler.ts");
/** Not deployed: the same clients with Powertools (logger, metrics, tracer) and middy, built with defaults. */
const OBSERVED_FLOOR_HANDLER_ENTRY = resolve(REPOSITORY_ROOT, "bench/coldstart-observed-floor-handler.ts");
/** The MSK topic custom resource (infra/constructs/msk-serverless-event-bus.ts), deployed with MSK only. */
const KAFKA_TOPIC_HANDLER_ENTRY = resolve(REPOSITORY_ROOT, "infra/custom-resources/kafka-topic-handler.ts");

type LambdaKind = "api" | "ingest" | "pipeline" | "custom-resource" | "floor";

interface LambdaEntry {
  readonly handler: string;
  readonly kind: LambdaKind;
  readonly entry: string;
  readonly handlers: "handler" | "all";
  /** The stage's event bus the bundle is built for, as the API stack builds the API handlers. */
  readonly eventBus?: BundledEventBus;
}

/** The event-bus module: a bundle that holds it publishes events, and differs between Kinesis and MSK stages. */
const EVENT_BUS_MODULE = "functions/commons/event-bus-from-environment.ts";

/** Every Lambda the app deploys, from the tables the stacks build them from. */
export function lambdaEntries(): LambdaEntry[] {
  return [
    // As the default stage (Kinesis) deploys them; the MSK stage's publishing handlers are added by the bench.
    ...Object.entries(HANDLERS).map(([handler, definition]) => ({
      handler,
      kind: "api" as const,
      entry: resolve(FUNCTIONS_DIRECTORY, definition.entry),
      handlers: "handler" as const,
      eventBus: "kinesis" as const,
    })),
    ...Object.entries(INGEST_HANDLER_ENTRIES).map(([handler, entry]) => ({
      handler,
      kind: "ingest" as const,
      entry: resolve(FUNCTIONS_DIRECTORY, entry),
      handlers: "handler" as const,
    })),
    {
      handler: "pipeline",
      kind: "pipeline",
      entry: resolve(FUNCTIONS_DIRECTORY, PIPELINE_HANDLERS_ENTRY),
      handlers: "all",
    },
    {
      handler: "kafka-topic",
      kind: "custom-resource",
      entry: KAFKA_TOPIC_HANDLER_ENTRY,
      handlers: "handler",
    },
    { handler: "dynamodb-and-redis-clients", kind: "floor", entry: FLOOR_HANDLER_ENTRY, handlers: "handler" },
    {
      handler: "dynamodb-redis-and-observability",
      kind: "floor",
      entry: OBSERVED_FLOOR_HANDLER_ENTRY,
      handlers: "handler",
    },
  ];
}

/** The variant name of the MSK stage's publishing API handlers. */
const MSK_STAGE = "msk-stage";

/** The SDK as the Lambda runtime provides it (/var/runtime/node_modules). */
const RUNTIME_SDK = ["@aws-sdk/*", "@smithy/*"];

/** `runtimeModules`: what sits in node_modules beside the bundles, as the runtime or a layer would provide it. */
const VARIANTS: Record<string, BundleVariant & { readonly runtimeModules: readonly string[] | "all" }> = {
  "sdk-from-runtime": { external: RUNTIME_SDK, runtimeModules: RUNTIME_SDK },
  "all-packages-external": { allPackagesExternal: true, runtimeModules: "all" },
  "single-file": { splitting: false, runtimeModules: [] },
};

/** One bundle to measure: a Lambda in the shared packaging, or in a compared variant. */
interface Job {
  readonly lambda: LambdaEntry;
  /** `msk-stage`: an API handler built and configured for an MSK stage; otherwise a compared packaging. */
  readonly variant: string | undefined;
  readonly bundle: LambdaBundle;
  readonly loads: FreshProcessLoad[];
  failure?: string;
}

export async function runColdstartBench(print: (figure: BenchFigure) => void): Promise<void> {
  const runs = positiveInteger(process.env.FLYWHEEL_BENCH_COLDSTART_RUNS, 11);
  const debug = process.env.FLYWHEEL_BENCH_COLDSTART_DEBUG === "1";
  const compare = process.env.FLYWHEEL_BENCH_COLDSTART_COMPARE === "1";
  const figure = (metric: string, value: number, unit: string, context: Record<string, unknown>) =>
    print({ bench: "coldstart", metric, value, unit, ...context });
  const workspace = await mkdtemp(join(tmpdir(), "flywheel-coldstart-"));
  const failures: string[] = [];
  const jobs: Job[] = [];
  try {
    // Bundles sit beside a node_modules holding only what they may take from the runtime (nothing, today).
    await provideRuntimeModules(workspace);
    const bundleInto = async (
      lambda: LambdaEntry,
      directory: string,
      variant?: string,
      options: BundleVariant = {},
    ) => {
      try {
        const bundle = await bundleLambdaEntry(lambda.entry, join(directory, lambda.handler), {
          ...options,
          ...(lambda.eventBus === undefined ? {} : { target: { eventBus: lambda.eventBus } }),
        });
        // An MSK stage differs only where events are published; the other handlers are the same bundles.
        if (lambda.eventBus === "msk" && !(EVENT_BUS_MODULE in bundle.metafile.inputs)) return;
        jobs.push({ lambda, variant, bundle, loads: [] });
      } catch (error) {
        failures.push(`${variant ?? "shared"} ${lambda.handler}: ${messageOf(error)}`);
      }
    };
    for (const lambda of lambdaEntries()) await bundleInto(lambda, workspace);
    const mskStage = join(workspace, MSK_STAGE);
    await mkdir(mskStage);
    await provideRuntimeModules(mskStage);
    for (const lambda of lambdaEntries().filter((candidate) => candidate.kind === "api")) {
      await bundleInto({ ...lambda, eventBus: "msk" }, mskStage, MSK_STAGE);
    }
    if (compare) {
      for (const [variant, options] of Object.entries(VARIANTS)) {
        const directory = join(workspace, variant);
        await mkdir(directory);
        await provideRuntimeModules(
          directory,
          options.runtimeModules === "all" ? { everything: true } : { external: options.runtimeModules },
        );
        // The floor too: how far another packaging could bring the clients' own load down.
        const compared = lambdaEntries().filter(({ kind }) => kind === "api" || kind === "floor");
        for (const lambda of compared) {
          await bundleInto(lambda, directory, variant, options);
        }
      }
    }
    // Round-robin, one process at a time: a change in the machine's load over the run touches every bundle
    // alike instead of the ones measured at that moment.
    for (let run = 0; run < runs; run++) {
      for (const job of jobs.filter((candidate) => candidate.failure === undefined)) {
        try {
          job.loads.push(
            await loadBundleInFreshProcess(job.bundle.file, {
              env: placeholderInitEnvironment(
                `flywheel-${job.lambda.handler}`,
                job.lambda.eventBus === "msk" ? { FLYWHEEL_EVENT_BUS: "msk" } : {},
              ),
              handlers: job.lambda.handlers,
            }),
          );
        } catch (error) {
          job.failure = messageOf(error);
          failures.push(`${job.variant ?? "shared"} ${job.lambda.handler}: ${job.failure}`);
        }
      }
    }
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }

  /**
   * `bytes`: what the runtime reads at init (the bundle and the chunks it imports statically);
   * `packageBytes`: with the chunks loaded on first use.
   */
  type ApiFigures = { handler: string; bytes: number; packageBytes: number; initMs: number };
  const api: ApiFigures[] = [];
  const mskApi: ApiFigures[] = [];
  for (const { lambda, variant, bundle, loads, failure } of jobs) {
    if (failure !== undefined) continue;
    const context = {
      handler: lambda.handler,
      kind: lambda.kind,
      ...(variant === undefined ? {} : { variant }),
    };
    const initMs = round(median(loads.map((load) => load.importMs)), 1);
    figure("bundle_size", bundle.bytes, "bytes", context);
    if (bundle.packageBytes !== bundle.bytes) figure("package_size", bundle.packageBytes, "bytes", context);
    figure("init_ms", initMs, "ms", { ...context, runs });
    figure("init_cpu_ms", round(median(loads.map((load) => load.importCpuMs)), 1), "ms", {
      ...context,
      runs,
    });
    if (lambda.kind === "floor") {
      figure("floor_init_ms", initMs, "ms", {
        handler: lambda.handler,
        runs,
        ...(variant === undefined ? {} : { variant }),
      });
    }
    const sizes = { handler: lambda.handler, bytes: bundle.bytes, packageBytes: bundle.packageBytes, initMs };
    if (variant === MSK_STAGE) mskApi.push(sizes);
    if (variant !== undefined) continue;
    figure("process_ms", round(median(loads.map((load) => load.processMs)), 1), "ms", { ...context, runs });
    if (debug) {
      for (const { source, bytes } of bundleInputsBySource(bundle).slice(0, 8)) {
        figure("input_bytes", bytes, "bytes", { ...context, source });
      }
    }
    if (lambda.kind === "api") api.push(sizes);
  }
  // The default stage (Kinesis) first: every API handler. Then the MSK stage's publishing handlers, with
  // the Kafka client in the bundle and loading at init.
  for (const [stage, handlers] of [
    ["kinesis", api],
    ["msk", mskApi],
  ] as const) {
    const largest = maxBy(handlers, (entry) => entry.bytes);
    const largestPackage = maxBy(handlers, (entry) => entry.packageBytes);
    const slowest = maxBy(handlers, (entry) => entry.initMs);
    if (largest === undefined || largestPackage === undefined || slowest === undefined) continue;
    const target = COLDSTART_TARGETS;
    // The target on the bundle (what init reads: the bundle file and the chunks it imports statically), and
    // the same bound on the whole package for comparison: the other chunks are read on first use.
    figure("api_max_bundle_size", largest.bytes, "bytes", {
      stage,
      handler: largest.handler,
      target: target.apiBundleBytes,
      met: largest.bytes < target.apiBundleBytes,
    });
    figure("api_max_package_size", largestPackage.packageBytes, "bytes", {
      stage,
      handler: largestPackage.handler,
      bound: target.apiBundleBytes,
      within: largestPackage.packageBytes < target.apiBundleBytes,
    });
    // Init times depend on the machine and on what else runs on it: both are recorded with the figure.
    figure("api_max_init_ms", slowest.initMs, "ms", {
      stage,
      handler: slowest.handler,
      target: target.apiInitMs,
      met: slowest.initMs < target.apiInitMs,
      runs,
      node: process.versions.node,
      cpu: cpus()[0]?.model ?? "unknown",
      cpus: availableParallelism(),
      loadavg1m: round(loadavg()[0] ?? 0, 2),
    });
  }
  if (failures.length > 0) {
    throw new Error(`coldstart: ${failures.length} bundle(s) failed:\n${failures.join("\n")}`);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function maxBy<T>(items: readonly T[], value: (item: T) => number): T | undefined {
  let best: T | undefined;
  for (const item of items) if (best === undefined || value(item) > value(best)) best = item;
  return best;
}

function positiveInteger(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`FLYWHEEL_BENCH_COLDSTART_RUNS must be a positive integer, got ${JSON.stringify(raw)}`);
  }
  return value;
}
