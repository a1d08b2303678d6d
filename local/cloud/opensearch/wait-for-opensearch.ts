import { setTimeout as delay } from "node:timers/promises";
import { readServiceStatus } from "../background-service-status.ts";
import { clusterHealthStatus } from "./cluster-health.ts";

export interface WaitForOpenSearchOptions {
  readonly endpoint: string;
  /** Written by whoever starts the node (background-service-status.ts); a failure there ends the wait at once. */
  readonly statusFile?: string;
  /** @default 90_000 */
  readonly timeoutMs?: number;
  /** @default 250 */
  readonly intervalMs?: number;
}

/**
 * Waits until the node at `endpoint` reports cluster health yellow or green, with a deadline. When the
 * process that starts the node reports a failure (Maven missing, a download failed, the JVM died), the wait
 * fails at once with that reason instead of running into the deadline.
 */
export async function waitForOpenSearch(options: WaitForOpenSearchOptions): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 90_000;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const status = options.statusFile === undefined ? undefined : readServiceStatus(options.statusFile);
    if (status?.state === "failed") {
      throw new Error(
        `OpenSearch could not be started for this run, so the OpenSearch suites cannot run ` +
          `(set FLYWHEEL_OPENSEARCH=off to skip them on a machine without Maven or Java):\n${status.message}`,
      );
    }
    const health = await clusterHealthStatus(options.endpoint);
    if (health === "green" || health === "yellow") return;
    if (performance.now() >= deadline) {
      throw new Error(
        `OpenSearch at ${options.endpoint} was not ready within ${timeoutMs} ms ` +
          `(last cluster health: ${health ?? "no answer"}${status === undefined ? "" : `, start: ${status.state}`})`,
      );
    }
    await delay(options.intervalMs ?? 250);
  }
}
