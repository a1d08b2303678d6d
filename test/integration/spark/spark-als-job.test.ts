import { execFile, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileSystemArchiveStore } from "../../../layers/adapters/embedded/file-system-archive-store.ts";
import { resolveAlsParameters } from "../../../layers/domain/als/als-parameters.ts";
import { archiveEvents } from "../../../layers/domain/archive/archive-events.ts";
import { roundHalfToEven } from "../../../layers/domain/evaluation/data-split.ts";
import { evaluateRecommender } from "../../../layers/domain/evaluation/evaluate-recommender.ts";
import { generateInteractions } from "../../../layers/domain/generator/synthetic-interactions.ts";
import { eventWeight } from "../../../layers/domain/interactions/event-types.ts";
import {
  type InteractionTable,
  InteractionTableBuilder,
} from "../../../layers/domain/interactions/interaction-table.ts";
import type { FactorModel } from "../../../layers/domain/model/factor-model.ts";
import { loadModel } from "../../../layers/domain/model/model-artifact.ts";
import { trainFactorModel } from "../../../layers/domain/model/train-factor-model.ts";
import { FactorRecommender } from "../../../layers/domain/recommenders/factor-recommender.ts";
import type { StreamEvent } from "../../../layers/ports/event-bus.ts";

/**
 * The nightly Spark job (spark/flywheel_spark/train_als.py) on an archive written by the project's own writer:
 * its artifact loads in the TypeScript loader, and on the same holdout its precision@10 is within 0.03 of
 * the TypeScript trainer's with the same hyper-parameters. Needs pyspark (pip) and Java 17.
 */
const SPARK_DIR = fileURLToPath(new URL("../../../spark/", import.meta.url));
const PYSPARK_AVAILABLE = spawnSync("python3", ["-c", "import pyspark"], { stdio: "ignore" }).status === 0;
const JOB_TIMEOUT_MS = 240_000;

const DATA = { users: 300, items: 150, interactions: 24_000, seed: 11, days: 3 } as const;
const HYPER = { factors: 16, iterations: 10, regularization: 1, alpha: 2, seed: 42 } as const;
const HOLDOUT = 0.2;
const K = 10;

interface Pair {
  readonly userId: string;
  readonly itemId: string;
  readonly weight: number;
}

/** The generator's interactions as stream events, each with the id and arrival time the archive needs. */
function syntheticEvents(): StreamEvent[] {
  const events: StreamEvent[] = [];
  for (const row of generateInteractions(DATA)) {
    const millis = row.timestamp * 1000;
    events.push({
      eventId: `ev-${events.length}`,
      userId: row.userId,
      itemId: row.itemId,
      type: row.eventType,
      ...(row.value === undefined ? {} : { value: row.value }),
      timestamp: millis,
      receivedAt: millis + 250,
    });
  }
  return events;
}

/** Weights summed per (user, item), zero sums dropped: the job's (and the CSR builder's) training pairs. */
function aggregatePairs(events: readonly StreamEvent[]): Pair[] {
  const sums = new Map<string, Pair>();
  for (const event of events) {
    const key = `${event.userId}\u0000${event.itemId}`;
    const weight = eventWeight(event.type, event.value);
    const previous = sums.get(key);
    sums.set(key, { userId: event.userId, itemId: event.itemId, weight: (previous?.weight ?? 0) + weight });
  }
  return [...sums.values()].filter((pair) => pair.weight !== 0);
}

/** The job's documented holdout (spark/README.md): per user, pairs by sha256("<seed>|<user>|<item>"), the first round_half_even((1 − h)·n) train. */
function splitLikeTheJob(pairs: readonly Pair[]): { train: Pair[]; test: Pair[] } {
  const byUser = new Map<string, { pair: Pair; key: string }[]>();
  for (const pair of pairs) {
    const key = createHash("sha256").update(`${HYPER.seed}|${pair.userId}|${pair.itemId}`).digest("hex");
    const list = byUser.get(pair.userId) ?? [];
    list.push({ pair, key });
    byUser.set(pair.userId, list);
  }
  const train: Pair[] = [];
  const test: Pair[] = [];
  for (const list of byUser.values()) {
    list.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const trainCount = roundHalfToEven((1 - HOLDOUT) * list.length);
    list.forEach(({ pair }, rank) => {
      (rank < trainCount ? train : test).push(pair);
    });
  }
  return { train, test };
}

