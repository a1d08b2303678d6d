/** A stream record that can never be processed (not an event), set aside with why. */
export interface DeadLetter {
  /** Where it sits in the stream: the shard or partition, and the sequence number or offset. */
  readonly source: string;
  readonly position: string;
  readonly reason: string;
  /** The record's bytes as delivered (an adapter may truncate them to its message limit, and says so). */
  readonly payload: Uint8Array;
}

/**
 * Where poison records go (an SQS queue in AWS, the same queue the event-source mapping's on-failure
 * destination uses), so that one bad record never blocks its shard and is never silently dropped.
 */
export interface DeadLetterQueue {
  /** Stores every letter or throws DependencyError; sending one twice is harmless (at least once). */
  send(letters: readonly DeadLetter[]): Promise<void>;
}
