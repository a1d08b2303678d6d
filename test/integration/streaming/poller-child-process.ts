// A poller in a process of its own, for the restart test (kinesis-poller-restart.test.ts): it reads the
// stream named by POLLER_STREAM_NAME with a file checkpoint store (POLLER_CHECKPOINT_FILE) and appends
// "<run> <data>" to POLLER_DELIVERY_LOG for every record the handler receives, before handling it.
// - With POLLER_HANG_ON set, the handler hangs forever on the batch holding that record, after logging
//   "<run> hanging": the test kills the process with SIGKILL there, mid-batch.
// - Without it, the process runs until the poller is idle, stops it and exits 0.
// Endpoints, region and credentials come from the environment, as the local cloud exports them.
import { appendFileSync } from "node:fs";
import { createKinesisClient } from "../../../layers/adapters/aws/kinesis/kinesis-client.ts";
import { FileCheckpointStore } from "../../../local/streaming/checkpoint-store.ts";
import { startKinesisEventSourcePoller } from "../../../local/streaming/kinesis-event-source-poller.ts";

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") throw new Error(`${name} is not set`);
  return value;
}

const streamName = required("POLLER_STREAM_NAME");
const deliveryLog = required("POLLER_DELIVERY_LOG");
const run = required("POLLER_RUN");
const hangOn = process.env.POLLER_HANG_ON;

const client = createKinesisClient();
const poller = await startKinesisEventSourcePoller({
  client,
  stream: { streamName },
  consumerName: "restart-test",
  checkpointStore: new FileCheckpointStore(required("POLLER_CHECKPOINT_FILE")),
  startingPosition: "TRIM_HORIZON",
  batchSize: 5,
  maximumBatchingWindowMs: 0,
  pollIntervalMs: 50,
  log: (line) => console.error(line),
  handler: async (event) => {
    const data = event.Records.map((record) => Buffer.from(record.kinesis.data, "base64").toString("utf8"));
    appendFileSync(deliveryLog, data.map((item) => `${run} ${item}\n`).join(""));
    if (hangOn !== undefined && data.includes(hangOn)) {
      appendFileSync(deliveryLog, `${run} hanging\n`);
      await new Promise(() => {});
    }
  },
});

if (hangOn === undefined) {
  await poller.whenIdle({ timeoutMs: 30_000 });
  await poller.stop();
  client.destroy();
}
