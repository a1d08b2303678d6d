import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { servingDependenciesFromEnvironment } from "../../../functions/api/serving-dependencies-from-environment.ts";
import { ITEM_VECTORS_ALIAS } from "../../../layers/domain/catalog/item-vectors-alias.ts";
import { DependencyError } from "../../../layers/domain/errors/domain-errors.ts";
import { decodeModel } from "../../../layers/domain/model/model-artifact.ts";
import { recentExportKey } from "../../../layers/domain/pipeline/run-workspace.ts";
import { recommendForUser } from "../../../layers/domain/serving/recommend-for-user.ts";
import { waitForOpenSearch } from "../../../local/cloud/opensearch/wait-for-opensearch.ts";
import { runLocalNightly } from "../../../local/pipeline/local-nightly-run.ts";
import type { NightlyInput } from "../../../local/pipeline/run-nightly.ts";
import {
  type PipelineSeedResult,
  seedPipelineData,
  seedTargetsFromEnvironment,
} from "../../../local/pipeline/seed-pipeline-data.ts";
import {
  deleteStreamingResources,
  type LocalStreamingResources,
  provisionStreamingResources,
} from "../../../local/runtime/local-streaming-path.ts";
import { uniqueId } from "../../contract/unique-id.ts";

// `npm run pipeline` as a test: the nightly definition run by aws-local-stepfunctions over the pipeline
// Lambdas' own AWS adapters (DynamoDB Local, S3 on moto, the OpenSearch k-NN node), reading a seeded Parquet
// archive plus the interaction log, and the serving path answering from the new model afterwards.

const handoff = inject("localCloudOpenSearch");
const PYSPARK = spawnSync("python3", ["-c", "import pyspark"], { stdio: "ignore" }).status === 0;
const SETTINGS = {
  als: {
    factors: 8,
    iterations: 4,
    regularization: 1,
    alpha: 2,
    solver: "cholesky" as const,
    cgSteps: 3,
    seed: 42,
    threads: 1,
  },
  usersPerBatchFile: 100,
};

let resources: LocalStreamingResources;
let env: NodeJS.ProcessEnv;
let seeded: PipelineSeedResult;

const input = (runId: string, trainer: NightlyInput["trainer"] = "embedded"): NightlyInput => ({
  runId,
  trainer,
  qualityGate: { maxNdcgDrop: 1 },
});

describe.skipIf(handoff.state === "off")("the nightly cycle on the local cloud", () => {
  beforeAll(async () => {
    vi.spyOn(console, "info").mockImplementation(() => {});
    if (handoff.state === "launched") {
      await waitForOpenSearch({
        endpoint: handoff.endpoint,
        statusFile: handoff.statusFile,
        timeoutMs: 90_000,
      });
    }
    resources = await provisionStreamingResources(uniqueId("flywheel-nightly"), 1);
    env = { ...process.env, ...resources.env };
    seeded = await seedPipelineData(seedTargetsFromEnvironment(env), {
      users: 150,
      items: 120,
      interactions: 4_000,
      seed: 5,
      recentShare: 0.05,
    });
  }, 240_000);

  afterAll(async () => {
    if (resources !== undefined) await deleteStreamingResources(resources);
    vi.restoreAllMocks();
  }, 60_000);

  it("trains on the archive plus the log, activates the version, swaps the alias, and serving answers from it", async () => {
    const { result, deps } = await runLocalNightly(input("nightly-1"), { settings: SETTINGS }, env);

    expect(result.status, result.cause).toBe("SUCCEEDED");
    expect((await deps.registry.active())?.version).toBe("nightly-1");
    expect(await deps.vectorIndex.resolveAlias(ITEM_VECTORS_ALIAS)).toBe("items-nightly-1");
    // The log's events reached training through the run's export (the Spark job's --recent file too).
    const exported = new TextDecoder().decode(await deps.workspace.get(recentExportKey("nightly-1")));
    expect(seeded.logged).toBeGreaterThan(0);
    expect(exported.trim().split("\n")).toHaveLength(seeded.logged);

    const serving = servingDependenciesFromEnvironment(env);
    const answer = await recommendForUser(serving, {
      userId: "u7",
      limit: 5,
      exclude: [],
      diversity: "none",
    });
    expect(answer.modelVersion).toBe("nightly-1");
    expect(["batch", "realtime", "cache"]).toContain(answer.source);
    expect(answer.items).toHaveLength(5);
  }, 300_000);

  it("a failing vector refresh leaves the active model and the alias as they were", async () => {
    const { result, deps } = await runLocalNightly(
      input("nightly-broken"),
      {
        settings: SETTINGS,
        handlerOverrides: {
          RefreshVectors: async () => {
            throw new DependencyError("opensearch", "cluster red");
          },
        },
      },
      env,
    );

    expect(result.status).toBe("FAILED");
    expect((await deps.registry.active())?.version).toBe("nightly-1");
    expect(await deps.vectorIndex.resolveAlias(ITEM_VECTORS_ALIAS)).toBe("items-nightly-1");
    expect(result.notifications.map((n) => n.subject).join(" ")).toMatch(/fail/i);
  }, 300_000);

  it.skipIf(!PYSPARK)(
    "trains on Spark (local mode, staged from S3) and the next version takes over",
    async () => {
      const { result, deps } = await runLocalNightly(
        input("nightly-spark", "spark"),
        { settings: SETTINGS },
        env,
      );

      expect(result.status, result.cause).toBe("SUCCEEDED");
      expect(result.visited).toContain("TrainOnSpark");
      const active = await deps.registry.active();
      expect(active?.version).toBe("nightly-spark");
      expect((await deps.registry.get("nightly-1"))?.status).toBe("archived");
      expect(await deps.vectorIndex.resolveAlias(ITEM_VECTORS_ALIAS)).toBe("items-nightly-spark");
      const files = await deps.models.getFiles("nightly-spark");
      expect(decodeModel(files).factors).toBe(8);
      // Written by the Spark job: its manifest carries the Spark-only parameters.
      const manifest = JSON.parse(new TextDecoder().decode(files.get("manifest.json")));
      expect(manifest.parameters).toMatchObject({ implicitPrefs: true, factors: 8 });

      const serving = servingDependenciesFromEnvironment(env);
      expect(
        (await recommendForUser(serving, { userId: "u7", limit: 5, exclude: [], diversity: "none" }))
          .modelVersion,
      ).toBe("nightly-spark");
    },
    600_000,
  );
});
