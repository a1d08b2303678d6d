import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { findFreePort } from "../free-port.ts";
import { type AssembledKafka, type AssembleKafkaOptions, assembleKafka } from "../kafka/assemble-kafka.ts";
import { planClassData } from "../kafka/kafka-class-data.ts";
import { kafkaReadinessProbe } from "../kafka/kafka-readiness.ts";
import { createKafkaRunDirectory, type KafkaRunDirectory } from "../kafka/kafka-run-directory.ts";
import {
  type KafkaNodePorts,
  kafkaLog4jProperties,
  kafkaServerProperties,
  randomClusterId,
} from "../kafka/kafka-server-config.ts";
import { type ManagedProcess, ProcessStartError, startManagedProcess } from "../managed-process.ts";
import { runToCompletion } from "../run-to-completion.ts";
import { childEnvironment } from "./child-environment.ts";

export interface KafkaNodeOptions {
  /** The `java` to run (Java 17+: Kafka 4 brokers need it). @default $JAVA_HOME/bin/java, else `java` on PATH */
  readonly javaCommand?: string;
  /** @default 512 */
  readonly maxHeapMb?: number;
  /** Spawn of the broker to ready (metadata and a producer id); it takes 3–10 s on a busy 2-core machine. @default 60_000 */
  readonly startTimeoutMs?: number;
  /** SIGTERM to SIGKILL. @default 5_000 */
  readonly stopTimeoutMs?: number;
  /** Where and how the broker is assembled (cache directory, mvn, download deadline). */
  readonly assemble?: AssembleKafkaOptions;
}

/** A broker, started and ready. */
export interface RunningKafka {
  /** `127.0.0.1:<port>`: the bootstrap broker, PLAINTEXT. */
  readonly brokers: string;
  /** The broker JVM's pid (also its process group). */
  readonly pid: number;
  /** Milliseconds from spawning the broker JVM to ready. */
  readonly startMs: number;
  /** Milliseconds spent formatting its storage (a JVM of its own). */
  readonly formatMs: number;
  /** Milliseconds spent assembling (about 0 once the cache is complete). */
  readonly assembleMs: number;
  /** What runs, and from where. */
  readonly source: string;
  /** The broker process, for fault tests that stop or freeze it. */
  readonly process: ManagedProcess;
  /** Its configuration and log directory; removed on stop. */
  readonly runDirectory: string;
  /** Stops the broker (SIGTERM, then SIGKILL after the deadline) and removes its run directory. Idempotent. */
  stop(): Promise<void>;
}

/** A broker being started: its address is known at once, readiness comes later. */
export interface KafkaLaunch {
  readonly brokers: string;
  /** Resolves once the broker is ready; rejects with the reason it cannot be (assembly, Java, start). */
  readonly ready: Promise<RunningKafka>;
  /** Stops the broker, or abandons a start still in progress; then removes its run directory. Idempotent. */
  stop(): Promise<void>;
}

const PORT_IN_USE = /address already in use|BindException/i;
const START_ATTEMPTS = 3;
const FORMAT_TIMEOUT_MS = 60_000;
const RECORDING_STOP_TIMEOUT_MS = 60_000;

/**
 * Starts a real single-node Kafka (KRaft: broker and controller in one JVM) on 127.0.0.1, assembled from
 * Maven Central on first use (kafka/assemble-kafka.ts), in the background. The client port is chosen before
 * anything else, so the address can be handed to code under test at once while the broker boots; a
 * controller port taken meanwhile is retried with another one (a taken client port fails the start).
 *
 * Each start formats a fresh log directory (`kafka.tools.StorageTool format`, a short JVM of its own) and
 * then runs `kafka.Kafka server.properties` under the harness's process rules: own process group, SIGTERM
 * then SIGKILL, registered so it never outlives the harness. Its files are removed on stop. Both JVMs map
 * a class-data archive recorded by the first start (kafka/kafka-class-data.ts), which halves their CPU time.
 */
