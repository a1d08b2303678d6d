import { setTimeout as delay } from "node:timers/promises";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import type { KinesisStreamRef } from "../../layers/adapters/aws/kinesis/kinesis-stream-ref.ts";
import { sleepUnlessAborted } from "./abortable-sleep.ts";
import {
  type CheckpointStore,
  type ConsumerKey,
  InMemoryCheckpointStore,
  type ShardCheckpoint,
} from "./checkpoint-store.ts";
import {
  type EventSourceMappingSettings,
  type EventSourceMappingSettingsInput,
  resolveEventSourceMappingSettings,
} from "./event-source-mapping-settings.ts";
import { parseKinesisStreamArn } from "./kinesis-lambda-record.ts";
import { createKinesisShardSource, type ShardDescription, type ShardSource } from "./kinesis-shard-source.ts";
import type { OnFailureDestination } from "./on-failure-destination.ts";
import {
  type EventSourcePollerStats,
  emptyCounters,
  type PollerCounters,
  type ShardStats,
} from "./poller-stats.ts";
import { ShardConsumer, type ShardConsumerContext } from "./shard-consumer.ts";
import type { KinesisStreamEventHandler } from "./stream-handler-invocation.ts";

export interface EventSourcePollerOptions extends EventSourceMappingSettingsInput {
  /** The stream function's handler (functions/…), called with events in the AWS shape. */
  readonly handler: KinesisStreamEventHandler;
  /** The function's name, in its context and ARN. @default "flywheel-stream" */
  readonly functionName?: string;
  /** Names this consumer's checkpoints (one per function and stream, like an ESM). @default functionName */
  readonly consumerName?: string;
  /** DestinationConfig.OnFailure: where discarded batches' info goes. @default none: discards are only logged */
  readonly onFailure?: OnFailureDestination;
  /** @default an InMemoryCheckpointStore of its own (a restarted poller starts at startingPosition again) */
  readonly checkpointStore?: CheckpointStore;
  /** The records' invokeIdentityArn. @default arn:aws:iam::<account>:role/<functionName>-role */
  readonly invokeIdentityArn?: string;
  /** Receives one line per notable event (errors, retries, discards). @default console.error */
  readonly log?: (line: string) => void;
}

export interface KinesisEventSourcePollerOptions extends EventSourcePollerOptions {
  /** A client over HTTP/1.1 without SDK retries (createKinesisClient); the poller retries itself. */
  readonly client: KinesisClient;
  /** The stream, by name or ARN. */
  readonly stream: KinesisStreamRef;
}

export interface KinesisEventSourcePoller {
  readonly streamArn: string;
  readonly consumer: ConsumerKey;
  readonly settings: EventSourceMappingSettings;
  /** What the poller has done so far, per shard too. */
  stats(): EventSourcePollerStats;
  /**
   * Resolves once every shard has been read to its tip by a read that started after this call, with no
   * batch buffered or in flight (for tests: what was put before the call has been handled). Rejects after
   * `timeoutMs` (default 30 s), or if the poller stops first.
   */
  whenIdle(options?: { readonly timeoutMs?: number }): Promise<EventSourcePollerStats>;
  /**
   * Stops reading and invoking. An invocation in flight may finish within the grace period (stopGraceMs);
   * after it the batch is abandoned without a checkpoint, to be delivered again by the next poller.
   * Resolves once every shard has stopped; idempotent.
   */
  stop(): Promise<void>;
}

/** Starts the local stand-in for a Lambda event-source mapping on a Kinesis data stream. */
export function startKinesisEventSourcePoller(
  options: KinesisEventSourcePollerOptions,
): Promise<KinesisEventSourcePoller> {
  return startEventSourcePoller(createKinesisShardSource(options.client, options.stream), options);
}

/**
 * The same poller on any ShardSource (an in-memory stream in unit tests). The stream must exist: start
 * fails if it cannot be described or its shards listed.
 */
