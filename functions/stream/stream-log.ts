import { logger } from "../commons/observability.ts";
import type { DeliveredRecordsOutcome } from "./handle-delivered-records.ts";

/** Failed positions named in one log line; the count is always complete. */
const MAX_FAILED_POSITIONS_LOGGED = 10;

/**
 * One structured log line per batch, with the batch's correlation id (its first and last position), the
 * figures, and where the first failed records sit (sequence numbers or partition offsets, never contents).
 * WARN when a record failed, so a filter on the level finds the batches that will be delivered again; DEBUG
 * otherwise (seen in sampled invocations): the figures of every batch are in its metrics.
 */
export function logBatchOutcome(source: "kinesis" | "msk", outcome: DeliveredRecordsOutcome): void {
  const { failedPositions, ...figures } = outcome;
  const entry = {
    source,
    ...figures,
    failed: failedPositions.length,
    ...(failedPositions.length > 0
      ? { failedPositions: failedPositions.slice(0, MAX_FAILED_POSITIONS_LOGGED) }
      : {}),
  };
  if (failedPositions.length > 0) logger.warn("stream batch", entry);
  else logger.debug("stream batch", entry);
}

/** A failed step, logged without event contents (user ids are personal data). */
export function logStepError(step: string, error: unknown): void {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  logger.warn("stream step failed", { step, error: detail });
}
