import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createStepFunctionsClient } from "../../layers/adapters/aws/stepfunctions/step-functions-client.ts";
import { StepFunctionsTrainingRuns } from "../../layers/adapters/aws/stepfunctions/step-functions-training-runs.ts";
import { InMemoryVectorIndex } from "../../layers/adapters/embedded/in-memory-vector-index.ts";
import { startTrainingRun } from "../../layers/domain/training-runs/start-training-run.ts";
import type { TrainingRun } from "../../layers/ports/training-runs.ts";
import { LOCAL_ADMIN_CREDENTIAL, startLocalApiGateway } from "../api/local-api-gateway.ts";
import { LOCAL_CREDENTIALS } from "../cloud/local-cloud.ts";
import { localSparkTrainer } from "../pipeline/local-spark-trainer.ts";
import { provisionStreamingResources, startLocalStreamingPath } from "../runtime/local-streaming-path.ts";
import type { LocalStateMachine } from "../stepfunctions/local-step-functions-server.ts";
import { startLocalStepFunctions } from "../stepfunctions/local-step-functions-server.ts";
import { nightlyStateMachine } from "../stepfunctions/nightly-state-machine.ts";
import { DeferredVectorIndex } from "./deferred-vector-index.ts";
import { startEmbeddedStreamConsumer } from "./embedded-stream-consumer.ts";
import { instrumentHandlers } from "./instrumented-handlers.ts";
import { chooseVectorIndex, type LocalServices, startLocalServices } from "./local-services.ts";
import { startLocalWebServer } from "./local-web-server.ts";
import { generatedDataSet, loadDataSet, type RuntimeDataSet } from "./runtime-data-set.ts";
import { runtimeDependencies } from "./runtime-dependencies.ts";
import { runtimeHandlers } from "./runtime-handlers.ts";
import {
  embeddedCachePorts,
  embeddedPorts,
  emulatorPorts,
  type RuntimePorts,
  redisCachePorts,
} from "./runtime-ports.ts";
import { RuntimeStats } from "./runtime-stats.ts";
import { type SeedResult, seedRuntimeData } from "./seed-runtime-data.ts";
import { kinesisStreamConsumer, type StreamConsumer } from "./stream-consumer.ts";
import { buildWebApp, WEB_DIST_DIRECTORY, type WebBuild, webBuildIsStale } from "./web-build.ts";

export const NIGHTLY_STATE_MACHINE_ARN =
  "arn:aws:states:us-east-1:000000000000:stateMachine:flywheel-local-nightly";
const REGION = "us-east-1";
/** How long stopping waits for any one part: `npm start` promises to be gone within 5 s of Ctrl-C. */
const STOP_BUDGET_MS = 3_500;
const STAGE_NAME = "local";
/** The nightly run's Task states whose end moves the training bar (the embedded trainer's path). */
const TRAINING_MILESTONES = [
  "PrepareData",
  "TrainEmbedded",
  "Evaluate",
  "RefreshVectors",
  "PublishBatchRecs",
  "RegisterModel",
] as const;

export type DataSource =
  | {
      readonly kind: "generated";
      readonly users: number;
      readonly items: number;
      readonly interactions: number;
      readonly seed: number;
    }
  | { readonly kind: "file"; readonly path: string };

export interface FlywheelStartOptions {
  readonly data: DataSource;
  /** The API front's port. @default 3000 (0: a free port) */
  readonly port?: number;
  /** The web app's port. @default the API's port + 1 (a free port when the API's is 0) */
  readonly webPort?: number;
  /** No emulator: every port on its embedded adapter. @default false */
  readonly embedded?: boolean;
  /** @default FLYWHEEL_LOCAL_API_KEY, else a random key */
  readonly apiKey?: string;
  /** Build web/dist when it is missing or older than its sources. @default true */
  readonly buildWeb?: boolean;
  /** How long the nightly run waits for the OpenSearch node before the embedded index stands in. @default 60 s */
  readonly openSearchWaitMs?: number;
  /** Phases and bars as they happen. */
  readonly report?: StartReport;
  /** Aborting stops whatever has started and fails the start. */
  readonly signal?: AbortSignal;
  /** Request lines, stream batches and the emulators' reports. @default dropped */
  readonly log?: (line: string) => void;
}

export interface StartReport {
  phase(name: string): void;
  progress(label: string, done: number, total: number): void;
}

export interface NightlyOutcome {
  readonly runId: string;
  readonly status: TrainingRun["status"];
  readonly seconds: number;
  /** Seconds per Task and Map state. */
  readonly steps: Readonly<Record<string, number>>;
  readonly error?: string;
  readonly cause?: string;
}