export async function launchKafka(options: KafkaNodeOptions = {}): Promise<KafkaLaunch> {
  const brokerPort = await findFreePort();
  const brokers = `127.0.0.1:${brokerPort}`;
  const abort = new AbortController();

  const ready = (async (): Promise<RunningKafka> => {
    const assembled = await assembleKafka(options.assemble);
    for (let attempt = 1; ; attempt++) {
      if (abort.signal.aborted) throw stoppedBeforeReady();
      let controllerPort = await findFreePort();
      while (controllerPort === brokerPort) controllerPort = await findFreePort();
      try {
        return await startBroker(
          assembled,
          { broker: brokerPort, controller: controllerPort },
          options,
          abort.signal,
        );
      } catch (error) {
        const conflict = error instanceof ProcessStartError && PORT_IN_USE.test(error.outputTail);
        const retry = conflict || error instanceof ClassDataRejected;
        if (!retry || attempt >= START_ATTEMPTS || abort.signal.aborted) throw unwrap(error);
      }
    }
  })();
  // The launch may be stopped without anyone awaiting `ready`; that must not be an unhandled rejection.
  ready.catch(() => {});

  let stopping: Promise<void> | undefined;
  return {
    brokers,
    ready,
    stop: () => {
      stopping ??= (async () => {
        abort.abort();
        await ready.then(
          (broker) => broker.stop(),
          () => {},
        );
      })();
      return stopping;
    },
  };
}

/** Starts a broker and waits until it is ready; on failure nothing is left running. */
export async function startKafka(options: KafkaNodeOptions = {}): Promise<RunningKafka> {
  const launch = await launchKafka(options);
  try {
    return await launch.ready;
  } catch (error) {
    await launch.stop();
    throw error;
  }
}

async function startBroker(
  assembled: AssembledKafka,
  ports: KafkaNodePorts,
  options: KafkaNodeOptions,
  signal: AbortSignal,
): Promise<RunningKafka> {
  const brokers = `127.0.0.1:${ports.broker}`;
  const run = createKafkaRunDirectory();
  try {
    writeFileSync(run.serverProperties, kafkaServerProperties(ports, run.data));
    writeFileSync(run.log4jProperties, kafkaLog4jProperties());
    const javaHome = process.env.JAVA_HOME;
    const java = options.javaCommand ?? (javaHome ? join(javaHome, "bin", "java") : "java");
    const jvm = jvmArguments(run, assembled.cache.libs, options.maxHeapMb ?? 512);

    const formatStartedAt = performance.now();
    await formatStorage(java, jvm, assembled, run);
    const formatMs = Math.round(performance.now() - formatStartedAt);

    const classData = planClassData(assembled.cache, java, "broker");
    const probe = kafkaReadinessProbe(brokers);
    const child = await startManagedProcess({
      name: "kafka",
      command: java,
      args: [...jvm, ...classData.flags, "kafka.Kafka", run.serverProperties],
      cwd: run.root,
      env: childEnvironment(),
      // A stop requested during start makes the probe report "ready", so the start returns its handle at
      // once and the broker is stopped through it, by the same path as always.
      ready: () => (signal.aborted ? Promise.resolve(true) : probe()),
      startTimeoutMs: options.startTimeoutMs ?? 60_000,
      // Recording a class-data archive happens as the JVM exits and takes seconds on a busy machine;
      // a SIGKILL in the middle would only waste it.
      stopTimeoutMs: classData.recording ? RECORDING_STOP_TIMEOUT_MS : (options.stopTimeoutMs ?? 5_000),
      pollIntervalMs: 100,
    }).catch((error: unknown) => {
      if (error instanceof ProcessStartError && error.exit !== undefined && !classData.recording) {
        // It died with an archive mapped: the archive may be the cause; start once more without it.
        classData.discard();
        throw new ClassDataRejected(error);
      }
      classData.settle(false);
      throw explainStartFailure(error, java);
    });
    let stopped: Promise<void> | undefined;
    const broker: RunningKafka = {
      brokers,
      pid: child.pid,
      startMs: child.startMs,
      formatMs,
      assembleMs: assembled.elapsedMs,
      source: assembled.source,
      process: child,
      runDirectory: run.root,
      stop: () => {
        stopped ??= child.stop().then((exit) => {
          // A JVM that handled SIGTERM exits with a code (143); SIGKILL cut off whatever it was writing.
          classData.settle(exit.signal === null);
          run.remove();
        });
        return stopped;
      },
    };
    if (signal.aborted) {
      await broker.stop();
      throw stoppedBeforeReady();
    }
    return broker;
  } catch (error) {
    run.remove();
    throw error;
  }
}

