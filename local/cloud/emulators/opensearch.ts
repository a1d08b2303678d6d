import { join } from "node:path";
import { findFreePort } from "../free-port.ts";
import { type ManagedProcess, ProcessStartError, startManagedProcess } from "../managed-process.ts";
import {
  type AssembledOpenSearch,
  type AssembleOpenSearchOptions,
  assembleOpenSearch,
} from "../opensearch/assemble-opensearch-home.ts";
import { clusterHealthProbe } from "../opensearch/cluster-health.ts";
import { createRunDirectory, type OpenSearchRunDirectory } from "../opensearch/opensearch-run-directory.ts";
import {
  type RunAsUser,
  runAsPrefix,
  unprivilegedUserForOpenSearch,
} from "../opensearch/unprivileged-user.ts";

export interface OpenSearchNodeOptions {
  /** The `java` to run (Java 17+). @default $JAVA_HOME/bin/java, else `java` on PATH */
  readonly javaCommand?: string;
  /** Heap size (-Xms = -Xmx). @default 512 */
  readonly heapMb?: number;
  /**
   * C1 only (`-XX:TieredStopAtLevel=1`): the node starts about twice as fast, but hot code (HNSW graph
   * building, vector math) runs several times slower. Tests want the start; a benchmark of query speed
   * wants the full JIT, as a long-running node has it. @default true
   */
  readonly fastStart?: boolean;
  /** Spawn to cluster health yellow; a node takes 10–15 s on a busy 2-core machine. @default 120_000 */
  readonly startTimeoutMs?: number;
  /** SIGTERM to SIGKILL; the node usually stops in under a second. @default 10_000 */
  readonly stopTimeoutMs?: number;
  /** Where and how the node is assembled (cache directory, mvn, download deadline). */
  readonly assemble?: AssembleOpenSearchOptions;
  /**
   * The JVM is spawned only once this settles. The local cloud passes "the other emulators are up": on a
   * 2-core machine the node's boot (about 8 s of CPU) otherwise slows theirs by seconds. @default at once
   */
  readonly startAfter?: Promise<unknown>;
}

/** A node, started and ready (cluster health yellow or green). */
export interface RunningOpenSearch {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** The JVM's pid (also its process group). */
  readonly pid: number;
  /** Milliseconds from spawning the JVM to cluster health yellow. */
  readonly startMs: number;
  /** Milliseconds spent assembling (about 0 once the cache is complete). */
  readonly assembleMs: number;
  /** What runs, from where, as whom. */
  readonly source: string;
  readonly process: ManagedProcess;
  /** The node's config, data, logs and tmp; removed on stop. */
  readonly runDirectory: string;
  /** Stops the node (SIGTERM, then SIGKILL after the deadline) and removes its run directory. Idempotent. */
  stop(): Promise<void>;
}

/** A node being started: its endpoint is known at once, readiness comes later. */
export interface OpenSearchLaunch {
  readonly endpoint: string;
  /** Resolves once the node is ready; rejects with the reason it cannot be (assembly, Java, start). */
  readonly ready: Promise<RunningOpenSearch>;
  /** Stops the node, or abandons a start still in progress; then removes the run directory. Idempotent. */
  stop(): Promise<void>;
}

const PORT_IN_USE = /address already in use|BindException|BindTransportException/i;
const START_ATTEMPTS = 3;

/**
 * Starts a real single-node OpenSearch 2.19.1 with the k-NN plugin on 127.0.0.1, assembled from Maven
 * Central on first use (assemble-opensearch-home.ts) and started in the background. The HTTP port is chosen
 * before anything else happens, so the endpoint can be handed to code under test at once while the node
 * boots; a transport port taken meanwhile is retried with another one (a taken HTTP port fails the start).
 *
 * The JVM runs with the harness's process rules (own process group, SIGTERM then SIGKILL, registered so it
 * never outlives the harness), as an unprivileged user when this process is root, with its config, data,
 * logs and tmp in a fresh directory that is removed on stop.
 */
