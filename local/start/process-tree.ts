import { readdirSync, readFileSync } from "node:fs";

/** One process of a tree, as /proc shows it. */
export interface TreeProcess {
  readonly pid: number;
  readonly parentPid: number;
  readonly command: string;
  /** Resident set size in bytes. */
  readonly rssBytes: number;
}

/**
 * `rootPid` and every process descended from it (the emulators, the JVMs, the orphan reaper), read from
 * /proc (Linux only). A process that exits while the table is read is left out.
 */
export function processTree(rootPid: number): TreeProcess[] {
  const all = new Map<number, TreeProcess>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const process = readProcess(Number(entry));
    if (process !== undefined) all.set(process.pid, process);
  }
  const children = new Map<number, number[]>();
  for (const process of all.values()) {
    const siblings = children.get(process.parentPid) ?? [];
    siblings.push(process.pid);
    children.set(process.parentPid, siblings);
  }
  const tree: TreeProcess[] = [];
  const pending = [rootPid];
  while (pending.length > 0) {
    const pid = pending.pop() as number;
    const process = all.get(pid);
    if (process === undefined) continue;
    tree.push(process);
    pending.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/** Resident memory of the whole tree: what the local stack costs the machine. */
export function treeRssBytes(rootPid: number): number {
  return processTree(rootPid).reduce((sum, process) => sum + process.rssBytes, 0);
}

/** The pids of `pids` that still run (zombies count as gone: they hold no memory and no port). */
export function stillRunning(pids: readonly number[]): number[] {
  return pids.filter((pid) => {
    const process = readProcess(pid);
    return process !== undefined && readState(pid) !== "Z";
  });
}

function readProcess(pid: number): TreeProcess | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // comm may hold spaces and parentheses: the fields after it start after the last ")".
    const close = stat.lastIndexOf(")");
    const command = stat.slice(stat.indexOf("(") + 1, close);
    const fields = stat.slice(close + 2).split(" ");
    const parentPid = Number(fields[1]);
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const rssKb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? "0");
    return { pid, parentPid, command, rssBytes: rssKb * 1024 };
  } catch {
    return undefined;
  }
}

function readState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
  } catch {
    return undefined;
  }
}
