import { setTimeout as delay } from "node:timers/promises";
import { readServiceStatus } from "../background-service-status.ts";
import { kafkaReadinessProbe } from "./kafka-readiness.ts";

export interface WaitForKafkaOptions {
  /** One bootstrap broker, `host:port` (PLAINTEXT). */
  readonly brokers: string;
  /** Written by whoever starts the broker (kafka-handoff.ts); a failure there ends the wait at once. */
  readonly statusFile?: string;
  /** @default 60_000 */
  readonly timeoutMs?: number;
  /** @default 200 */
  readonly intervalMs?: number;
}

/**
 * Waits until the broker answers metadata and hands out a producer id, with a deadline. When the process
 * that starts the broker reports a failure (Maven or Java missing, a download failed, the JVM died), the
 * wait fails at once with that reason instead of running into the deadline.
 */
export async function waitForKafka(options: WaitForKafkaOptions): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = performance.now() + timeoutMs;
  const probe = kafkaReadinessProbe(options.brokers);
  for (;;) {
    const status = options.statusFile === undefined ? undefined : readServiceStatus(options.statusFile);
    if (status?.state === "failed") {
      throw new Error(
        "Kafka could not be started for this run, so the Kafka suites cannot run " +
          `(set FLYWHEEL_KAFKA=off to skip them on a machine without Maven or Java):\n${status.message}`,
      );
    }
    // While the start is known to be in progress (assembling, formatting), probing only costs CPU.
    if (status?.state !== "starting" && (await probe())) return;
    if (performance.now() >= deadline) {
      throw new Error(
        `Kafka at ${options.brokers} was not ready within ${timeoutMs} ms` +
          (status === undefined ? "" : ` (start: ${status.state})`),
      );
    }
    await delay(options.intervalMs ?? 200);
  }
}
