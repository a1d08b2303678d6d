import type { MSKEvent } from "aws-lambda";
import type { StreamingDependencies } from "../../layers/domain/streaming/process-stream-batch.ts";
import type { DeadLetterQueue } from "../../layers/ports/dead-letter-queue.ts";
import { observedHandler } from "../commons/observed-handler.ts";
import { ServedSources } from "./feedback-by-source.ts";
import { mskBatchCorrelationId, mskDeliveredRecords, mskPayloads } from "./msk-event-records.ts";
import { handleAndRecordStreamBatch } from "./record-stream-batch.ts";

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
  const servedSources = new ServedSources();
  const handleBatch = async (event: MSKEvent): Promise<void> => {
    const payloads = mskPayloads(event);
    const outcome = await handleAndRecordStreamBatch(
      "msk",
      deps,
      deadLetters,
      servedSources,
      mskDeliveredRecords(event),
      (position) => payloads.get(position) ?? new Uint8Array(0),
    );
    if (outcome.failedPositions.length > 0) {
      throw new StreamBatchFailedError(
        `${outcome.failedPositions.length} of ${outcome.events} records failed; the batch will be retried`,
      );
    }
  };
  return observedHandler(handleBatch, { correlationIdOf: mskBatchCorrelationId });
}
