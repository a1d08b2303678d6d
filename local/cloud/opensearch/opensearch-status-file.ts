import { readFileSync, renameSync, writeFileSync } from "node:fs";

/**
 * How a node started in the background by one process (the test run's global setup) tells other processes
 * (the test workers) that it failed, and why: a small JSON file, replaced atomically.
 */
export type OpenSearchStatus =
  | { readonly state: "starting" }
  | { readonly state: "ready" }
  | { readonly state: "failed"; readonly message: string };

export function writeOpenSearchStatus(file: string, status: OpenSearchStatus): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(status));
  renameSync(`${file}.tmp`, file);
}

/** Undefined while there is no (readable) file yet. */
export function readOpenSearchStatus(file: string): OpenSearchStatus | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
    if (typeof parsed !== "object" || parsed === null || !("state" in parsed)) return undefined;
    if (parsed.state === "failed") {
      const message = "message" in parsed && typeof parsed.message === "string" ? parsed.message : "";
      return { state: "failed", message };
    }
    if (parsed.state === "starting" || parsed.state === "ready") return { state: parsed.state };
    return undefined;
  } catch {
    return undefined;
  }
}
