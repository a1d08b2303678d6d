import { LogLevel as LOG_LEVELS, Logger } from "@aws-lambda-powertools/logger";
import type { LogLevel } from "@aws-lambda-powertools/logger/types";
import type { Metrics } from "@aws-lambda-powertools/metrics";
import { Tracer } from "@aws-lambda-powertools/tracer";
import { FUNCTION_ENVIRONMENT_VARIABLES } from "./function-environment.ts";
import { GatedMetrics } from "./gated-metrics.ts";
import { METRIC_DIMENSIONS, METRICS_NAMESPACE } from "./metric-catalog.ts";
import { POWERTOOLS_VARIABLES } from "./powertools-variables.ts";
import { readLogHashSalt } from "./read-log-hash-salt.ts";
import { installSourceMappedStackTraces } from "./source-mapped-stack-traces.ts";
import { readUserIdLogHashing, type UserIdLogHashing, userIdLogReplacer } from "./user-id-log-hashing.ts";
import { UserIdLogKey } from "./user-id-log-key.ts";

/** The stage dimension and log key outside a deployment (tests, the local runtime without FLYWHEEL_STAGE). */
const STAGE_OUTSIDE_DEPLOYMENT = "local";

export interface ObservabilitySettings {
  /** Undefined: Powertools' own default (`service_undefined`), as outside a deployment. */
  readonly serviceName: string | undefined;
  readonly namespace: string;
  readonly stage: string;
  /** Undefined: Powertools' default (INFO), or the level Lambda's advanced logging controls impose. */
  readonly logLevel: LogLevel | undefined;
  /** 0 to 1; undefined: no sampling. */
  readonly logSampleRate: number | undefined;
  /** X-Ray needs the Lambda runtime's daemon: off anywhere else, and off when POWERTOOLS_TRACE_ENABLED=false. */
  readonly tracingEnabled: boolean;
  /**
   * Whether EMF blobs are written: in Lambda, where CloudWatch Logs turns them into metrics, unless
   * POWERTOOLS_METRICS_DISABLED=true; elsewhere only when POWERTOOLS_METRICS_DISABLED=false asks for them.
   */
  readonly emitMetrics: boolean;
  readonly userIdHashing: UserIdLogHashing;
}

/**
 * Powertools' variables (powertools-variables.ts) are read from the environment given, so that a test's
 * environment decides them; what Powertools reads only from process.env stays there (POWERTOOLS_DEV, and
 * AWS_LAMBDA_LOG_LEVEL, which Lambda's advanced logging controls set and which wins over the log level).
 * Never throws: observability must not be the reason a function cannot start.
 */
export function readObservabilitySettings(env: NodeJS.ProcessEnv = process.env): ObservabilitySettings {
  const inLambda = (env.AWS_LAMBDA_FUNCTION_NAME ?? "").trim() !== "";
  const metricsDisabled = env[POWERTOOLS_VARIABLES.metricsDisabled]?.trim().toLowerCase();
  return {
    serviceName: env[POWERTOOLS_VARIABLES.serviceName]?.trim() || undefined,
    namespace: env[POWERTOOLS_VARIABLES.metricsNamespace]?.trim() || METRICS_NAMESPACE,
    stage: env[FUNCTION_ENVIRONMENT_VARIABLES.stageName]?.trim() || STAGE_OUTSIDE_DEPLOYMENT,
    logLevel: logLevelOf(env[POWERTOOLS_VARIABLES.logLevel]),
    logSampleRate: sampleRateOf(env[POWERTOOLS_VARIABLES.logSampleRate]),
    tracingEnabled: inLambda && env[POWERTOOLS_VARIABLES.traceEnabled]?.trim().toLowerCase() !== "false",
    emitMetrics:
      metricsDisabled === undefined || metricsDisabled === "" ? inLambda : metricsDisabled === "false",
    userIdHashing: readUserIdLogHashing(env),
  };
}

/** A level Powertools knows, or undefined (then its default applies: a typo must not stop the function). */
function logLevelOf(value: string | undefined): LogLevel | undefined {
  const level = value?.trim().toUpperCase();
  return Object.values(LOG_LEVELS).find((known) => known === level);
}

