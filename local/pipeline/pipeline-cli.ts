// `npm run pipeline -- [--trainer embedded|spark] [--users N] [--items N] [--interactions N] [--seed N]`
// One nightly cycle on the local cloud, end to end: start the emulators (and the OpenSearch k-NN node),
// provision the tables, stream and bucket, seed a generated catalog and its interactions (the older ones in
// the Parquet archive, the newest only in the interaction log), run the real state machine definition over
// the pipeline Lambdas' own adapters, then ask the serving path for a user's recommendations from the new
// model. Everything started is stopped at the end, or on Ctrl-C within 5 s.
import { parseArgs } from "node:util";
import { TerminalProgress } from "../../cli/terminal-progress.ts";
import { servingDependenciesFromEnvironment } from "../../functions/api/serving-dependencies-from-environment.ts";
import { recommendForUser } from "../../layers/domain/serving/recommend-for-user.ts";
import { type LocalCloud, startLocalCloud } from "../cloud/local-cloud.ts";
import { provisionStreamingResources } from "../runtime/local-streaming-path.ts";
import { runLocalNightly } from "./local-nightly-run.ts";
import { seedPipelineData, seedTargetsFromEnvironment } from "./seed-pipeline-data.ts";

const STOP_DEADLINE_MS = 4_500;

const { values } = parseArgs({
  options: {
    trainer: { type: "string", default: "embedded" },
    users: { type: "string", default: "2000" },
    items: { type: "string", default: "1000" },
    interactions: { type: "string", default: "100000" },
    seed: { type: "string", default: "42" },
    help: { type: "boolean", short: "h", default: false },
  },
  strict: true,
});

if (values.help) {
  console.log(
    "usage: npm run pipeline -- [--trainer embedded|spark] [--users 2000] [--items 1000] [--interactions 100000] [--seed 42]\n" +
      "spark: the PySpark job in local mode (pip install pyspark==4.3.0 numpy; Java 17)",
  );
  process.exit(0);
}
const trainer = values.trainer;
if (trainer !== "embedded" && trainer !== "spark")
  fail(`--trainer must be embedded or spark, got ${trainer}`);
const users = positiveInteger("users", values.users, 10_000_000);
const items = positiveInteger("items", values.items, 1_000_000);
const interactions = positiveInteger("interactions", values.interactions, 50_000_000);
const seed = positiveInteger("seed", values.seed, 2 ** 32 - 1);

let cloud: LocalCloud | undefined;
const stop = async (code: number) => {
  setTimeout(() => process.exit(code === 0 ? 1 : code), STOP_DEADLINE_MS).unref();
  await cloud?.stop();
  process.exit(code);
};
process.once("SIGINT", () => void stop(130));
process.once("SIGTERM", () => void stop(143));

try {
  cloud = await startLocalCloud({ opensearch: { start: "awaited" } });
  Object.assign(process.env, cloud.env);
  const resources = await provisionStreamingResources(`flywheel-pipeline-${Date.now().toString(36)}`, 1);
  const env = { ...process.env, ...resources.env };
  Object.assign(process.env, resources.env);

  const progress = new TerminalProgress();
  const seeded = await seedPipelineData(seedTargetsFromEnvironment(env), {
    users,
    items,
    interactions,
    seed,
    progress: (done, total) => progress.bar("seeding", done, total),
  });
  progress.done();
  console.error(
    `seeded ${seeded.items} items, ${seeded.archived} archived interactions, ${seeded.logged} in the log`,
  );

  const runId = `local-${Date.now().toString(36)}`;
  const started = performance.now();
  const { result } = await runLocalNightly(
    { runId, trainer, qualityGate: { maxNdcgDrop: 0.02 } },
    {
      onEvent: (event) => {
        if (event.type === "StateEntered" && "state" in event) progress.line(`running ${event.state.name}`);
      },
    },
    env,
  );
  progress.done();
  for (const step of result.steps)
    console.error(`  ${step.state.padEnd(24)} ${(step.ms / 1000).toFixed(2)} s`);
  console.error(
    `nightly run ${runId}: ${result.status} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  if (result.status !== "SUCCEEDED") {
    console.error(`${result.error}: ${result.cause}`);
    await stop(1);
  }

  const answer = await recommendForUser(servingDependenciesFromEnvironment(env), {
    userId: "u1",
    limit: 5,
    exclude: [],
    diversity: "none",
  });
  console.log(
    JSON.stringify({
      runId,
      userId: answer.userId,
      source: answer.source,
      modelVersion: answer.modelVersion,
      items: answer.items.map((item) => item.itemId),
    }),
  );
  await stop(0);
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  await stop(1);
}

function positiveInteger(name: string, text: string | undefined, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text ?? "") || !Number.isSafeInteger(value) || value < 1 || value > max) {
    fail(`--${name} must be an integer from 1 to ${max}, got ${text}`);
  }
  return value;
}

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}
