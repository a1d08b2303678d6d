import { readFileSync, renameSync, writeFileSync } from "node:fs";

/**
 * How a service started in the background by one process (the test run's global setup launches OpenSearch and
 * Kafka) tells other processes (the test workers) that it is ready or failed, and why: a small JSON file,
 * replaced atomically.
 */
export type BackgroundServiceStatus =
  | { readonly state: "starting" }
  | { readonly state: "ready" }
  | { readonly state: "failed"; readonly message: string };

export function writeServiceStatus(file: string, status: BackgroundServiceStatus): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(status));
  renameSync(`${file}.tmp`, file);
}

/** Undefined while there is no (readable) file yet. */
export function readServiceStatus(file: string): BackgroundServiceStatus | undefined {
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