export interface RunningFlywheel {
  /** The API front's invoke URL, stage included: `http://127.0.0.1:3000/local`. */
  readonly apiUrl: string;
  readonly webUrl: string;
  readonly apiKey: string;
  readonly stepFunctionsEndpoint: string;
  readonly mode: LocalServices["mode"];
  readonly services: LocalServices["services"];
  /** What stands in for what could not start, one line each. */
  readonly fallbacks: readonly string[];
  readonly vectorIndex: string;
  readonly cache: string;
  readonly dataSet: string;
  readonly seeded: SeedResult;
  readonly nightly: NightlyOutcome;
  /** Whether web/dist could be served (built now, or already). */
  readonly webApp: "built" | "up to date" | "missing";
  readonly readyMs: number;
  /** Seconds per start-up phase (cloud, provision, seed, nightly, serve, web build). */
  readonly phaseSeconds: Readonly<Record<string, number>>;
  readonly stats: RuntimeStats;
  /** Resolves once every event published so far has been handled by the stream consumer. */
  whenStreamIdle(timeoutMs?: number): Promise<void>;
  /** Stops everything, in parallel where it can. Idempotent. */
  stop(): Promise<void>;
}

/**
 * All of Flywheel on one machine: the local cloud (emulators, OpenSearch in the background, embedded
 * adapters for what cannot start), the tables, stream and bucket from the stacks' definitions, a data
 * set seeded as weeks of traffic, one nightly run of the real state machine on the local Step Functions
 * endpoint, the stream consumer, the API front with the route table's auth, and the web app.
 */
