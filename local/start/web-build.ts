import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { trackProcessGroup, untrackProcessGroup } from "../cloud/process-registry.ts";

export const WEB_DIRECTORY = fileURLToPath(new URL("../../web/", import.meta.url));
export const WEB_DIST_DIRECTORY = join(WEB_DIRECTORY, "dist");
const VITE_CLI = fileURLToPath(new URL("../../node_modules/vite/bin/vite.js", import.meta.url));
/** What the build reads: when any is newer than the built page, the build is stale. */
const WEB_SOURCES = ["src", "index.html", "vite.config.ts", "tsconfig.json"];

/** True when web/dist/index.html is missing or older than any web source file. */
export function webBuildIsStale(webDirectory = WEB_DIRECTORY): boolean {
  const built = join(webDirectory, "dist", "index.html");
  if (!existsSync(built)) return true;
  const builtAt = statSync(built).mtimeMs;
  return WEB_SOURCES.some((source) => newestModification(join(webDirectory, source)) > builtAt);
}

function newestModification(path: string): number {
  if (!existsSync(path)) return 0;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestModification(join(path, entry)));
  return newest;
}

export interface WebBuild {
  readonly done: Promise<void>;
  /** Stops the build if it still runs. */
  cancel(): void;
}

/**
 * `vite build` of web/ (what `npm run build:web` runs) in a child process of its own group, its output kept
 * for errors. The process registry knows the group, so the build does not outlive `npm start` however that
 * ends (its orphan reaper kills it even after a SIGKILL).
 */
export function buildWebApp(webDirectory = WEB_DIRECTORY): WebBuild {
  const child = spawn(
    process.execPath,
    [VITE_CLI, "build", "--config", join(webDirectory, "vite.config.ts")],
    {
      cwd: webDirectory,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const group = child.pid;
  const killGroup = () => {
    if (group === undefined) return;
    try {
      process.kill(-group, "SIGKILL");
    } catch {
      // Already gone.
    }
  };
  if (group !== undefined) trackProcessGroup(group, async () => killGroup());
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString("utf8"));
    if (output.length > 50) output.shift();
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const done = new Promise<void>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => {
      if (group !== undefined) untrackProcessGroup(group);
      if (code === 0) resolve();
      else reject(new Error(`vite build ended with ${signal ?? `code ${code}`}:\n${output.join("")}`));
    });
  });
  return {
    done,
    cancel: () => {
      if (child.exitCode === null && child.signalCode === null) killGroup();
    },
  };
}
