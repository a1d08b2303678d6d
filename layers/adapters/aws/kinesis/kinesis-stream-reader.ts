import { setTimeout as delay } from "node:timers/promises";
import {
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  type ShardIteratorType,
} from "@aws-sdk/client-kinesis";
import { toKinesisError } from "./kinesis-errors.ts";
import { type KinesisStreamRef, streamParameters } from "./kinesis-stream-ref.ts";

/** One record as a polling consumer sees it. */
export interface StreamRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly data: Uint8Array;
}

/** Where reading starts: per shard, an iterator taken at the stream's end when the mark was made. */
export interface StreamMark {
  readonly startIterators: ReadonlyMap<string, string>;
}

export interface ReadOptions {
  /** Stop once this many selected records have arrived and every shard has been read to its end. */
  readonly expectedCount: number;
  /** Which records count and are returned. @default every record */
  readonly select?: (record: StreamRecord) => boolean;
  /** Give up waiting for more records after this long and return what arrived. @default 15000 */
  readonly timeoutMs?: number;
}

export interface KinesisStreamReaderOptions {
  readonly client: KinesisClient;
  readonly stream: KinesisStreamRef;
  /** Pause between rounds that found nothing new. @default 100 */
  readonly pollIntervalMs?: number;
}

/**
 * Reads a stream the way the Lambda event-source mapping polls it (ListShards, GetShardIterator, GetRecords),
 * for tests and the local runtime. `mark` notes the end of every shard; `read` returns what arrived after
 * it, shard by shard in sequence order, so each partition key's records keep their stream order. Shards
 * that appear after the mark (a reshard) are read from TRIM_HORIZON; an iterator that expires mid-read is
 * renewed AFTER_SEQUENCE_NUMBER of the last record seen.
 */
export class KinesisStreamReader {
  private readonly client: KinesisClient;
  private readonly stream: KinesisStreamRef;
  private readonly pollIntervalMs: number;

  constructor(options: KinesisStreamReaderOptions) {
    this.client = options.client;
    this.stream = options.stream;
    this.pollIntervalMs = options.pollIntervalMs ?? 100;
  }

  async mark(): Promise<StreamMark> {
    const startIterators = new Map<string, string>();
    for (const shardId of await this.shardIds())
      startIterators.set(shardId, await this.iterator(shardId, "LATEST"));
    return { startIterators };
  }

  async read(mark: StreamMark, options: ReadOptions): Promise<StreamRecord[]> {
    const select = options.select ?? (() => true);
    const deadline = Date.now() + (options.timeoutMs ?? 15_000);
    const shards = new Map<string, { iterator: string | undefined; lastSequence?: string; atEnd: boolean }>();
    const selected = new Map<string, StreamRecord[]>();
    let selectedCount = 0;
    for (;;) {
      for (const shardId of await this.shardIds()) {
        if (!shards.has(shardId)) {
          const iterator = mark.startIterators.get(shardId) ?? (await this.iterator(shardId, "TRIM_HORIZON"));
          shards.set(shardId, { iterator, atEnd: false });
          selected.set(shardId, []);
        }
      }
      let foundAny = false;
      for (const [shardId, shard] of shards) {
        if (shard.iterator === undefined) continue; // a closed shard read to its end
        let response: Awaited<ReturnType<KinesisStreamReader["getRecords"]>>;
        try {
          response = await this.getRecords(shardId, shard.iterator);
        } catch (error) {
          if (!(error instanceof ExpiredIteratorException)) throw toKinesisError(error, "GetRecords");
          shard.iterator =
            shard.lastSequence === undefined
              ? (mark.startIterators.get(shardId) ?? (await this.iterator(shardId, "TRIM_HORIZON")))
              : await this.iterator(shardId, "AFTER_SEQUENCE_NUMBER", shard.lastSequence);
          continue;
        }
        for (const record of response.records) {
          shard.lastSequence = record.sequenceNumber;
          if (select(record)) {
            selected.get(shardId)?.push(record);
            selectedCount++;
          }
        }
        foundAny ||= response.records.length > 0;
        shard.iterator = response.nextIterator;
        shard.atEnd = response.records.length === 0 && response.millisBehindLatest === 0;
      }
      const caughtUp = [...shards.values()].every((shard) => shard.atEnd || shard.iterator === undefined);
      if ((selectedCount >= options.expectedCount && caughtUp) || Date.now() > deadline) break;
      if (!foundAny) await delay(this.pollIntervalMs);
    }
    return [...selected.values()].flat();
  }

  private async getRecords(
    shardId: string,
    iterator: string,
  ): Promise<{ records: StreamRecord[]; nextIterator: string | undefined; millisBehindLatest: number }> {
    const response = await this.client.send(
      new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }),
    );
    return {
      records: (response.Records ?? []).map((record) => ({
        shardId,
        sequenceNumber: record.SequenceNumber ?? "",
        partitionKey: record.PartitionKey ?? "",
        data: record.Data ?? new Uint8Array(0),
      })),
      nextIterator: response.NextShardIterator,
      millisBehindLatest: response.MillisBehindLatest ?? 0,
    };
  }

  private async shardIds(): Promise<string[]> {
    const ids: string[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const response = await this.client.send(
          new ListShardsCommand(
            nextToken === undefined ? streamParameters(this.stream) : { NextToken: nextToken },
          ),
        );
        for (const shard of response.Shards ?? []) if (shard.ShardId !== undefined) ids.push(shard.ShardId);
        nextToken = response.NextToken;
      } while (nextToken !== undefined);
    } catch (error) {
      throw toKinesisError(error, "ListShards");
    }
    return ids;
  }

  private async iterator(shardId: string, type: ShardIteratorType, sequenceNumber?: string): Promise<string> {
    try {
      const response = await this.client.send(
        new GetShardIteratorCommand({
          ...streamParameters(this.stream),
          ShardId: shardId,
          ShardIteratorType: type,
          StartingSequenceNumber: sequenceNumber,
        }),
      );
      if (response.ShardIterator === undefined) throw new Error(`no iterator for shard ${shardId}`);
      return response.ShardIterator;
    } catch (error) {
      throw toKinesisError(error, "GetShardIterator");
    }
  }
}
