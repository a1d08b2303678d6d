// `npm run bench -- pipeline`: one nightly cycle on the local cloud over a generated data set (1M interactions
// by default: FLYWHEEL_BENCH_PIPELINE_INTERACTIONS), the real state machine definition over the pipeline
// Lambdas' AWS adapters (DynamoDB Local, S3 on moto, the OpenSearch k-NN node). The cycle runs twice on the
// same archive: once with the embedded TypeScript trainer, once with the Spark job in local mode, so the two
// training times (and qualities) are measured side by side in the same run. Spark's time includes its JVM
// start and the S3 staging of its inputs, as an EMR job's includes its start-up.
import { spawnSync } from "node:child_process";
import { resolveAlsParameters } from "../layers/domain/als/als-parameters.ts";
import { startLocalCloud } from "../local/cloud/local-cloud.ts";
import { runLocalNightly } from "../local/pipeline/local-nightly-run.ts";
import type { NightlyInput, NightlyRunResult } from "../local/pipeline/run-nightly.ts";
import { seedPipelineData, seedTargetsFromEnvironment } from "../local/pipeline/seed-pipeline-data.ts";
import {
  deleteStreamingResources,
  provisionStreamingResources,
} from "../local/runtime/local-streaming-path.ts";
import { type BenchFigure, round } from "./bench-figure.ts";

const INTERACTIONS = Number(process.env.FLYWHEEL_BENCH_PIPELINE_INTERACTIONS ?? 1_000_000);
const USERS = Math.max(100, Math.round(INTERACTIONS / 20));
const ITEMS = Math.max(100, Math.round(INTERACTIONS / 50));
/** The same recipe for both trainers; fewer factors and sweeps than production so the bench ends in minutes. */
const ALS = resolveAlsParameters({ factors: 64, iterations: 10, regularization: 34, alpha: 1 });
const STEPS = [
  "PrepareData",
  "TrainEmbedded",
  "TrainOnSpark",
  "Evaluate",
  "RefreshVectors",
  "PlanBatchRecs",
  "PublishBatchRecs",
  "RegisterModel",
];

export async function runPipelineBench(print: (figure: BenchFigure) => void): Promise<void> {
  const cloud = await startLocalCloud({ opensearch: { start: "awaited" }, log: () => {} });
  const previous = { ...process.env };
  Object.assign(process.env, cloud.env);
  const resources = await provisionStreamingResources(
    `flywheel-bench-pipeline-${Date.now().toString(36)}`,
    1,
  );
  try {
    const env = { ...process.env, ...resources.env };
    const seedStarted = performance.now();
    const seeded = await seedPipelineData(seedTargetsFromEnvironment(env), {
      users: USERS,
      items: ITEMS,
      interactions: INTERACTIONS,
      seed: 42,
      recentShare: 0.01,
    });
    const context = {
      interactions: INTERACTIONS,
      users: USERS,
      items: ITEMS,
      archived: seeded.archived,
      logged: seeded.logged,
      factors: ALS.factors,
      iterations: ALS.iterations,
      adapters: "local cloud (DynamoDB Local, S3 on moto, OpenSearch 2.19 k-NN)",
    };
    print({
      bench: "pipeline",
      metric: "seed_time",
      value: round((performance.now() - seedStarted) / 1000, 1),
      unit: "s",
      ...context,
    });

    const cycle = async (input: NightlyInput) => {
      const started = performance.now();
      const { result, deps } = await runLocalNightly(input, { settings: { als: ALS } }, env);
      const wall = (performance.now() - started) / 1000;
      if (result.status !== "SUCCEEDED") {
        // The Fail state's cause is generic; the failure itself travels in the failure notification.
        const why = result.notifications.map((n) => n.message).join("\n");
        throw new Error(`${input.runId}: ${result.error}: ${result.cause}\n${why}`);
      }
      const model = await deps.registry.get(input.runId ?? "");
      return { result, wall, ndcg: model?.metrics["ndcg@10"] ?? Number.NaN };
    };
    const report = (trainer: string, run: { result: NightlyRunResult; wall: number; ndcg: number }) => {
      print({
        bench: "pipeline",
        metric: "cycle_wall_time",
        value: round(run.wall, 1),
        unit: "s",
        trainer,
        ...context,
      });
      for (const step of run.result.steps) {
        if (!STEPS.includes(step.state)) continue;
        print({
          bench: "pipeline",
          metric: "step_time",
          value: round(step.ms / 1000, 2),
          unit: "s",
          step: step.state,
          trainer,
        });
      }
      const publish = run.result.steps.find((step) => step.state === "PublishBatchRecs");
      if (publish !== undefined && publish.ms > 0) {
        print({
          bench: "pipeline",
          metric: "batch_publish_rate",
          value: Math.round(USERS / (publish.ms / 1000)),
          unit: "users/s",
          trainer,
          users: USERS,
        });
      }
      print({
        bench: "pipeline",
        metric: "candidate_ndcg_at_10",
        value: round(run.ndcg, 4),
        unit: "ndcg@10",
        trainer,
      });
    };

    report(
      "embedded",
      await cycle({ runId: "bench-embedded", trainer: "embedded", qualityGate: { maxNdcgDrop: 1 } }),
    );
    if (spawnSync("python3", ["-c", "import pyspark"], { stdio: "ignore" }).status === 0) {
      report(
        "spark",
        await cycle({ runId: "bench-spark", trainer: "spark", qualityGate: { maxNdcgDrop: 1 } }),
      );
    } else {
      console.error("pipeline bench: pyspark is not installed; the Spark trainer's figures are skipped");
    }
  } finally {
    await deleteStreamingResources(resources);
    await cloud.stop();
    for (const key of Object.keys(process.env)) if (!(key in previous)) delete process.env[key];
    Object.assign(process.env, previous);
  }
}
