import { readFileSync } from "node:fs";

/** The account the node runs as when the harness runs as root. */
export interface RunAsUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/**
 * OpenSearch refuses to run as root ("can not run opensearch as root"), and CI runs as root. Then the JVM
 * is started as an unprivileged account instead: `$FLYWHEEL_OPENSEARCH_USER`, else `nobody`. Undefined when
 * this process is not root: the node then simply runs as the current user.
 */
export function unprivilegedUserForOpenSearch(
  requested = process.env.FLYWHEEL_OPENSEARCH_USER,
): RunAsUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const name = requested !== undefined && requested !== "" ? requested : "nobody";
  const entry = readPasswdEntry(name);
  if (entry === undefined) {
    throw new Error(
      `OpenSearch cannot run as root and there is no account ${JSON.stringify(name)} to run it as; ` +
        "set FLYWHEEL_OPENSEARCH_USER to an unprivileged account",
    );
  }
  if (entry.uid === 0) {
    throw new Error(`FLYWHEEL_OPENSEARCH_USER=${name} is root; OpenSearch refuses to run as root`);
  }
  return entry;
}

/**
 * `setpriv` (util-linux) switches user and group and then execs the command, so the spawned pid is the
 * JVM's own and the harness's process-group signals reach it directly. Supplementary groups are dropped.
 */
export function runAsPrefix(user: RunAsUser): { command: string; args: string[] } {
  return {
    command: "setpriv",
    args: [`--reuid=${user.uid}`, `--regid=${user.gid}`, "--clear-groups", "--"],
  };
}

function readPasswdEntry(name: string): RunAsUser | undefined {
  let passwd: string;
  try {
    passwd = readFileSync("/etc/passwd", "utf8");
  } catch {
    return undefined;
  }
  for (const line of passwd.split("\n")) {
    const [user, , uid, gid] = line.split(":");
    if (user === name && uid !== undefined && gid !== undefined) {
      const ids = { uid: Number(uid), gid: Number(gid) };
      if (Number.isInteger(ids.uid) && Number.isInteger(ids.gid)) return { name, ...ids };
    }
  }
  return undefined;
}
