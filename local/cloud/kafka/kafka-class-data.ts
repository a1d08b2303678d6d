import { createHash, randomBytes } from "node:crypto";
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { delimiter, join, resolve } from "node:path";
import type { KafkaCacheLayout } from "./kafka-distribution.ts";

/** Which JVM of the local broker an archive is for: each loads a different set of classes. */
export type KafkaJvmRole = "format" | "broker";

/**
 * How one JVM uses an application class-data (AppCDS) archive: map the one that exists, or, when there is
 * none yet, record one as it exits (JDK 13+ `-XX:ArchiveClassesAtExit`).
 */
export interface ClassDataPlan {
  /** The JVM flags: map an archive, or record one at exit. */
  readonly flags: readonly string[];
  /** True when this JVM records a new archive (its exit takes seconds longer: it dumps the classes). */
  readonly recording: boolean;
  /** After the JVM exited: keep what it recorded if it exited by itself, else throw it away. */
  settle(exitedCleanly: boolean): void;
  /** The mapped archive made the JVM fail: remove it, so the next start records a fresh one. */
  discard(): void;
}

/**
 * Most of the broker's start-up is the JVM loading and verifying Kafka's and Scala's classes (measured here:
 * 2.7–3.1 s of CPU to a listening socket with an archive, 5.1–5.3 s without; the storage formatter 1.0 s
 * instead of 3.7 s). The first start records an archive per JVM role; later starts map it.
 *
 * An archive belongs to one JVM build and one class path: it is kept per java binary (path and mtime) in
 * the cache beside the jars, and the assembler removes the lot when it rebuilds the jars. A recording is
 * written to a temporary name and renamed only when the JVM exited by itself: a truncated archive makes the
 * JVM die of SIGBUS on start, whereas a stale one (another JDK) is ignored by `-Xshare:auto`.
 */
export function planClassData(cache: KafkaCacheLayout, java: string, role: KafkaJvmRole): ClassDataPlan {
  const directory = classDataDirectory(cache);
  const archive = join(directory, `${role}-${javaFingerprint(java)}.jsa`);
  if (existsSync(archive)) {
    return {
      flags: [`-XX:SharedArchiveFile=${archive}`],
      recording: false,
      settle: () => {},
      discard: () => rmSync(archive, { force: true }),
    };
  }
  mkdirSync(directory, { recursive: true });
  const recording = `${archive}.recording-${process.pid}-${randomBytes(4).toString("hex")}`;
  return {
    flags: [`-XX:ArchiveClassesAtExit=${recording}`],
    recording: true,
    settle: (exitedCleanly) => {
      try {
        if (exitedCleanly && existsSync(recording)) renameSync(recording, archive);
      } finally {
        rmSync(recording, { force: true });
      }
    },
    discard: () => rmSync(recording, { force: true }),
  };
}

export function classDataDirectory(cache: KafkaCacheLayout): string {
  return join(cache.root, "class-data");
}

/** The java binary that runs, as a short hash of its resolved path and mtime (an upgraded JDK gets new archives). */
function javaFingerprint(java: string): string {
  let identity = locate(java);
  try {
    identity = `${realpathSync(identity)}:${statSync(identity).mtimeMs}`;
  } catch {
    // Not found: the start will fail with its own clear message.
  }
  return createHash("sha256").update(identity).digest("hex").slice(0, 12);
}

function locate(command: string): string {
  if (command.includes("/")) return resolve(command);
  for (const directory of (process.env.PATH ?? "").split(delimiter)) {
    if (directory === "") continue;
    const candidate = join(directory, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return command;
}
