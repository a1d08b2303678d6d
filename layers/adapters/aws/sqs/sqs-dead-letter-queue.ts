import { SendMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { DependencyError } from "../../../domain/errors/domain-errors.ts";
import type { DeadLetter, DeadLetterQueue } from "../../../ports/dead-letter-queue.ts";

export const SQS_DEPENDENCY = "sqs";
/** SendMessageBatch takes at most 10 entries and 256 KiB in all. */
const ENTRIES_PER_CALL = 10;
/** Room for the JSON envelope in SQS's 256 KiB, shared by up to 10 entries of a call. */
const MAX_PAYLOAD_BASE64_CHARS = 20_000;
const ATTEMPTS = 3;

export interface SqsDeadLetterQueueOptions {
  readonly client: SQSClient;
  readonly queueUrl: string;
}

/**
 * Poison records to the stream's SQS dead-letter queue, as JSON `{ kind: "poison-record", source,
 * position, reason, payloadBase64, payloadTruncated }`. A Kinesis record can reach 1 MiB, SQS messages
 * 256 KiB: a large payload is cut, and `source` + `position` still find the whole record in the stream
 * within its retention. (The event-source mapping's own on-failure messages, for batches whose retries ran
 * out, land in the same queue in AWS's KinesisBatchInfo format.)
 */
export class SqsDeadLetterQueue implements DeadLetterQueue {
  private readonly client: SQSClient;
  private readonly queueUrl: string;

  constructor(options: SqsDeadLetterQueueOptions) {
    this.client = options.client;
    this.queueUrl = options.queueUrl;
  }

  async send(letters: readonly DeadLetter[]): Promise<void> {
    for (let start = 0; start < letters.length; start += ENTRIES_PER_CALL) {
      let pending = letters.slice(start, start + ENTRIES_PER_CALL).map((letter, index) => ({
        Id: String(index),
        MessageBody: JSON.stringify(messageOf(letter)),
      }));
      for (let attempt = 1; pending.length > 0; attempt++) {
        let failedIds: Set<string>;
        try {
          const output = await this.client.send(
            new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending }),
          );
          failedIds = new Set((output.Failed ?? []).map((failure) => failure.Id ?? ""));
        } catch (error) {
          if (attempt >= ATTEMPTS) {
            throw new DependencyError(SQS_DEPENDENCY, `SendMessageBatch: ${(error as Error).message}`, {
              cause: error,
            });
          }
          continue;
        }
        pending = pending.filter((entry) => failedIds.has(entry.Id));
        if (pending.length > 0 && attempt >= ATTEMPTS) {
          throw new DependencyError(
            SQS_DEPENDENCY,
            `${pending.length} dead letters refused after ${attempt} attempts`,
          );
        }
      }
    }
  }
}

function messageOf(letter: DeadLetter): Record<string, unknown> {
  const base64 = Buffer.from(letter.payload).toString("base64");
  const truncated = base64.length > MAX_PAYLOAD_BASE64_CHARS;
  return {
    kind: "poison-record",
    source: letter.source,
    position: letter.position,
    reason: letter.reason,
    payloadBase64: truncated ? base64.slice(0, MAX_PAYLOAD_BASE64_CHARS) : base64,
    payloadTruncated: truncated,
  };
}