export async function startEventSourcePoller(
  source: ShardSource,
  options: EventSourcePollerOptions,
): Promise<KinesisEventSourcePoller> {
  const settings = resolveEventSourceMappingSettings(options);
  const { streamArn } = await source.describeStream();
  const arn = parseKinesisStreamArn(streamArn);
  if (arn === undefined) throw new Error(`not a Kinesis stream ARN: ${streamArn}`);
  const functionName = options.functionName ?? "flywheel-stream";
  const consumer: ConsumerKey = { streamArn, consumerName: options.consumerName ?? functionName };
  const store = options.checkpointStore ?? new InMemoryCheckpointStore();
  const poller = new EventSourcePoller({
    source,
    settings,
    consumer,
    store,
    checkpoints: new Map(await store.load(consumer)),
    log: options.log ?? ((line) => console.error(`[kinesis-esm ${functionName}] ${line}`)),
    shardContext: {
      identity: {
        eventSourceArn: streamArn,
        awsRegion: arn.region,
        invokeIdentityArn:
          options.invokeIdentityArn ?? `arn:aws:iam::${arn.accountId}:role/${functionName}-role`,
      },
      fn: {
        handler: options.handler,
        functionName,
        region: arn.region,
        accountId: arn.accountId,
        timeoutMs: settings.handlerTimeoutMs,
      },
      functionArn: `arn:aws:lambda:${arn.region}:${arn.accountId}:function:${functionName}`,
      onFailure: options.onFailure,
    },
  });
  try {
    await poller.discover();
  } catch (error) {
    await poller.stop();
    throw error;
  }
  poller.startDiscoveryLoop();
  return poller;
}

interface KnownShard {
  readonly description: ShardDescription;
  /** Listed by the first discovery: starts at startingPosition (later shards, from a reshard, at TRIM_HORIZON). */
  readonly initial: boolean;
  consumer: ShardConsumer | undefined;
  task: Promise<void> | undefined;
}

interface PollerParts {
  readonly source: ShardSource;
  readonly settings: EventSourceMappingSettings;
  readonly consumer: ConsumerKey;
  readonly store: CheckpointStore;
  readonly checkpoints: Map<string, ShardCheckpoint>;
  readonly log: (line: string) => void;
  readonly shardContext: Pick<ShardConsumerContext, "identity" | "fn" | "functionArn" | "onFailure">;
}

/**
 * Discovers shards and runs one ShardConsumer per shard, concurrently. A shard starts once its parents (the
 * shards it was split or merged from) are read to their end, or are gone from the stream, so a partition
 * key's records keep their order across a reshard.
 */
class EventSourcePoller implements KinesisEventSourcePoller {
  readonly streamArn: string;
  readonly consumer: ConsumerKey;
  readonly settings: EventSourceMappingSettings;
  private readonly parts: PollerParts;
  private readonly counters: PollerCounters = emptyCounters();
  private readonly shards = new Map<string, KnownShard>();
  private readonly stopping = new AbortController();
  private readonly grace = Promise.withResolvers<void>();
  private readonly consumerContext: ShardConsumerContext;
  private discoveries = 0;
  /** Advanced by each `whenIdle`; see ShardConsumerContext.currentEpoch. */
  private epoch = 0;
  private lastDiscoveryEpoch = -1;
  private discovering: Promise<void> | undefined;
  private discoveryLoop: Promise<void> | undefined;
  private stopped: Promise<void> | undefined;

  constructor(parts: PollerParts) {
    this.parts = parts;
    this.streamArn = parts.consumer.streamArn;
    this.consumer = parts.consumer;
    this.settings = parts.settings;
    this.consumerContext = {
      ...parts.shardContext,
      source: parts.source,
      settings: parts.settings,
      counters: this.counters,
      log: parts.log,
      stopSignal: this.stopping.signal,
      graceExpired: this.grace.promise,
      currentEpoch: () => this.epoch,
      saveCheckpoint: async (shardId, checkpoint) => {
        parts.checkpoints.set(shardId, checkpoint);
        await parts.store.save(parts.consumer, shardId, checkpoint);
      },
    };
  }

  stats(): EventSourcePollerStats {
    const shards: Record<string, ShardStats> = {};
    for (const [shardId, known] of this.shards) {
      const checkpoint = this.parts.checkpoints.get(shardId);
      shards[shardId] = known.consumer?.stats() ?? {
        checkpoint: checkpoint?.kind === "sequence" ? checkpoint.sequenceNumber : undefined,
        finished: checkpoint?.kind === "shard-end",
        millisBehindLatest: 0,
        bufferedRecords: 0,
        batchInFlight: false,
      };
    }
    return { ...this.counters, shards };
  }

