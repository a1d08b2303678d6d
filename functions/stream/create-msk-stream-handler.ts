import type { MSKEvent } from "aws-lambda";
import type { StreamingDependencies } from "../../layers/domain/streaming/process-stream-batch.ts";
import type { DeadLetterQueue } from "../../layers/ports/dead-letter-queue.ts";
import { handleDeliveredRecords } from "./handle-delivered-records.ts";
import { mskDeliveredRecords, mskPayloads } from "./msk-event-records.ts";
import { logBatchOutcome } from "./stream-log.ts";

/** Thrown when part of an MSK batch failed: the Kafka mapping then retries the whole batch. */
export class StreamBatchFailedError extends Error {
  override readonly name = "StreamBatchFailedError";
}

/**
 * The stream Lambda for the MSK option: the same domain step as Kinesis, over the Kafka event shape. The
 * ingest stack's Kafka mapping does not enable partial batch responses (they need provisioned pollers), so
 * any failed record fails the invocation and the whole batch is delivered again; the effects are idempotent, so what succeeded the first time is not
 * counted twice. Poison records still go straight to the dead-letter queue and never fail the batch.
 */
export function createMskStreamHandler(deps: StreamingDependencies, deadLetters: DeadLetterQueue) {
  return async (event: MSKEvent): Promise<void> => {
    const payloads = mskPayloads(event);
    const outcome = await handleDeliveredRecords(
      deps,
      deadLetters,
      mskDeliveredRecords(event),
      (position) => payloads.get(position) ?? new Uint8Array(0),
    );
    logBatchOutcome("msk", outcome);
    if (outcome.failedPositions.length > 0) {
      throw new StreamBatchFailedError(
        `${outcome.failedPositions.length} of ${outcome.events} records failed; the batch will be retried`,
      );
    }
  };
}
