import { Agent as HttpAgent } from "node:http";
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
  PutRecordsCommand,
} from "@aws-sdk/client-kinesis";
import { CreateQueueCommand, DeleteQueueCommand, SQSClient } from "@aws-sdk/client-sqs";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { KinesisFailureMessage } from "../../../local/streaming/kinesis-failure-message.ts";
import { receiveKinesisFailureMessages } from "../../../local/streaming/sqs-dead-letter-destination.ts";
import { uniqueId } from "../../contract/unique-id.ts";
import { waitUntil } from "../local-cloud/wait-until.ts";

// Streams and queues of a test's own on the local cloud (kinesis-mock, moto's SQS), created with unique
// names and deleted afterwards, so tests neither see nor disturb each other's records.

/** An SQS client for the local cloud's SQS (moto), refusing to start without AWS_ENDPOINT_URL_SQS. */
export function createTestSqsClient(): SQSClient {
  if (!process.env.AWS_ENDPOINT_URL_SQS) {
    throw new Error("AWS_ENDPOINT_URL_SQS is not set; integration tests never talk to real AWS");
  }
  return new SQSClient({
    maxAttempts: 2,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: 1_000,
      requestTimeout: 5_000,
      throwOnRequestTimeout: true,
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 8 }),
    }),
  });
}

export interface TestStream {
  readonly streamName: string;
  readonly streamArn: string;
}

/** A new stream, once ACTIVE. */
export async function createTestStream(client: KinesisClient, shardCount: number): Promise<TestStream> {
  const streamName = uniqueId("flywheel-esm");
  await client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shardCount }));
  const streamArn = await waitUntilActive(client, streamName);
  return { streamName, streamArn };
}

/** Waits until the stream is ACTIVE again (after a create or a reshard) and returns its ARN. */
export async function waitUntilActive(client: KinesisClient, streamName: string): Promise<string> {
  return waitUntil(
    `stream ${streamName} is ACTIVE`,
    async () => {
      const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
      const description = summary.StreamDescriptionSummary;
      return description?.StreamStatus === "ACTIVE" ? description.StreamARN : undefined;
    },
    { timeoutMs: 30_000 },
  );
}

export async function deleteTestStream(client: KinesisClient, stream: TestStream | undefined): Promise<void> {
  if (stream === undefined) return;
  await client.send(
    new DeleteStreamCommand({ StreamName: stream.streamName, EnforceConsumerDeletion: true }),
  );
}

export interface PutRecord {
  readonly partitionKey: string;
  readonly data: string;
}

export interface StoredRecord extends PutRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
}

/** Puts records in order (PutRecords keeps a shard's records in request order) and returns where they went. */
export async function putRecords(
  client: KinesisClient,
  streamName: string,
  records: readonly PutRecord[],
): Promise<StoredRecord[]> {
  const stored: StoredRecord[] = [];
  for (let start = 0; start < records.length; start += 500) {
    const chunk = records.slice(start, start + 500);
    const response = await client.send(
      new PutRecordsCommand({
        StreamName: streamName,
        Records: chunk.map((record) => ({
          PartitionKey: record.partitionKey,
          Data: Buffer.from(record.data, "utf8"),
        })),
      }),
    );
    chunk.forEach((record, index) => {
      const result = response.Records?.[index];
      if (result?.SequenceNumber === undefined || result.ShardId === undefined) {
        throw new Error(`PutRecords refused ${record.data}: ${result?.ErrorCode ?? "no result"}`);
      }
      stored.push({ ...record, shardId: result.ShardId, sequenceNumber: result.SequenceNumber });
    });
  }
  return stored;
}

export async function createTestQueue(sqs: SQSClient): Promise<string> {
  const response = await sqs.send(new CreateQueueCommand({ QueueName: uniqueId("flywheel-esm-dlq") }));
  if (response.QueueUrl === undefined) throw new Error("CreateQueue answered no QueueUrl");
  return response.QueueUrl;
}

export async function deleteTestQueue(sqs: SQSClient, queueUrl: string | undefined): Promise<void> {
  if (queueUrl !== undefined) await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
}

/** Receives on-failure messages until `count` have arrived (they stay invisible, so none is seen twice). */
export async function receiveFailureMessages(
  sqs: SQSClient,
  queueUrl: string,
  count: number,
): Promise<KinesisFailureMessage[]> {
  const received: KinesisFailureMessage[] = [];
  await waitUntil(
    `${count} on-failure message(s) are in ${queueUrl}`,
    async () => {
      const { messages, unreadable } = await receiveKinesisFailureMessages(sqs, queueUrl, {
        waitTimeSeconds: 1,
      });
      if (unreadable.length > 0) throw new Error(`unreadable messages: ${JSON.stringify(unreadable)}`);
      received.push(...messages.map((entry) => entry.message));
      return received.length >= count ? true : undefined;
    },
    { timeoutMs: 20_000 },
  );
  return received;
}

/** The UTF-8 text of a Lambda record's base64 data. */
export function decodeData(base64: string): string {
  return Buffer.from(base64, "base64").toString("utf8");
}
