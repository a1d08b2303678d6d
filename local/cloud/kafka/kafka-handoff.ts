import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeServiceStatus } from "../background-service-status.ts";
import type { KafkaService } from "./kafka-service.ts";

/**
 * What a test run's global setup tells its workers about the broker it launched in the background: `off`
 * (FLYWHEEL_KAFKA=off: the Kafka suites are skipped), or where the broker will answer and which file
 * reports its fate (the suites wait for it with waitForKafka, and fail with the reason if it failed).
 */
export type KafkaHandoff =
  | { readonly state: "off" }
  | { readonly state: "launched"; readonly brokers: string; readonly statusFile: string };

/** The broker's fate as one process (the global setup) tells others (the workers): a small JSON file. */
/**
 * Publishes the fate of a broker booting in the background to a status file, and logs a failed start
 * once (the suites that need the broker fail with the same message). `dispose` removes the file; call it
 * before stopping the broker, so that a start the teardown abandons is not reported as a failure.
 */
export function handOffKafka(
  service: KafkaService | undefined,
  log: (text: string) => void = (text) => console.error(text),
): { readonly handoff: KafkaHandoff; dispose(): void } {
  if (service === undefined) return { handoff: { state: "off" }, dispose: () => {} };
  const directory = mkdtempSync(join(tmpdir(), "flywheel-kafka-status-"));
  const statusFile = join(directory, "status.json");
  writeServiceStatus(statusFile, { state: "starting" });
  let disposed = false;
  service.ready.then(
    () => {
      if (!disposed) writeServiceStatus(statusFile, { state: "ready" });
    },
    (error: unknown) => {
      // After dispose the run is over: a start abandoned by the teardown is no failure worth a word.
      if (disposed) return;
      const message = error instanceof Error ? error.message : String(error);
      log(`Kafka did not start; the Kafka suites will fail with:\n${message}`);
      writeServiceStatus(statusFile, { state: "failed", message });
    },
  );
  return {
    handoff: { state: "launched", brokers: service.brokers, statusFile },
    dispose: () => {
      disposed = true;
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
