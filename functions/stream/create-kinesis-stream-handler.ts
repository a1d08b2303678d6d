import type { KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import type { StreamingDependencies } from "../../layers/domain/streaming/process-stream-batch.ts";
import type { DeadLetterQueue } from "../../layers/ports/dead-letter-queue.ts";
import { handleDeliveredRecords } from "./handle-delivered-records.ts";
import { kinesisDeliveredRecords } from "./kinesis-event-records.ts";
import { logBatchOutcome } from "./stream-log.ts";

/**
 * The stream Lambda for Kinesis: decode, hand to the domain, and answer with a partial batch response
 * (ReportBatchItemFailures). The mapping resumes from the lowest failed sequence number; everything after
 * it is delivered again, which the idempotent effects absorb.
 */
export function createKinesisStreamHandler(deps: StreamingDependencies, deadLetters: DeadLetterQueue) {
  return async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => {
    const payloads = new Map(
      event.Records.map((record) => [record.kinesis.sequenceNumber, record.kinesis.data]),
    );
    const outcome = await handleDeliveredRecords(
      deps,
      deadLetters,
      kinesisDeliveredRecords(event),
      (position) => Buffer.from(payloads.get(position) ?? "", "base64"),
    );
    logBatchOutcome("kinesis", outcome);
    return { batchItemFailures: outcome.failedPositions.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}