export async function launchOpenSearch(options: OpenSearchNodeOptions = {}): Promise<OpenSearchLaunch> {
  const httpPort = await findFreePort();
  const endpoint = `http://127.0.0.1:${httpPort}`;
  const abort = new AbortController();

  const ready = (async (): Promise<RunningOpenSearch> => {
    const assembled = await assembleOpenSearch({ ...options.assemble, signal: abort.signal });
    if (options.startAfter !== undefined) await settledOrAborted(options.startAfter, abort.signal);
    const runAs = unprivilegedUserForOpenSearch();
    for (let attempt = 1; ; attempt++) {
      if (abort.signal.aborted) throw stoppedBeforeReady();
      let transportPort = await findFreePort();
      while (transportPort === httpPort) transportPort = await findFreePort();
      try {
        return await startNode(assembled, runAs, httpPort, transportPort, options, abort.signal);
      } catch (error) {
        const conflict = error instanceof ProcessStartError && PORT_IN_USE.test(error.outputTail);
        if (!conflict || attempt >= START_ATTEMPTS || abort.signal.aborted) throw error;
      }
    }
  })();
  // The launcher may be stopped without anyone awaiting `ready`; that must not be an unhandled rejection.
  ready.catch(() => {});

  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    ready,
    stop: () => {
      stopping ??= (async () => {
        abort.abort();
        await ready.then(
          (node) => node.stop(),
          () => {},
        );
      })();
      return stopping;
    },
  };
}

/** Starts a node and waits until it is ready; on failure nothing is left running. */
export async function startOpenSearch(options: OpenSearchNodeOptions = {}): Promise<RunningOpenSearch> {
  const launch = await launchOpenSearch(options);
  try {
    return await launch.ready;
  } catch (error) {
    await launch.stop();
    throw error;
  }
}

async function startNode(
  assembled: AssembledOpenSearch,
  runAs: RunAsUser | undefined,
  httpPort: number,
  transportPort: number,
  options: OpenSearchNodeOptions,
  signal: AbortSignal,
): Promise<RunningOpenSearch> {
  const endpoint = `http://127.0.0.1:${httpPort}`;
  const run = createRunDirectory(assembled.home, { httpPort, transportPort }, runAs);
  try {
    const javaHome = process.env.JAVA_HOME;
    const java = options.javaCommand ?? (javaHome ? join(javaHome, "bin", "java") : "java");
    const jvm = [java, ...jvmArguments(run, options.heapMb ?? 512, options.fastStart ?? true)];
    const command = runAs === undefined ? { command: java, args: jvm.slice(1) } : withRunAs(runAs, jvm);
    const probe = clusterHealthProbe(endpoint, signal);
    const child = await startManagedProcess({
      name: "opensearch",
      command: command.command,
      args: command.args,
      cwd: run.tmp,
      env: nodeEnvironment(run, javaHome),
      // A stop requested during start makes the probe report "ready", so the start returns its handle at
      // once and the node is stopped through it, by the same path as always.
      ready: () => (signal.aborted ? Promise.resolve(true) : probe()),
      startTimeoutMs: options.startTimeoutMs ?? 120_000,
      stopTimeoutMs: options.stopTimeoutMs ?? 10_000,
      pollIntervalMs: 250,
    }).catch((error: unknown) => {
      throw explainStartFailure(error, java);
    });
    let stopped: Promise<void> | undefined;
    const node: RunningOpenSearch = {
      endpoint,
      pid: child.pid,
      startMs: child.startMs,
      assembleMs: assembled.elapsedMs,
      source: `${assembled.source}${runAs === undefined ? "" : `, as ${runAs.name}`}`,
      process: child,
      runDirectory: run.root,
      stop: () => {
        stopped ??= child.stop().then(() => run.remove());
        return stopped;
      },
    };
    if (signal.aborted) {
      await node.stop();
      throw stoppedBeforeReady();
    }
    return node;
  } catch (error) {
    run.remove();
    throw error;
  }
}

