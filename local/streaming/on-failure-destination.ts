import type { KinesisFailureMessage } from "./kinesis-failure-message.ts";

/**
 * Where the event-source mapping sends the batch info of records it discards (DestinationConfig.OnFailure).
 * `send` resolves once the message is stored; a rejection makes the poller retry it, and the records are
 * not checkpointed until it succeeds.
 */
export interface OnFailureDestination {
  /** For the log: the queue URL or topic ARN. */
  readonly description: string;
  send(message: KinesisFailureMessage): Promise<void>;
}
