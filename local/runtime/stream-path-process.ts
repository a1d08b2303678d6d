/**
 * The local streaming path as a process of its own: the stream handler behind the local event-source
 * mapping, with its checkpoints in a file, so that it can be killed and restarted like a Lambda host.
 * Reads the resources' variables from the environment (see provisionStreamingResources) plus:
 * - FLYWHEEL_CHECKPOINT_FILE (required): where the mapping keeps its checkpoints;
 * - FLYWHEEL_HOLD_AFTER_BATCH_MS: a pause after each handled batch and before its checkpoint, which widens
 *   the window in which a kill lands between a batch's effects and its checkpoint (the crash test).
 * Prints `ready` once polling, then one line per handled batch.
 */
import { setTimeout as delay } from "node:timers/promises";
import { SQSClient } from "@aws-sdk/client-sqs";
import { createKinesisStreamHandler } from "../../functions/stream/create-kinesis-stream-handler.ts";
import { streamingDependenciesFromEnvironment } from "../../functions/stream/streaming-dependencies.ts";
import { createKinesisClient } from "../../layers/adapters/aws/kinesis/kinesis-client.ts";
import { FileCheckpointStore } from "../streaming/checkpoint-store.ts";
import { startKinesisEventSourcePoller } from "../streaming/kinesis-event-source-poller.ts";
import { createSqsDeadLetterDestination } from "../streaming/sqs-dead-letter-destination.ts";

const checkpointFile = process.env.FLYWHEEL_CHECKPOINT_FILE;
const streamName = process.env.FLYWHEEL_EVENT_STREAM_NAME;
const queueUrl = process.env.FLYWHEEL_STREAM_DEAD_LETTER_QUEUE_URL;
if (!checkpointFile || !streamName || !queueUrl) {
  console.error(
    "set FLYWHEEL_CHECKPOINT_FILE, FLYWHEEL_EVENT_STREAM_NAME and FLYWHEEL_STREAM_DEAD_LETTER_QUEUE_URL",
  );
  process.exit(2);
}
const holdMs = Number(process.env.FLYWHEEL_HOLD_AFTER_BATCH_MS ?? "0");
const { deps, deadLetters } = streamingDependenciesFromEnvironment();
const handle = createKinesisStreamHandler(deps, deadLetters);
const poller = await startKinesisEventSourcePoller({
  client: createKinesisClient(),
  stream: { streamName },
  handler: async (event) => {
    const response = await handle(event);
    console.log(`batch ${event.Records.length}`);
    if (holdMs > 0) await delay(holdMs);
    return response;
  },
  functionName: "stream-path-process",
  startingPosition: "TRIM_HORIZON",
  batchSize: 100,
  maximumBatchingWindowMs: 100,
  pollIntervalMs: 50,
  bisectBatchOnFunctionError: true,
  reportBatchItemFailures: true,
  maximumRetryAttempts: 5,
  checkpointStore: new FileCheckpointStore(checkpointFile),
  onFailure: createSqsDeadLetterDestination({ client: new SQSClient({}), queueUrl }),
});
console.log("ready");
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void poller.stop().then(() => process.exit(0));
  });
}