/**
 * What bin/opensearch and jvm.options would give, minus what only matters for a long-lived production node,
 * plus start-time settings: C1 only unless asked otherwise (start roughly twice as fast, see docs/testing.md), serial GC (little CPU
 * on a shared machine), the JDK's class-data archive, and an exit rather than a limp on OutOfMemoryError.
 */
function jvmArguments(run: OpenSearchRunDirectory, heapMb: number, fastStart: boolean): string[] {
  return [
    `-Xms${heapMb}m`,
    `-Xmx${heapMb}m`,
    "-XX:+UseSerialGC",
    ...(fastStart ? ["-XX:TieredStopAtLevel=1"] : []),
    "-Xshare:auto",
    "-XX:+ExitOnOutOfMemoryError",
    "-XX:-OmitStackTraceInFastThrow",
    `-Dopensearch.path.home=${run.home}`,
    `-Dopensearch.path.conf=${run.config}`,
    "-Dopensearch.distribution.type=tar",
    `-Djava.io.tmpdir=${run.tmp}`,
    `-Djna.tmpdir=${run.tmp}`,
    "-Djna.nosys=true",
    "-Djava.locale.providers=SPI,COMPAT",
    "-Dfile.encoding=UTF-8",
    "-Djava.awt.headless=true",
    "-Dlog4j2.formatMsgNoLookups=true",
    "-Dlog4j.shutdownHookEnabled=false",
    "-Dlog4j2.disable.jmx=true",
    "-Dio.netty.noUnsafe=true",
    "-Dio.netty.noKeySetOptimization=true",
    "-Dio.netty.recycler.maxCapacityPerThread=0",
    "-cp",
    `${join(run.home, "lib")}/*`,
    "org.opensearch.bootstrap.OpenSearch",
  ];
}

function withRunAs(runAs: RunAsUser, jvm: readonly string[]): { command: string; args: string[] } {
  const prefix = runAsPrefix(runAs);
  return { command: prefix.command, args: [...prefix.args, ...jvm] };
}

/**
 * A small, explicit environment: no AWS credentials, no NODE_OPTIONS, and a HOME the node's user can write
 * (nobody's home does not exist). OPENSEARCH_JAVA_OPTS and friends are not read: java is run directly.
 */
function nodeEnvironment(run: OpenSearchRunDirectory, javaHome: string | undefined): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: run.tmp,
    LANG: "C.UTF-8",
    ...(javaHome ? { JAVA_HOME: javaHome } : {}),
  };
}

function explainStartFailure(error: unknown, java: string): unknown {
  if (!(error instanceof ProcessStartError)) return error;
  const hints: string[] = [];
  if (/cannot run (setpriv|java)/.test(error.message) || /failed to execute/.test(error.outputTail)) {
    hints.push(`needs Java 17+ (${java}) and, when run as root, setpriv (util-linux)`);
  }
  if (/UnsatisfiedLinkError|faiss|nmslib/i.test(error.outputTail)) {
    hints.push("only the lucene k-NN engine works here (the Maven plugin zip has no native libraries)");
  }
  if (hints.length === 0) return error;
  return new ProcessStartError(
    error.processName,
    `${error.message.split("\n")[0]?.replace(/^opensearch failed to start: /, "") ?? ""} (hint: ${hints.join("; ")})`,
    error.outputTail,
    error.pid,
    error.exit,
  );
}

/** Waits for `promise` to settle, or for a stop: a launch stopped meanwhile must not wait for the others. */
function settledOrAborted(promise: Promise<unknown>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      signal.removeEventListener("abort", done);
      resolve();
    };
    signal.addEventListener("abort", done, { once: true });
    promise.then(done, done);
  });
}

function stoppedBeforeReady(): Error {
  return new Error("OpenSearch: the node was stopped before it was ready");
}
