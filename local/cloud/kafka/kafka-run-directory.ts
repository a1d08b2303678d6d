import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const PREFIX = "flywheel-kafka-";
const OWNER_FILE = "owner.pid";

/** One broker's files: its configuration and its log directory, all thrown away on stop. */
export interface KafkaRunDirectory {
  readonly root: string;
  readonly serverProperties: string;
  readonly log4jProperties: string;
  /** `log.dirs`: the metadata log and every partition. */
  readonly data: string;
  remove(): void;
}

/**
 * A fresh directory under the system temp directory. It records which process owns it: a harness killed
 * outright (SIGKILL) cannot remove its broker's directory, so each new one first removes those whose owner
 * is gone.
 */
export function createKafkaRunDirectory(): KafkaRunDirectory {
  removeAbandonedRunDirectories();
  const root = mkdtempSync(join(tmpdir(), PREFIX));
  writeFileSync(join(root, OWNER_FILE), String(process.pid));
  const data = join(root, "data");
  mkdirSync(data);
  return {
    root,
    serverProperties: join(root, "server.properties"),
    log4jProperties: join(root, "log4j2.properties"),
    data,
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

function removeAbandonedRunDirectories(): void {
  let names: string[];
  try {
    names = readdirSync(tmpdir()).filter((name) => name.startsWith(PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const root = join(tmpdir(), name);
    let owner: number;
    try {
      owner = Number(readFileSync(join(root, OWNER_FILE), "utf8"));
    } catch {
      continue; // Still being created, or not ours to judge.
    }
    if (Number.isInteger(owner) && owner > 0 && !isAlive(owner))
      rmSync(root, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but someone else's.
    return error instanceof Error && "code" in error && error.code === "EPERM";
  }
}
