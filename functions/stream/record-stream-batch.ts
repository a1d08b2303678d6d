import type { StreamingDependencies } from "../../layers/domain/streaming/process-stream-batch.ts";
import type { DeadLetterQueue } from "../../layers/ports/dead-letter-queue.ts";
import { recordMetric } from "../commons/application-metrics.ts";
import { type ServedSources, tallyFeedbackBySource } from "./feedback-by-source.ts";
import { type DeliveredRecordsOutcome, handleDeliveredRecords } from "./handle-delivered-records.ts";
import type { DeliveredRecord } from "./kinesis-event-records.ts";
import { logBatchOutcome } from "./stream-log.ts";

/**
 * handleDeliveredRecords with the batch's metrics and log line, for both stream handlers: each user's
 * fold-in time (the domain reports it through `onTiming`), events processed and failed, poison records
 * dead-lettered, and the impressions and clicks first counted, by the served list's source (CTR). The
 * domain and its ports stay as they are; only what they report is observed.
 */
export async function handleAndRecordStreamBatch(
  source: "kinesis" | "msk",
  deps: StreamingDependencies,
  deadLetters: DeadLetterQueue,
  servedSources: ServedSources,
  records: readonly DeliveredRecord[],
  payloadOf: (position: string) => Uint8Array,
): Promise<DeliveredRecordsOutcome> {
  const feedback = tallyFeedbackBySource(deps.recommendationLog, servedSources);
  const observed: StreamingDependencies = {
    ...deps,
    recommendationLog: feedback.recommendationLog,
    onTiming: (timing) => {
      deps.onTiming?.(timing);
      recordMetric.foldIn(timing.milliseconds);
    },
  };
  const outcome = await handleDeliveredRecords(observed, deadLetters, records, payloadOf);
  recordMetric.streamBatch({
    processed: outcome.events,
    failed: outcome.failedPositions.length,
    deadLettered: outcome.deadLettered,
  });
  recordMetric.feedbackBySource(feedback.counts());
  logBatchOutcome(source, outcome);
  return outcome;
}
