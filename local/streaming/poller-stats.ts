/** How far the poller got in one shard. */
export interface ShardStats {
  /** The last sequence number checkpointed (every record up to it is handled); undefined before the first. */
  readonly checkpoint: string | undefined;
  /** Closed and read to its end. */
  readonly finished: boolean;
  /** From the last GetRecords: how far behind the tip of the shard the reader is. */
  readonly millisBehindLatest: number;
  /** Records read and waiting for their batch. */
  readonly bufferedRecords: number;
  readonly batchInFlight: boolean;
}

/** What the poller has done since it started (a snapshot; call `stats()` again for fresh numbers). */
export interface EventSourcePollerStats {
  /** Batches read from the stream and fully handled (delivered, or discarded), hence checkpointed. */
  readonly batches: number;
  /** Records in those batches. */
  readonly records: number;
  /** Handler invocations, retries and bisected halves included. */
  readonly invocations: number;
  /** Invocations that re-sent records after a failure (partial, invalid response or function error). */
  readonly retries: number;
  /** Failed ranges split in two (BisectBatchOnFunctionError). */
  readonly bisections: number;
  /** Invocations that threw or timed out. */
  readonly functionErrors: number;
  /** Invocations whose response reported failed records (or an invalid report). */
  readonly reportedFailures: number;
  /** Records given up on (retries exhausted or too old), whether or not a destination was configured. */
  readonly discardedRecords: number;
  /** On-failure messages delivered to the destination. */
  readonly deadLetterMessages: number;
  /** Failed stream reads (ListShards, GetShardIterator, GetRecords), each retried after a pause. */
  readonly readErrors: number;
  readonly shards: Readonly<Record<string, ShardStats>>;
}

/** The counters the shard consumers add to. */
export type PollerCounters = {
  -readonly [K in Exclude<keyof EventSourcePollerStats, "shards">]: number;
};

export function emptyCounters(): PollerCounters {
  return {
    batches: 0,
    records: 0,
    invocations: 0,
    retries: 0,
    bisections: 0,
    functionErrors: 0,
    reportedFailures: 0,
    discardedRecords: 0,
    deadLetterMessages: 0,
    readErrors: 0,
  };
}
