import type { ShardRecord } from "../../../local/streaming/kinesis-lambda-record.ts";
import {
  ExpiredShardIteratorError,
  type IteratorPosition,
  type ShardDescription,
  type ShardRead,
  type ShardSource,
} from "../../../local/streaming/kinesis-shard-source.ts";

interface InMemoryShard {
  readonly parentShardIds: readonly string[];
  readonly records: ShardRecord[];
  closed: boolean;
}

interface IteratorState {
  readonly shardId: string;
  readonly index: number;
  readonly generation: number;
}

/**
 * A Kinesis stream in memory, read through the poller's ShardSource: shards with parents (a reshard),
 * records with sequence numbers that grow across the stream, closing a shard, expiring every iterator
 * handed out so far, and failing the next reads. For unit tests of the poller's loop without an emulator.
 */
export class InMemoryStream implements ShardSource {
  readonly streamArn: string;
  /** Every GetRecords call, as `shardId@index`, for tests that check how the stream was read. */
  readonly reads: string[] = [];
  private readonly shards = new Map<string, InMemoryShard>();
  private nextSequence = 49_000_000_000_000_000_000n;
  private generation = 0;
  private expiredBefore = 0;
  private failingReads = 0;

  constructor(streamName = "unit-stream", region = "us-east-1") {
    this.streamArn = `arn:aws:kinesis:${region}:000000000000:stream/${streamName}`;
  }

  addShard(shardId: string, parentShardIds: readonly string[] = []): void {
    this.shards.set(shardId, { parentShardIds, records: [], closed: false });
  }

  /** Appends a record; its arrival time is now unless given. */
  put(
    shardId: string,
    data: string,
    options: { partitionKey?: string; arrivalMs?: number } = {},
  ): ShardRecord {
    const shard = this.shard(shardId);
    if (shard.closed) throw new Error(`shard ${shardId} is closed`);
    this.nextSequence += 1_000_000_000n;
    const record: ShardRecord = {
      shardId,
      sequenceNumber: this.nextSequence.toString(),
      partitionKey: options.partitionKey ?? "key",
      data: Buffer.from(data, "utf8"),
      approximateArrivalMs: options.arrivalMs ?? Date.now(),
    };
    shard.records.push(record);
    return record;
  }

  close(shardId: string): void {
    this.shard(shardId).closed = true;
  }

  /** Every iterator handed out so far fails its next GetRecords with ExpiredShardIteratorError. */
  expireIterators(): void {
    this.expiredBefore = ++this.generation;
  }

  /** The next `count` GetRecords calls fail as a throttled or unreachable Kinesis would. */
  failNextReads(count: number): void {
    this.failingReads = count;
  }

  async describeStream(): Promise<{ streamArn: string }> {
    return { streamArn: this.streamArn };
  }

  async listShards(): Promise<ShardDescription[]> {
    return [...this.shards].map(([shardId, shard]) => ({ shardId, parentShardIds: shard.parentShardIds }));
  }

  async shardIterator(shardId: string, position: IteratorPosition): Promise<string> {
    const shard = this.shard(shardId);
    let index: number;
    switch (position.type) {
      case "TRIM_HORIZON":
        index = 0;
        break;
      case "LATEST":
        index = shard.records.length;
        break;
      case "AT_SEQUENCE_NUMBER":
      case "AFTER_SEQUENCE_NUMBER": {
        const found = shard.records.findIndex((record) => record.sequenceNumber === position.sequenceNumber);
        if (found < 0) throw new Error(`no record ${position.sequenceNumber} in ${shardId}`);
        index = position.type === "AT_SEQUENCE_NUMBER" ? found : found + 1;
        break;
      }
    }
    return this.iterator({ shardId, index, generation: this.generation });
  }

  async getRecords(shardId: string, iterator: string, limit: number): Promise<ShardRead> {
    const state = JSON.parse(iterator) as IteratorState;
    if (state.shardId !== shardId) throw new Error(`iterator of ${state.shardId} used for ${shardId}`);
    this.reads.push(`${shardId}@${state.index}`);
    if (this.failingReads > 0) {
      this.failingReads--;
      throw new Error("ProvisionedThroughputExceededException: slow down");
    }
    if (state.generation < this.expiredBefore)
      throw new ExpiredShardIteratorError(`iterator of ${shardId} expired`);
    const shard = this.shard(shardId);
    const records = shard.records.slice(state.index, state.index + limit);
    const index = state.index + records.length;
    const atEnd = index >= shard.records.length;
    return {
      records,
      nextIterator:
        shard.closed && atEnd ? undefined : this.iterator({ shardId, index, generation: state.generation }),
      millisBehindLatest: atEnd ? 0 : 1000,
    };
  }

  private iterator(state: IteratorState): string {
    return JSON.stringify(state);
  }

  private shard(shardId: string): InMemoryShard {
    const shard = this.shards.get(shardId);
    if (shard === undefined) throw new Error(`no shard ${shardId}`);
    return shard;
  }
}
