import type { KinesisClient } from "@aws-sdk/client-kinesis";
import { ReceiveMessageCommand, SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { DependencyError } from "../../layers/domain/errors/domain-errors.ts";
import {
  InvalidFailureMessageError,
  type KinesisFailureMessage,
  parseKinesisFailureMessage,
} from "./kinesis-failure-message.ts";
import type { ShardRecord } from "./kinesis-lambda-record.ts";
import { createKinesisShardSource, GET_RECORDS_LIMIT } from "./kinesis-shard-source.ts";
import type { OnFailureDestination } from "./on-failure-destination.ts";
import { compareSequenceNumbers } from "./sequence-numbers.ts";

export interface SqsDeadLetterDestinationOptions {
  /** An SQS client; its endpoint comes from AWS_ENDPOINT_URL_SQS locally (moto), as for any SDK client. */
  readonly client: SQSClient;
  /** The stream's dead-letter queue (FLYWHEEL_STREAM_DEAD_LETTER_QUEUE_URL in a deployed stack). */
  readonly queueUrl: string;
}

/** The on-failure destination of an SQS queue: one message per discarded range, its body the JSON record. */
export function createSqsDeadLetterDestination(
  options: SqsDeadLetterDestinationOptions,
): OnFailureDestination {
  return {
    description: options.queueUrl,
    async send(message) {
      try {
        await options.client.send(
          new SendMessageCommand({ QueueUrl: options.queueUrl, MessageBody: JSON.stringify(message) }),
        );
      } catch (error) {
        const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        throw new DependencyError("sqs", `SendMessage to ${options.queueUrl}: ${detail}`, { cause: error });
      }
    },
  };
}

export interface ReceivedFailureMessages {
  readonly messages: ReadonlyArray<{
    readonly message: KinesisFailureMessage;
    readonly receiptHandle: string;
  }>;
  /** Bodies in the queue that are not Kinesis on-failure messages, with the reason. */
  readonly unreadable: ReadonlyArray<{
    readonly body: string;
    readonly reason: string;
    readonly receiptHandle: string;
  }>;
}

/**
 * Receives up to `maxMessages` (1 to 10) on-failure messages from a dead-letter queue, waiting up to
 * `waitTimeSeconds` for the first. They stay in the queue (invisible for its visibility timeout) until
 * deleted with their receipt handles, as any SQS message.
 */
export async function receiveKinesisFailureMessages(
  client: SQSClient,
  queueUrl: string,
  options: { readonly maxMessages?: number; readonly waitTimeSeconds?: number } = {},
): Promise<ReceivedFailureMessages> {
  const response = await client.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: options.maxMessages ?? 10,
      WaitTimeSeconds: options.waitTimeSeconds ?? 0,
    }),
  );
  const messages: Array<{ message: KinesisFailureMessage; receiptHandle: string }> = [];
  const unreadable: Array<{ body: string; reason: string; receiptHandle: string }> = [];
  for (const received of response.Messages ?? []) {
    const body = received.Body ?? "";
    const receiptHandle = received.ReceiptHandle ?? "";
    try {
      messages.push({ message: parseKinesisFailureMessage(body), receiptHandle });
    } catch (error) {
      if (!(error instanceof InvalidFailureMessageError)) throw error;
      unreadable.push({ body, reason: error.message, receiptHandle });
    }
  }
  return { messages, unreadable };
}

/**
 * The records an on-failure message describes, read back from the stream: an iterator AT_SEQUENCE_NUMBER
 * of the first, then GetRecords up to the last. This is how an operator inspects poison records; the
 * message holds no data, so it must happen within the stream's retention (24 h by default). Fewer records
 * than `batchSize` come back when some were trimmed from the stream.
 */
export async function readDiscardedRecords(
  client: KinesisClient,
  message: KinesisFailureMessage,
): Promise<ShardRecord[]> {
  const info = message.KinesisBatchInfo;
  const source = createKinesisShardSource(client, { streamArn: info.streamArn });
  const records: ShardRecord[] = [];
  let iterator: string | undefined = await source.shardIterator(info.shardId, {
    type: "AT_SEQUENCE_NUMBER",
    sequenceNumber: info.startSequenceNumber,
  });
  while (iterator !== undefined) {
    const wanted = Math.max(1, Math.min(GET_RECORDS_LIMIT, info.batchSize - records.length));
    const read = await source.getRecords(info.shardId, iterator, wanted);
    for (const record of read.records) {
      const order = compareSequenceNumbers(record.sequenceNumber, info.endSequenceNumber);
      if (order > 0) return records;
      records.push(record);
      if (order === 0) return records;
    }
    if (read.records.length === 0 && read.millisBehindLatest === 0) break;
    iterator = read.nextIterator;
  }
  return records;
}
