import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeServiceStatus } from "../background-service-status.ts";
import type { OpenSearchService } from "./opensearch-service.ts";

/**
 * What a test run's global setup tells its workers about the OpenSearch node it launched in the background:
 * `off` (FLYWHEEL_OPENSEARCH=off: the OpenSearch suites are skipped), or where the node will answer and
 * which file reports a failed start (the suites wait for it with waitForOpenSearch and fail if it failed).
 */
export type OpenSearchHandoff =
  | { readonly state: "off" }
  | { readonly state: "launched"; readonly endpoint: string; readonly statusFile: string };

/**
 * Publishes the fate of a node booting in the background to a status file that other processes read, and
 * logs a failed start once (the suites that need the node fail with the same message). `dispose` removes
 * the file.
 */
export function handOffOpenSearch(
  service: OpenSearchService | undefined,
  log: (text: string) => void = (text) => console.error(text),
): { readonly handoff: OpenSearchHandoff; dispose(): void } {
  if (service === undefined) return { handoff: { state: "off" }, dispose: () => {} };
  const directory = mkdtempSync(join(tmpdir(), "flywheel-opensearch-status-"));
  const statusFile = join(directory, "status.json");
  writeServiceStatus(statusFile, { state: "starting" });
  let disposed = false;
  service.ready.then(
    () => {
      if (!disposed) writeServiceStatus(statusFile, { state: "ready" });
    },
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      log(`OpenSearch did not start; the OpenSearch suites will fail with:\n${message}`);
      if (!disposed) writeServiceStatus(statusFile, { state: "failed", message });
    },
  );
  return {
    handoff: { state: "launched", endpoint: service.endpoint, statusFile },
    dispose: () => {
      disposed = true;
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