/** A share between 0 and 1, or undefined for anything else (a typo must not stop the function). */
function sampleRateOf(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const rate = Number(value);
  return Number.isFinite(rate) && rate >= 0 && rate <= 1 ? rate : undefined;
}

export interface Observability {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tracer: Tracer;
  /** The key user ids are hashed with; the middleware waits for it before the first invocation. */
  readonly userIdLogKey: UserIdLogKey;
}

export interface ObservabilityOptions {
  /** Reads the log-hash key's secret. @default readLogHashSalt (Secrets Manager) */
  readonly readSecret?: (secretId: string) => Promise<string>;
}

/**
 * Metrics reports its own problems through a logger. "No application metrics to publish" is what every
 * invocation that recorded nothing (a health check, a 400) would say: routine, so DEBUG; the rest stay WARN.
 */
function metricsDiagnostics(logger: Logger) {
  const forward =
    (write: (message: string, attributes: { details?: unknown[] }) => void) =>
    (...content: unknown[]) =>
      write(String(content[0]), content.length > 1 ? { details: content.slice(1) } : {});
  return {
    debug: forward((message, attributes) => logger.debug(message, attributes)),
    info: forward((message, attributes) => logger.info(message, attributes)),
    warn: forward((message, attributes) => {
      if (message.startsWith("No application metrics to publish")) logger.debug(message, attributes);
      else logger.warn(message, attributes);
    }),
    error: forward((message, attributes) => logger.error(message, attributes)),
  };
}

/**
 * One logger, one metrics buffer and one tracer, configured from the environment (STYLE.md habit 6). A
 * handler module imports the process's set from `observability` below; tests build their own with
 * `createObservability` and an environment of their choosing.
 */
export function createObservability(
  env: NodeJS.ProcessEnv = process.env,
  options: ObservabilityOptions = {},
): Observability {
  const settings = readObservabilitySettings(env);
  const hashing = settings.userIdHashing;
  const secretId = hashing.saltSecretId;
  const readSecret = options.readSecret ?? readLogHashSalt;
  const userIdLogKey =
    secretId === undefined
      ? UserIdLogKey.fixed(hashing.salt)
      : UserIdLogKey.loadedBy(
          () => readSecret(secretId),
          (error) =>
            logger.warn("log-hash key unreadable: user ids are left out of log lines until it is read", {
              secret: secretId,
              error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
            }),
        );
  const replacer = userIdLogReplacer(hashing, userIdLogKey);
  const logger = new Logger({
    ...(settings.serviceName === undefined ? {} : { serviceName: settings.serviceName }),
    ...(settings.logLevel === undefined ? {} : { logLevel: settings.logLevel }),
    ...(settings.logSampleRate === undefined ? {} : { sampleRateValue: settings.logSampleRate }),
    persistentKeys: { [METRIC_DIMENSIONS.stage]: settings.stage },
    ...(replacer === undefined ? {} : { jsonReplacerFn: replacer }),
  });
  const metrics = new GatedMetrics({
    emit: settings.emitMetrics,
    ...(settings.serviceName === undefined ? {} : { serviceName: settings.serviceName }),
    namespace: settings.namespace,
    defaultDimensions: { [METRIC_DIMENSIONS.stage]: settings.stage },
    logger: metricsDiagnostics(logger),
  });
  const tracer = new Tracer({
    ...(settings.serviceName === undefined ? {} : { serviceName: settings.serviceName }),
    enabled: settings.tracingEnabled,
  });
  // The deployment's key is read now, alongside the rest of the cold start; the first invocation waits for it.
  if (hashing.enabled) void userIdLogKey.ready();
  return { logger, metrics, tracer, userIdLogKey };
}

// In a bundle, stack traces are mapped to the sources when first formatted (spelled out: esbuild's define
// replaces this exact expression; unreplaced, in tests and the local runtime, stacks are left to Node).
if (process.env.FLYWHEEL_BUNDLED_SOURCE_MAPS === "linked") installSourceMappedStackTraces();

/** The process's logger, metrics and tracer, created once at module load. */
export const observability: Observability = createObservability();
export const { logger, metrics, tracer } = observability;
