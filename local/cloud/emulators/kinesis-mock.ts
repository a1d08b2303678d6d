import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startManagedProcess } from "../managed-process.ts";
import { httpProbe } from "../readiness-probe.ts";
import { childEnvironment } from "./child-environment.ts";
import { startOnFreePorts } from "./retry-on-port-conflict.ts";
import { type EmulatorStartOptions, fromManagedProcess, type RunningEmulator } from "./running-emulator.ts";

export interface KinesisMockOptions extends EmulatorStartOptions {
  /** Streams' default region. @default "us-east-1" */
  readonly region?: string;
  /**
   * How long a stream stays CREATING (and every other transitional status lasts). AWS takes seconds; a small
   * non-zero value keeps tests fast while code that does not wait for ACTIVE still fails here as it would there.
   * @default 100
   */
  readonly transitionMs?: number;
  /** Streams that exist from the start, as kinesis-mock's INITIALIZE_STREAMS. @default none */
  readonly initializeStreams?: readonly { readonly name: string; readonly shards: number }[];
  /** Shards per account, as in AWS. @default 50 */
  readonly shardLimit?: number;
  /** @default 10 */
  readonly onDemandStreamCountLimit?: number;
  /** kinesis-mock's LOG_LEVEL. @default "WARN" */
  readonly logLevel?: "ERROR" | "WARN" | "INFO" | "DEBUG" | "TRACE";
  /** Node's compile cache for the bundle (an empty directory measures a cold start). @default under node_modules/.cache */
  readonly compileCacheDir?: string;
}

// Every status transition kinesis-mock simulates has one of these delays.
const TRANSITION_SETTINGS = [
  "CREATE_STREAM_DURATION",
  "DELETE_STREAM_DURATION",
  "REGISTER_STREAM_CONSUMER_DURATION",
  "DEREGISTER_STREAM_CONSUMER_DURATION",
  "START_STREAM_ENCRYPTION_DURATION",
  "STOP_STREAM_ENCRYPTION_DURATION",
  "MERGE_SHARDS_DURATION",
  "SPLIT_SHARD_DURATION",
  "UPDATE_SHARD_COUNT_DURATION",
  "UPDATE_STREAM_MODE_DURATION",
] as const;

/**
 * kinesis-mock (the engine LocalStack uses), as the npm package `kinesis-local`: a Scala.js build run on this
 * Node. It serves plain HTTP on one port and TLS on another; both are set explicitly, as is the path of its
 * bundled certificate (by default it is looked up relative to the working directory). Clients must use an
 * HTTP/1.1 handler: over the SDK's default HTTP/2 handler for Kinesis, calls fail now and then with
 * ERR_HTTP2_ERROR "Protocol error" (observed on a client's first call). HTTP/2 only matters for
 * SubscribeToShard, which Flywheel does not use and kinesis-mock does not offer.
 *
 * Start time is mostly V8 compiling its 9 MB bundle, so Node's compile cache is kept under
 * node_modules/.cache: the first start fills it, later ones take about half the time.
 */
export function startKinesisMock(options: KinesisMockOptions = {}): Promise<RunningEmulator> {
  const require = createRequire(import.meta.url);
  const packageDir = dirname(require.resolve("kinesis-local/package.json"));
  const { version } = require("kinesis-local/package.json") as { version: string };
  const compileCache =
    options.compileCacheDir ??
    join(projectRoot(), "node_modules", ".cache", "flywheel-local-cloud", "node-compile-cache");
  mkdirSync(compileCache, { recursive: true });
  const transition = `${options.transitionMs ?? 100}ms`;
  const preload = fileURLToPath(new URL("./loopback-only-listen.ts", import.meta.url));

  return startOnFreePorts(2, async ([plainPort = 0, tlsPort = 0]) => {
    const settings: Record<string, string> = {
      KINESIS_MOCK_PLAIN_PORT: String(plainPort),
      KINESIS_MOCK_TLS_PORT: String(tlsPort),
      KINESIS_MOCK_CERT_PATH: join(packageDir, "server.json"),
      AWS_REGION: options.region ?? "us-east-1",
      SHARD_LIMIT: String(options.shardLimit ?? 50),
      ON_DEMAND_STREAM_COUNT_LIMIT: String(options.onDemandStreamCountLimit ?? 10),
      LOG_LEVEL: options.logLevel ?? "WARN",
      SHOULD_PERSIST_DATA: "false",
      LOAD_DATA_IF_EXISTS: "false",
      NODE_COMPILE_CACHE: compileCache,
    };
    for (const name of TRANSITION_SETTINGS) settings[name] = transition;
    if (options.initializeStreams !== undefined && options.initializeStreams.length > 0) {
      settings.INITIALIZE_STREAMS = options.initializeStreams.map((s) => `${s.name}:${s.shards}`).join(",");
    }
    const child = await startManagedProcess({
      name: "kinesis",
      command: process.execPath,
      args: ["--import", preload, join(packageDir, "main.js")],
      cwd: tmpdir(),
      env: childEnvironment(settings),
      ready: httpProbe(`http://127.0.0.1:${plainPort}/`),
      startTimeoutMs: options.startTimeoutMs,
      stopTimeoutMs: options.stopTimeoutMs,
    });
    return fromManagedProcess(
      "kinesis",
      `http://127.0.0.1:${plainPort}`,
      `npm kinesis-local ${version}`,
      child,
    );
  });
}

function projectRoot(): string {
  return fileURLToPath(new URL("../../../", import.meta.url));
}
