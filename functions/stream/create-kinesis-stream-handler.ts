import type { KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import type { StreamingDependencies } from "../../layers/domain/streaming/process-stream-batch.ts";
import type { DeadLetterQueue } from "../../layers/ports/dead-letter-queue.ts";
import { observedHandler } from "../commons/observed-handler.ts";
import { ServedSources } from "./feedback-by-source.ts";
import { kinesisBatchCorrelationId, kinesisDeliveredRecords } from "./kinesis-event-records.ts";
import { handleAndRecordStreamBatch } from "./record-stream-batch.ts";

/**
 * The stream Lambda for Kinesis: decode, hand to the domain, and answer with a partial batch response
 * (ReportBatchItemFailures). The mapping resumes from the lowest failed sequence number; everything after
 * it is delivered again, which the idempotent effects absorb. Every log line of a batch carries its shard
 * and sequence numbers as the correlation id; its metrics go out as one EMF blob (record-stream-batch.ts).
 */
export function createKinesisStreamHandler(deps: StreamingDependencies, deadLetters: DeadLetterQueue) {
  const servedSources = new ServedSources();
  const handleBatch = async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => {
    const payloads = new Map(
      event.Records.map((record) => [record.kinesis.sequenceNumber, record.kinesis.data]),
    );
    const outcome = await handleAndRecordStreamBatch(
      "kinesis",
      deps,
      deadLetters,
      servedSources,
      kinesisDeliveredRecords(event),
      (position) => Buffer.from(payloads.get(position) ?? "", "base64"),
    );
    return { batchItemFailures: outcome.failedPositions.map((itemIdentifier) => ({ itemIdentifier })) };
  };
  return observedHandler(handleBatch, { correlationIdOf: kinesisBatchCorrelationId });
}