export async function startFlywheel(options: FlywheelStartOptions): Promise<RunningFlywheel> {
  const startedAt = performance.now();
  const report = options.report ?? { phase: () => {}, progress: () => {} };
  const phaseSeconds: Record<string, number> = {};
  let current: { readonly name: string; readonly at: number } | undefined;
  const endPhase = () => {
    if (current !== undefined) phaseSeconds[current.name] = roundSeconds(performance.now() - current.at);
    current = undefined;
  };
  const phase = (name: string, description: string) => {
    endPhase();
    current = { name, at: performance.now() };
    report.phase(description);
  };
  const log = options.log ?? (() => {});
  const stops: Array<readonly [name: string, stop: () => Promise<unknown>]> = [];
  // Everything at once: a Ctrl-C must be done within 5 s, and the JVMs alone take seconds to stop. What
  // still runs while the emulators go (an in-flight stream batch, a training run) fails and is dropped with
  // them; nothing of a local run is kept. Each call stops what was started since the last one (a Ctrl-C can
  // land between two steps) and resolves once everything stopped by any call so far has stopped.
  let stopping: Promise<unknown> = Promise.resolve();
  const stopAll = async () => {
    const batch = stops.splice(0).map(async ([name, stop]) => {
      const startedAt = performance.now();
      let timer: NodeJS.Timeout | undefined;
      // A part that cannot stop in time (a training run waiting on a store that is already gone) is left
      // to the process's exit; the emulators have their own kill deadline.
      const outcome = await Promise.race([
        stop().then(
          () => "stopped",
          (error: unknown) => `failed to stop: ${String(error)}`,
        ),
        new Promise<string>((resolve) => {
          timer = setTimeout(() => resolve("still stopping; left to the exit"), STOP_BUDGET_MS);
        }),
      ]).finally(() => clearTimeout(timer));
      log(`${name}: ${outcome} after ${Math.round(performance.now() - startedAt)} ms`);
    });
    stopping = Promise.all([stopping, Promise.allSettled(batch)]);
    await stopping;
  };
  options.signal?.addEventListener("abort", () => void stopAll(), { once: true });
  const checkpoint = () => {
    if (options.signal?.aborted === true) throw new Error("stopped while starting");
  };
  try {
    // Only the local cloud's dummy credentials, whatever the shell has: nothing here may reach AWS.
    Object.assign(process.env, {
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    });
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    const runDirectory = await mkdtemp(join(tmpdir(), "flywheel-start-"));
    stops.push(["run directory", () => rm(runDirectory, { recursive: true, force: true })]);

    const webStale = options.buildWeb !== false && webBuildIsStale();
    let webBuild: WebBuild | undefined;
    if (webStale) {
      webBuild = buildWebApp();
      webBuild.done.catch(() => {});
      const build = webBuild;
      stops.push(["web build", async () => build.cancel()]);
    }

    phase("cloud", "starting the local cloud");
    const servicesStarting = startLocalServices({ embedded: options.embedded === true, log });
    // The data set is generated or parsed while the emulators boot.
    const [loaded] = await Promise.allSettled([dataSetOf(options.data)]);
    const services = await servicesStarting;
    stops.push(["local cloud", () => services.stop()]);
    if (loaded.status === "rejected") throw loaded.reason;
    const dataSet = loaded.value;
    checkpoint();

    let ports: RuntimePorts;
    let vectorIndexChoice: Promise<{ readonly description: string; readonly fallback?: string }>;
    const prefix = `flywheel-${Date.now().toString(36)}`;
    const apiKey = options.apiKey ?? randomBytes(24).toString("base64url");

    const stepFunctions = await startLocalStepFunctions();
    stops.push(["step functions", () => stepFunctions.stop()]);
    // The admin handlers and the startup run reach the endpoint as a Lambda reaches Step Functions.
    process.env.AWS_ENDPOINT_URL_SFN = stepFunctions.endpoint;
    process.env.FLYWHEEL_TRAINING_STATE_MACHINE_ARN = NIGHTLY_STATE_MACHINE_ARN;
    const trainingRuns = new StepFunctionsTrainingRuns({
      client: createStepFunctionsClient(),
      stateMachineArn: NIGHTLY_STATE_MACHINE_ARN,
    });

    let startStream: (deps: ReturnType<typeof runtimeDependencies>) => Promise<StreamConsumer>;
    if (services.mode === "emulators" && services.cloud !== undefined) {
      const { cloud } = services;
      Object.assign(process.env, cloud.env);
      phase("provision", "provisioning tables, stream and bucket");
      const resources = await provisionStreamingResources(prefix, 1);
      const cachePorts = services.redis ? redisCachePorts(prefix) : embeddedCachePorts();
      const choice = chooseVectorIndex(cloud.opensearch, options.openSearchWaitMs ?? 60_000);
      vectorIndexChoice = choice;
      ports = emulatorPorts(
        resources,
        cachePorts,
        new DeferredVectorIndex(choice.then((chosen) => chosen.index)),
      );
      startStream = async (deps) =>
        kinesisStreamConsumer(
          await startLocalStreamingPath(resources, {
            dependencies: { deps: deps.streaming, deadLetters: ports.deadLetters },
            log,
          }),
        );
    } else {
      const embedded = embeddedPorts(join(runDirectory, "data"), new InMemoryVectorIndex());
      ports = embedded;
      vectorIndexChoice = Promise.resolve({ description: "embedded (exact k-NN in this process)" });
      startStream = async (deps) =>
        startEmbeddedStreamConsumer({
          bus: embedded.eventBus,
          deps: deps.streaming,
          archive: embedded.archive,
          log,
        });
    }
    let chosenVectorIndex: Awaited<typeof vectorIndexChoice> | undefined;
    void vectorIndexChoice.then((chosen) => {
      chosenVectorIndex = chosen;
    });
    const runtimePorts = ports;
    stops.push(["ports", () => runtimePorts.close()]);

    const deps = runtimeDependencies(ports, { trainingRuns });
    const milestonesDone = new Set<string>();
    stepFunctions.registerStateMachine(
      NIGHTLY_STATE_MACHINE_ARN,
      withProgress(
        nightlyStateMachine(deps.pipeline, { sparkTrainer: localSparkTrainer({ log }) }),
        (state) => {
          if ((TRAINING_MILESTONES as readonly string[]).includes(state)) milestonesDone.add(state);
          report.progress(`training (${state})`, milestonesDone.size, TRAINING_MILESTONES.length);
        },
      ),
    );

    checkpoint();
    phase("seed", `seeding ${dataSet.description}`);
    const seeded = await seedRuntimeData(
      { catalog: ports.catalog, archive: ports.archive, log: ports.interactionLog, trending: ports.trending },
      dataSet.catalog,
      dataSet.interactions,
      {
        // What arrived after the archive's last file: enough to exercise the pipeline's merge of the two
        // sources; each logged interaction is a DynamoDB transaction, the slowest write of the seeding.
        recentShare: 0.005,
        // The popular tier reads the last day (a week as its fallback): two days of counts serve both.
        trendingWindowMs: 2 * 24 * 3_600_000,
        progress: (done, total) => report.progress("seeding", done, total),
      },
    );

    checkpoint();
    phase("nightly", "training: one nightly run of the state machine");
    const nightlyStartedAt = performance.now();
    const started = await startTrainingRun(deps.adminTrainingRuns, {});
    // The stream consumer and the API come up while the run trains.
    const streamStarting = startStream(deps);
    streamStarting.then(
      (consumer) => stops.push(["stream consumer", () => consumer.stop()]),
      () => {},
    );
    await stepFunctions.idle();
    const run = await trainingRuns.get(started.runId);
    const nightly: NightlyOutcome = {
      runId: started.runId,
      status: run?.status ?? "FAILED",
      seconds: roundSeconds(performance.now() - nightlyStartedAt),
      steps: Object.fromEntries(
        (run?.steps ?? [])
          .filter((step) => step.type === "Task" || step.type === "Map")
          .map((step) => [step.name, roundSeconds((step.exitedAt ?? step.enteredAt) - step.enteredAt)]),
      ),
      ...(run?.error === undefined ? {} : { error: run.error }),
      ...(run?.cause === undefined ? {} : { cause: run.cause }),
    };
    if (nightly.status === "SUCCEEDED")
      report.progress("training (done)", TRAINING_MILESTONES.length, TRAINING_MILESTONES.length);

    checkpoint();
    phase("serve", "starting the stream consumer, the API and the web app");
    const consumer = await streamStarting;
    const stats = new RuntimeStats({
      processedEvents: () => consumer.processed(),
      recommendationLog: ports.recommendationLog,
      catalogItems: () => seeded.items,
    });
    const sampler = setInterval(() => stats.sampleProcessed(), 1_000);
    sampler.unref();
    stops.push(["stats sampler", async () => clearInterval(sampler)]);

    const handlers = instrumentHandlers(await runtimeHandlers(deps, ports.eventBus, STAGE_NAME), stats);
    const api = await startLocalApiGateway({
      port: options.port ?? 3000,
      stageName: STAGE_NAME,
      region: REGION,
      apiKeys: [{ id: "local-development-key", value: apiKey }],
      handlers,
      log,
    });
    stops.push(["api", () => api.stop()]);

    let webApp: RunningFlywheel["webApp"] = webStale ? "built" : "up to date";
    if (webBuild !== undefined) {
      phase("web build", "building the web app (vite)");
      await webBuild.done.catch((error: unknown) => {
        log(String(error));
        webApp = "missing";
      });
    }
    const web = await startLocalWebServer({
      webDirectory: WEB_DIST_DIRECTORY,
      apiUrl: api.url,
      apiKey,
      adminCredential: LOCAL_ADMIN_CREDENTIAL,
      region: REGION,
      stats,
      catalog: ports.catalog,
      users: () => seeded.users,
      port: options.webPort ?? (options.port === 0 ? 0 : (options.port ?? 3000) + 1),
    });
    stops.push(["web server", () => web.stop()]);

    endPhase();
    // Decided by now unless the nightly run never reached RefreshVectors; readiness does not wait for it.
    const vectorIndex = chosenVectorIndex ?? {
      description: "OpenSearch k-NN, still starting (the embedded index stands in if it does not come up)",
    };
    return {
      apiUrl: api.url,
      webUrl: web.url,
      apiKey,
      stepFunctionsEndpoint: stepFunctions.endpoint,
      mode: services.mode,
      services: services.services,
      fallbacks: [
        ...services.fallbacks,
        ...(vectorIndex.fallback === undefined ? [] : [vectorIndex.fallback]),
      ],
      vectorIndex: vectorIndex.description,
      cache: services.redis ? "redis-server (ElastiCache stand-in)" : "embedded (in this process)",
      dataSet: dataSet.description,
      seeded,
      nightly,
      webApp,
      readyMs: Math.round(performance.now() - startedAt),
      phaseSeconds,
      stats,
      whenStreamIdle: (timeoutMs) => consumer.whenIdle(timeoutMs),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function roundSeconds(ms: number): number {
  return Math.round(ms / 100) / 10;
}

function dataSetOf(source: DataSource): Promise<RuntimeDataSet> {
  if (source.kind === "file") return loadDataSet(source.path);
  return Promise.resolve(generatedDataSet(source));
}

/** The state machine with every state it enters reported (for the training bar). */
function withProgress(
  machine: LocalStateMachine,
  onStateEntered: (state: string) => void,
): LocalStateMachine {
  return {
    definition: machine.definition,
    run: (input, onEvent, context) =>
      machine.run(
        input,
        (event) => {
          onEvent(event);
          if (event.type === "StateExited" && event.state?.name !== undefined)
            onStateEntered(event.state.name);
        },
        context,
      ),
  };
}
