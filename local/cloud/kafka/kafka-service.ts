import { type KafkaNodeOptions, launchKafka } from "../emulators/kafka.ts";
import { waitForKafka } from "./wait-for-kafka.ts";

/** Through these the broker reaches code under test (readKafkaConfig). */
export const KAFKA_BROKERS_ENV = "FLYWHEEL_KAFKA_BROKERS";
export const KAFKA_AUTH_ENV = "FLYWHEEL_KAFKA_AUTH";

export interface KafkaServiceOptions extends KafkaNodeOptions {
  /**
   * - `background`: the broker address is handed out at once and the broker boots while everything else
   *   runs; whoever needs it waits on `ready` (the integration tests do, in their beforeAll).
   * - `awaited`: the local cloud is not ready until the broker is (for a developer's long-running session).
   */
  readonly start: "background" | "awaited";
  /** How long `ready` waits for an external broker (FLYWHEEL_LOCAL_CLOUD=external). @default 60_000 */
  readonly externalTimeoutMs?: number;
}

/** What serves Kafka, once it does. */
export interface KafkaReady {
  readonly brokers: string;
  /** The broker's pid when this harness started it. */
  readonly pid: number | undefined;
  /** Spawn of the broker JVM to ready, when this harness started it. */
  readonly startMs: number | undefined;
  readonly source: string;
}

export interface KafkaService {
  readonly brokers: string;
  readonly start: "background" | "awaited";
  /** What code under test needs in its environment to reach the broker. */
  readonly env: Readonly<Record<string, string>>;
  /** Resolves when the broker answers metadata and hands out a producer id; rejects with why it cannot. */
  readonly ready: Promise<KafkaReady>;
  /** Stops the broker this harness started (or abandons its start). Idempotent. */
  stop(): Promise<void>;
}

/**
 * `FLYWHEEL_KAFKA=off` turns the broker off wherever it would be started (the Kafka suites are then
 * reported as skipped); anything else but `on` or empty is a mistake, refused loudly.
 */
export function kafkaSwitch(env: NodeJS.ProcessEnv = process.env): "on" | "off" {
  const value = env.FLYWHEEL_KAFKA;
  if (value === undefined || value === "" || value === "on") return "on";
  if (value === "off") return "off";
  throw new Error(`FLYWHEEL_KAFKA must be on or off, got ${JSON.stringify(value)}`);
}

/**
 * The Kafka part of the local cloud (the MSK option's stand-in). In emulators and LocalStack modes a broker
 * is launched here (MSK is not in LocalStack's free tier); in external mode the broker must already run at
 * FLYWHEEL_KAFKA_BROKERS. A broker that cannot start never fails the rest of the local cloud: `ready` rejects
 * with the reason, and whoever needs Kafka fails with it.
 */
export async function provideKafka(
  options: KafkaServiceOptions,
  mode: "emulators" | "localstack" | "external",
  sourceEnv: NodeJS.ProcessEnv,
  log: (text: string) => void,
): Promise<KafkaService | undefined> {
  if (kafkaSwitch(sourceEnv) === "off") return undefined;
  if (mode === "external") return useExternalKafka(options, sourceEnv);
  const launch = await launchKafka(options);
  const ready = launch.ready.then((broker) => {
    if (options.start === "background") {
      log(`Kafka ready at ${broker.brokers} (pid ${broker.pid}) in ${broker.startMs} ms: ${broker.source}`);
    }
    return { brokers: broker.brokers, pid: broker.pid, startMs: broker.startMs, source: broker.source };
  });
  ready.catch(() => {});
  return {
    brokers: launch.brokers,
    start: options.start,
    // The local broker authenticates nobody; MSK's IAM mode is the adapter's default, so say so.
    env: { [KAFKA_BROKERS_ENV]: launch.brokers, [KAFKA_AUTH_ENV]: "none" },
    ready,
    stop: () => launch.stop(),
  };
}

function useExternalKafka(options: KafkaServiceOptions, sourceEnv: NodeJS.ProcessEnv): KafkaService {
  const brokers = sourceEnv[KAFKA_BROKERS_ENV] ?? "";
  const auth = sourceEnv[KAFKA_AUTH_ENV];
  const first = brokers.split(",")[0]?.trim() ?? "";
  const ready: Promise<KafkaReady> =
    first === ""
      ? Promise.reject(
          new Error(
            `local cloud (external): set ${KAFKA_BROKERS_ENV} to a running broker, or FLYWHEEL_KAFKA=off`,
          ),
        )
      : waitForKafka({ brokers: first, timeoutMs: options.externalTimeoutMs ?? 60_000 }).then(() => ({
          brokers,
          pid: undefined,
          startMs: undefined,
          source: "external (from the environment)",
        }));
  ready.catch(() => {});
  return {
    brokers,
    start: options.start,
    env: {
      [KAFKA_BROKERS_ENV]: brokers,
      ...(auth === undefined || auth === "" ? {} : { [KAFKA_AUTH_ENV]: auth }),
    },
    ready,
    stop: async () => {},
  };
}

/** One line for the harness's table: the broker is not in it while it boots in the background. */
export function describeKafkaService(service: KafkaService): string {
  return service.start === "background"
    ? `Kafka ${service.brokers} starting in the background (about 5 s warm; FLYWHEEL_KAFKA=off skips it)`
    : `Kafka ${service.brokers} ready`;
}
