import {
  chmodSync,
  chownSync,
  copyFileSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { processExists } from "./process-exists.ts";
import type { RunAsUser } from "./unprivileged-user.ts";

const PREFIX = "flywheel-opensearch-";

/** Everything one node run writes, in a fresh directory that is removed when the node stops. */
export interface OpenSearchRunDirectory {
  readonly root: string;
  /** The home the JVM is pointed at: the cache itself, or a hard-linked view of it (see below). */
  readonly home: string;
  readonly config: string;
  readonly data: string;
  readonly logs: string;
  readonly tmp: string;
  /** Removes the directory; safe to call more than once. */
  remove(): void;
}

export interface RunDirectorySettings {
  readonly httpPort: number;
  readonly transportPort: number;
}

/**
 * Creates `$TMPDIR/flywheel-opensearch-<pid>-XXXXXX` with config/ (opensearch.yml, log4j2.properties; the
 * node also writes its keystore there), data/, logs/ and tmp/, all owned by `runAs` when given.
 *
 * When the node runs as another user than this process (root starting it as `nobody`), that user usually
 * cannot reach the cache under root's home (mode 700). The home is then hard-linked into the run directory:
 * a hard link is reached through its own path, so no permission on root's home is needed, and it costs
 * no copy (files are copied instead when the cache is on another file system or not world-readable).
 */
export function createRunDirectory(
  cachedHome: string,
  settings: RunDirectorySettings,
  runAs: RunAsUser | undefined,
): OpenSearchRunDirectory {
  removeAbandonedRunDirectories();
  const root = mkdtempSync(join(tmpdir(), `${PREFIX}${process.pid}-`));
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    process.removeListener("exit", remove);
    rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  };
  // An exit without a graceful stop (the registry SIGKILLs the node then) still leaves no directory.
  process.on("exit", remove);
  try {
    const home = runAs === undefined ? cachedHome : linkTree(cachedHome, join(root, "home"));
    const directory = {
      root,
      home,
      config: join(root, "config"),
      data: join(root, "data"),
      logs: join(root, "logs"),
      tmp: join(root, "tmp"),
      remove,
    };
    for (const dir of [directory.config, directory.data, directory.logs, directory.tmp]) mkdirSync(dir);
    writeFileSync(join(directory.config, "opensearch.yml"), openSearchYaml(directory, settings));
    writeFileSync(join(directory.config, "log4j2.properties"), LOG4J2_PROPERTIES);
    if (runAs !== undefined) {
      chownSync(root, runAs.uid, runAs.gid);
      chmodSync(root, 0o755);
      for (const dir of [directory.config, directory.data, directory.logs, directory.tmp]) {
        chownSync(dir, runAs.uid, runAs.gid);
      }
      for (const file of readdirSync(directory.config)) {
        chownSync(join(directory.config, file), runAs.uid, runAs.gid);
      }
    }
    return directory;
  } catch (error) {
    remove();
    throw error;
  }
}

/**
 * One node, loopback only, no cluster to find. The disk watermarks are off: a developer's nearly full disk
 * would otherwise turn indices read-only in the middle of a test. Nothing else deviates from the defaults, so
 * the node behaves as a managed domain does (index auto-creation included).
 */
function openSearchYaml(directory: { data: string; logs: string }, settings: RunDirectorySettings): string {
  return [
    "cluster.name: flywheel-local",
    "node.name: flywheel-local",
    `path.data: ${directory.data}`,
    `path.logs: ${directory.logs}`,
    "network.host: 127.0.0.1",
    `http.port: ${settings.httpPort}`,
    `transport.port: ${settings.transportPort}`,
    "discovery.type: single-node",
    "cluster.routing.allocation.disk.threshold_enabled: false",
    "",
  ].join("\n");
}

/** Console only (the harness keeps the last 64 KiB of it and shows it when the node fails to start). */
const LOG4J2_PROPERTIES = [
  "status = error",
  "appender.console.type = Console",
  "appender.console.name = console",
  "appender.console.layout.type = PatternLayout",
  "appender.console.layout.pattern = [%d{ISO8601}][%-5p][%-25c{1.}] [%node_name]%marker %m%n",
  "rootLogger.level = info",
  "rootLogger.appenderRef.console.ref = console",
  "",
].join("\n");

function linkTree(from: string, to: string): string {
  mkdirSync(to, { mode: 0o755 });
  chmodSync(to, 0o755);
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) {
      linkTree(source, target);
    } else if (entry.isFile()) {
      if ((statSync(source).mode & 0o004) !== 0 && tryLink(source, target)) continue;
      copyFileSync(source, target);
      chmodSync(target, 0o644);
    }
  }
  return to;
}

function tryLink(source: string, target: string): boolean {
  try {
    linkSync(source, target);
    return true;
  } catch (error) {
    // EXDEV: another file system; EPERM: hard links refused (fs.protected_hardlinks for non-owners).
    if (error instanceof Error && "code" in error && (error.code === "EXDEV" || error.code === "EPERM")) {
      return false;
    }
    throw error;
  }
}

/** Run directories of harness processes that died without cleaning up (SIGKILL) are only disk space now. */
function removeAbandonedRunDirectories(): void {
  let names: string[];
  try {
    names = readdirSync(tmpdir());
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(PREFIX)) continue;
    const pid = Number(name.slice(PREFIX.length).split("-")[0]);
    if (!Number.isInteger(pid) || pid <= 0 || processExists(pid)) continue;
    rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
}