  async whenIdle(options: { readonly timeoutMs?: number } = {}): Promise<EventSourcePollerStats> {
    const since = ++this.epoch;
    const timeoutMs = options.timeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    await this.discoverInEpoch(since);
    for (;;) {
      if (this.stopping.signal.aborted) throw new Error("the event-source poller stopped before it was idle");
      if ([...this.shards.keys()].every((shardId) => this.isIdleSince(shardId, since))) return this.stats();
      if (Date.now() > deadline) {
        throw new Error(
          `the event-source poller was not idle within ${timeoutMs} ms: ${JSON.stringify(this.stats())}`,
        );
      }
      await delay(10);
    }
  }

  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping.abort();
      const graceTimer = setTimeout(() => this.grace.resolve(), this.settings.stopGraceMs);
      await Promise.allSettled([
        this.discoveryLoop,
        this.discovering,
        ...[...this.shards.values()].map((known) => known.task),
      ]);
      clearTimeout(graceTimer);
      this.grace.resolve();
    })();
    return this.stopped;
  }

  /** Reads the shard list and starts every shard that may start. Concurrent calls share one read. */
  discover(): Promise<void> {
    this.discovering ??= this.readShardList().finally(() => {
      this.discovering = undefined;
    });
    return this.discovering;
  }

  startDiscoveryLoop(): void {
    this.discoveryLoop = (async () => {
      while (await sleepUnlessAborted(this.settings.shardDiscoveryIntervalMs, this.stopping.signal)) {
        try {
          await this.discover();
        } catch (error) {
          this.counters.readErrors++;
          this.parts.log(`ListShards failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    })();
  }

  /** A shard list read that started in `epoch` or later. */
  private async discoverInEpoch(epoch: number): Promise<void> {
    await this.discovering?.catch(() => {});
    if (this.lastDiscoveryEpoch < epoch) await this.discover();
  }

  private async readShardList(): Promise<void> {
    const startedInEpoch = this.epoch;
    const listed = await this.parts.source.listShards(this.stopping.signal);
    const initial = this.discoveries === 0;
    this.discoveries++;
    for (const description of listed) {
      if (!this.shards.has(description.shardId)) {
        this.shards.set(description.shardId, { description, initial, consumer: undefined, task: undefined });
      }
    }
    this.lastDiscoveryEpoch = startedInEpoch;
    this.startEligibleShards();
  }

  private startEligibleShards(): void {
    if (this.stopping.signal.aborted) return;
    for (const [shardId, known] of this.shards) {
      if (known.consumer !== undefined || this.isFinished(shardId)) continue;
      const parentsDone = known.description.parentShardIds.every(
        (parent) => !this.shards.has(parent) || this.isFinished(parent),
      );
      if (!parentsDone) continue;
      const checkpoint = this.parts.checkpoints.get(shardId);
      const sequenceNumber = checkpoint?.kind === "sequence" ? checkpoint.sequenceNumber : undefined;
      const consumer = new ShardConsumer(this.consumerContext, shardId, {
        position:
          sequenceNumber !== undefined
            ? { type: "AFTER_SEQUENCE_NUMBER", sequenceNumber }
            : { type: known.initial ? this.settings.startingPosition : "TRIM_HORIZON" },
        checkpoint: sequenceNumber,
      });
      known.consumer = consumer;
      known.task = consumer.run().then(
        () => {
          if (consumer.isFinished) this.onShardFinished(shardId);
        },
        (error: unknown) =>
          this.parts.log(`shard ${shardId}: stopped by an unexpected error: ${String(error)}`),
      );
    }
  }

  /** A closed shard is done: its children may start; a fresh shard list finds any not seen yet. */
  private onShardFinished(shardId: string): void {
    this.parts.log(`shard ${shardId}: closed and read to its end`);
    this.startEligibleShards();
    this.discover().catch((error: unknown) => {
      this.counters.readErrors++;
      this.parts.log(`ListShards failed: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  private isFinished(shardId: string): boolean {
    const known = this.shards.get(shardId);
    if (known?.consumer !== undefined) return known.consumer.isFinished;
    return this.parts.checkpoints.get(shardId)?.kind === "shard-end";
  }

  /** A shard waiting for its parents counts as idle when they are: it can have nothing to read yet. */
  private isIdleSince(shardId: string, epoch: number): boolean {
    const known = this.shards.get(shardId);
    if (known === undefined || this.isFinished(shardId)) return true;
    if (known.consumer !== undefined) return known.consumer.isIdleSince(epoch);
    return known.description.parentShardIds.every(
      (parent) => parent === shardId || this.isIdleSince(parent, epoch),
    );
  }
}
