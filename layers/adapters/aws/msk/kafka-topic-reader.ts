import { randomUUID } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { type BaseOptions, Consumer } from "@platformatic/kafka";
import { DependencyError } from "../../../domain/errors/domain-errors.ts";
import { toKafkaError } from "./kafka-errors.ts";

/** One record as a consumer sees it. */
export interface TopicRecord {
  readonly partition: number;
  readonly offset: bigint;
  /** The key as UTF-8 (the user id), or undefined for a record without a key. */
  readonly key: string | undefined;
  readonly value: Buffer;
}

/** Where reading starts: per partition, the next offset. Partitions not listed are read from 0. */
export interface TopicMark {
  readonly offsets: ReadonlyMap<number, bigint>;
}

export interface TopicReadOptions {
  /** Stop once this many selected records have arrived and every partition has been read to its end. */
  readonly expectedCount: number;
  /** Which records count and are returned. @default every record */
  readonly select?: (record: TopicRecord) => boolean;
  /** Give up waiting for more records after this long and return what arrived. @default 15_000 */
  readonly timeoutMs?: number;
}

export interface KafkaTopicReaderOptions {
  readonly connection: BaseOptions;
  readonly topic: string;
  /** Pause between rounds that found nothing new. @default 50 */
  readonly pollIntervalMs?: number;
}

/** Control batches (transaction markers) carry no records of the topic's own. */
const IS_CONTROL = 1 << 5;

type FetchResponse = Awaited<ReturnType<Consumer["fetch"]>>;
const PARTITION_MAX_BYTES = 4 * 1024 * 1024;
const RETRY_WINDOW_MS = 5_000;

/**
 * Reads a topic partition by partition with Fetch at explicit offsets, for tests and the local runtime: no
 * consumer group, so nothing waits for a rebalance and nothing is committed. `mark` notes the end of every
 * partition; `read` returns what arrived after it, partition by partition in offset order, so each key's
 * records keep the order the topic gives them. `markBeginning` reads everything.
 */
export class KafkaTopicReader {
  private readonly consumer: Consumer;
  private readonly topic: string;
  private readonly pollIntervalMs: number;

  constructor(options: KafkaTopicReaderOptions) {
    this.topic = options.topic;
    this.pollIntervalMs = options.pollIntervalMs ?? 50;
    // A group id is required by the client's constructor; this reader never joins the group.
    this.consumer = new Consumer({ ...options.connection, groupId: `flywheel-reader-${randomUUID()}` });
  }

  async mark(): Promise<TopicMark> {
    const ends = await this.retrying(`ListOffsets ${this.topic}`, async () => {
      const offsets = await this.consumer.listOffsets({ topics: [this.topic] });
      return offsets.get(this.topic) ?? [];
    });
    return { offsets: new Map(ends.map((offset, partition) => [partition, offset])) };
  }

  markBeginning(): TopicMark {
    return { offsets: new Map() };
  }

  async read(mark: TopicMark, options: TopicReadOptions): Promise<TopicRecord[]> {
    const select = options.select ?? (() => true);
    const deadline = performance.now() + (options.timeoutMs ?? 15_000);
    const next = new Map(mark.offsets);
    const selected = new Map<number, TopicRecord[]>();
    let selectedCount = 0;
    for (;;) {
      const { topicId, leaders } = await this.layout();
      let foundAny = false;
      let caughtUp = true;
      for (const [node, partitions] of leaders) {
        const response = await this.fetch(node, topicId, partitions, next);
        for (const partition of response.responses.flatMap((topic) => topic.partitions)) {
          const from = next.get(partition.partitionIndex) ?? 0n;
          let position = from;
          for (const batch of partition.records ?? []) {
            if ((batch.attributes & IS_CONTROL) !== 0) {
              position = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
              continue;
            }
            for (const record of batch.records) {
              const offset = batch.firstOffset + BigInt(record.offsetDelta);
              if (offset < from) continue; // A fetch starts at the batch that holds `from`.
              const read: TopicRecord = {
                partition: partition.partitionIndex,
                offset,
                key: record.key === null ? undefined : record.key.toString("utf8"),
                value: record.value ?? Buffer.alloc(0),
              };
              position = offset + 1n;
              if (!select(read)) continue;
              const list = selected.get(read.partition) ?? [];
              list.push(read);
              selected.set(read.partition, list);
              selectedCount++;
            }
          }
          foundAny ||= position > from;
          next.set(partition.partitionIndex, position);
          if (position < partition.highWatermark) caughtUp = false;
        }
      }
      if ((selectedCount >= options.expectedCount && caughtUp) || performance.now() > deadline) break;
      if (!foundAny) await delay(this.pollIntervalMs);
    }
    return [...selected.entries()].sort(([a], [b]) => a - b).flatMap(([, records]) => records);
  }

  async close(): Promise<void> {
    await this.consumer.close();
  }

  /**
   * Runs a request again while it fails with an error Kafka calls retriable (a leader moving, metadata not
   * yet propagated), for a few seconds; the client's own retries are off.
   */
  private async retrying<T>(operation: string, request: () => Promise<T>): Promise<T> {
    const deadline = performance.now() + RETRY_WINDOW_MS;
    for (;;) {
      try {
        return await request();
      } catch (error) {
        const mapped = toKafkaError(error, operation);
        if (!(mapped instanceof DependencyError && mapped.retryable) || performance.now() >= deadline)
          throw mapped;
        this.consumer.clearMetadata();
        await delay(this.pollIntervalMs);
      }
    }
  }

  /** The topic's id (Fetch names topics by id) and, per leader broker, the partitions it leads. */
  private async layout(): Promise<{ topicId: string; leaders: Map<number, number[]> }> {
    const metadata = await this.retrying(`Metadata ${this.topic}`, () =>
      this.consumer.metadata({ topics: [this.topic] }),
    );
    const topic = metadata.topics.get(this.topic);
    if (topic === undefined) throw toKafkaError(new Error(`no metadata for topic ${this.topic}`), "Metadata");
    const leaders = new Map<number, number[]>();
    topic.partitions.forEach((partition, index) => {
      const list = leaders.get(partition.leader) ?? [];
      list.push(index);
      leaders.set(partition.leader, list);
    });
    return { topicId: topic.id, leaders };
  }

  private async fetch(
    node: number,
    topicId: string,
    partitions: readonly number[],
    next: ReadonlyMap<number, bigint>,
  ): Promise<FetchResponse> {
    return this.retrying(`Fetch ${this.topic}`, () =>
      this.consumer.fetch({
        node,
        maxWaitTime: 100,
        minBytes: 1,
        maxBytes: 16 * 1024 * 1024,
        topics: [
          {
            topicId,
            partitions: partitions.map((partition) => ({
              partition,
              currentLeaderEpoch: -1,
              fetchOffset: next.get(partition) ?? 0n,
              lastFetchedEpoch: -1,
              partitionMaxBytes: PARTITION_MAX_BYTES,
            })),
          },
        ],
      }),
    );
  }
}
