import type { DeliveredRecordsOutcome } from "./handle-delivered-records.ts";

/** One structured log line per batch (Lambda's JSON log format picks it up); the metrics source until EMF. */
export function logBatchOutcome(source: "kinesis" | "msk", outcome: DeliveredRecordsOutcome): void {
  const { failedPositions, ...figures } = outcome;
  console.info(
    JSON.stringify({ message: "stream batch", source, ...figures, failed: failedPositions.length }),
  );
}

/** A failed step, logged without event contents (user ids are personal data). */
export function logStepError(step: string, error: unknown): void {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  console.warn(JSON.stringify({ message: "stream step failed", step, error: detail }));
}