function tablesOf(
  train: readonly Pair[],
  test: readonly Pair[],
): { train: InteractionTable; test: InteractionTable } {
  const trainBuilder = new InteractionTableBuilder();
  const testBuilder = new InteractionTableBuilder(trainBuilder.users, trainBuilder.items);
  for (const pair of train) trainBuilder.add(pair.userId, pair.itemId, pair.weight);
  for (const pair of test) testBuilder.add(pair.userId, pair.itemId, pair.weight);
  return { train: trainBuilder.build(), test: testBuilder.build() };
}

function runSparkJob(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "python3",
      ["-m", "flywheel_spark.train_als", ...args],
      { cwd: SPARK_DIR, timeout: JOB_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`spark job failed: ${error.message}\n${stderr.slice(-4000)}`));
        else resolve(stdout);
      },
    );
  });
}

describe.skipIf(!PYSPARK_AVAILABLE)(
  "the Spark ALS job (skipped when `python3 -c 'import pyspark'` fails: pip install pyspark, Java 17)",
  () => {
    let dir = "";
    let sparkModel: FactorModel;
    let pairs: Pair[] = [];
    let eventCount = 0;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "flywheel-spark-"));
      const events = syntheticEvents();
      eventCount = events.length;
      const store = new FileSystemArchiveStore(join(dir, "archive"));
      // Batches of up to 10 000 events, as the event-source mapping delivers them; the first batch is
      // delivered again with other boundaries, so its events sit in the archive twice.
      for (let start = 0; start < events.length; start += 5_000) {
        await archiveEvents(store, `shard-0-${start}`, events.slice(start, start + 5_000));
      }
      await archiveEvents(store, "shard-0-0-redelivered", events.slice(0, 2_000));
      pairs = aggregatePairs(events);
      await runSparkJob([
        "--archive",
        join(dir, "archive"),
        "--out",
        join(dir, "out"),
        "--factors",
        String(HYPER.factors),
        "--iterations",
        String(HYPER.iterations),
        "--regularization",
        String(HYPER.regularization),
        "--alpha",
        String(HYPER.alpha),
        "--seed",
        String(HYPER.seed),
        "--holdout",
        String(HOLDOUT),
        "--k",
        String(K),
        "--version",
        "spark-it-1",
      ]);
      sparkModel = await loadModel(join(dir, "out", "model"));
    }, JOB_TIMEOUT_MS + 30_000);

    afterAll(async () => {
      if (dir !== "") await rm(dir, { recursive: true, force: true });
    });

    it("writes an artifact the TypeScript loader accepts, over every deduplicated event", () => {
      expect(sparkModel.version).toBe("spark-it-1");
      expect(sparkModel.factors).toBe(HYPER.factors);
      expect(sparkModel.userIds.length).toBe(new Set(pairs.map((pair) => pair.userId)).size);
      expect(sparkModel.itemIds.length).toBe(new Set(pairs.map((pair) => pair.itemId)).size);
      expect(sparkModel.dataWindow.interactions).toBe(eventCount);
      expect(sparkModel.parameters).toMatchObject({
        factors: HYPER.factors,
        iterations: HYPER.iterations,
        regularization: HYPER.regularization,
        alpha: HYPER.alpha,
        solver: "cholesky",
        seed: HYPER.seed,
      });
      expect(sparkModel.userFactors.some((value) => value !== 0)).toBe(true);
    });

    it("reaches the TypeScript trainer's precision@10 (within 0.03) on the same holdout", async () => {
      const { train, test } = splitLikeTheJob(pairs);
      const tables = tablesOf(train, test);
      const trained = await trainFactorModel(tables.train, resolveAlsParameters({ ...HYPER }));
      const typescript = evaluateRecommender(
        new FactorRecommender(trained.model),
        tables.train,
        tables.test,
        {
          k: K,
        },
      );
      // The same holdout: the job evaluated the same users on the same number of relevant pairs.
      expect(sparkModel.metrics.holdoutUsers).toBe(typescript.users);
      expect(sparkModel.metrics.holdoutPairs).toBe(test.filter((pair) => pair.weight > 0).length);
      const sparkPrecision = sparkModel.metrics[`precision@${K}`];
      expect(sparkPrecision).toBeDefined();
      console.info(
        JSON.stringify({
          spark: { precision: sparkPrecision, ndcg: sparkModel.metrics[`ndcg@${K}`] },
          typescript: { precision: typescript.precision, ndcg: typescript.ndcg },
          users: typescript.users,
        }),
      );
      expect(typescript.precision).toBeGreaterThan(0);
      expect(Math.abs((sparkPrecision ?? Number.NaN) - typescript.precision)).toBeLessThanOrEqual(0.03);
    }, 120_000);
  },
);