/**
 * Start-time settings as for DynamoDB Local: C1 only, serial GC, the JDK's class-data archive, a small heap;
 * an exit rather than a limp on OutOfMemoryError; no hsperfdata files in /tmp.
 */
function jvmArguments(run: KafkaRunDirectory, libs: string, maxHeapMb: number): string[] {
  return [
    `-Xmx${maxHeapMb}m`,
    "-XX:+UseSerialGC",
    "-XX:TieredStopAtLevel=1",
    "-Xshare:auto",
    "-XX:+ExitOnOutOfMemoryError",
    "-XX:-UsePerfData",
    // Recording a class-data archive warns about every class it skips (hundreds of lines), which would push
    // a real error out of the output kept for start failures.
    "-Xlog:cds=off",
    "-Xlog:cds+dynamic=off",
    "-Djava.net.preferIPv4Stack=true",
    "-Djava.awt.headless=true",
    `-Djava.io.tmpdir=${run.root}`,
    `-Dlog4j2.configurationFile=${run.log4jProperties}`,
    `-Dkafka.logs.dir=${run.root}`,
    "-cp",
    `${libs}/*`,
  ];
}

/**
 * `kafka.tools.StorageTool format`: writes the node's meta.properties and bootstrap metadata into the empty
 * log directory, under a fresh cluster id. A failure with a class-data archive mapped is tried once more
 * without it.
 */
async function formatStorage(
  java: string,
  jvm: readonly string[],
  assembled: AssembledKafka,
  run: KafkaRunDirectory,
): Promise<void> {
  const clusterId = randomClusterId();
  for (let attempt = 1; ; attempt++) {
    const classData = planClassData(assembled.cache, java, "format");
    const args = [...jvm, ...classData.flags, "kafka.tools.StorageTool", "format"];
    args.push("-t", clusterId, "-c", run.serverProperties, "--ignore-formatted");
    let outcome: Awaited<ReturnType<typeof runToCompletion>>;
    try {
      outcome = await runToCompletion(java, args, {
        cwd: run.root,
        env: childEnvironment(),
        timeoutMs: FORMAT_TIMEOUT_MS,
      });
    } catch (error) {
      classData.settle(false);
      const reason = error instanceof Error ? error.message : String(error);
      throw new ProcessStartError("kafka", `cannot run ${java} (${reason}); Kafka 4 needs Java 17+`, "");
    }
    const formatted = !outcome.timedOut && outcome.code === 0;
    classData.settle(formatted);
    if (formatted) return;
    if (!classData.recording && !outcome.timedOut && attempt === 1) {
      classData.discard();
      continue;
    }
    const how = outcome.timedOut ? "did not finish in time" : `exited with ${outcome.code ?? outcome.signal}`;
    throw new ProcessStartError("kafka", `formatting its storage ${how}`, outcome.outputTail);
  }
}

/** The broker died at start with a class-data archive mapped; the archive is gone and a retry may work. */
class ClassDataRejected extends Error {
  override readonly name = "ClassDataRejected";
  readonly original: ProcessStartError;

  constructor(original: ProcessStartError) {
    super(original.message);
    this.original = original;
  }
}

function unwrap(error: unknown): unknown {
  return error instanceof ClassDataRejected ? error.original : error;
}

function explainStartFailure(error: unknown, java: string): unknown {
  if (!(error instanceof ProcessStartError)) return error;
  if (!/UnsupportedClassVersionError|cannot run/.test(`${error.message}\n${error.outputTail}`)) return error;
  return new ProcessStartError(
    error.processName,
    `${error.message.split("\n")[0]?.replace(/^kafka failed to start: /, "") ?? ""} (hint: Kafka 4 needs Java 17+, ran ${java})`,
    error.outputTail,
    error.pid,
    error.exit,
  );
}

function stoppedBeforeReady(): Error {
  return new Error("Kafka: the broker was stopped before it was ready");
}
