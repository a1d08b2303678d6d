import { mkdir, readFile } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { writeFileAtomically } from "../../layers/domain/model/atomic-files.ts";

/** Which stream a consumer (an event-source mapping: one function on one stream) reads. */
export interface ConsumerKey {
  /** The stream's ARN (a stream named two ways is still one stream). */
  readonly streamArn: string;
  readonly consumerName: string;
}

/**
 * How far a consumer got in one shard: every record up to `sequenceNumber` is handled, or (`shard-end`)
 * the shard is closed and was read to its end, so its children may be read.
 */
export type ShardCheckpoint =
  | { readonly kind: "sequence"; readonly sequenceNumber: string }
  | { readonly kind: "shard-end" };

/** Where a poller keeps its per-shard checkpoints, so that a restarted poller resumes after them. */
export interface CheckpointStore {
  load(consumer: ConsumerKey): Promise<ReadonlyMap<string, ShardCheckpoint>>;
  save(consumer: ConsumerKey, shardId: string, checkpoint: ShardCheckpoint): Promise<void>;
}

/** Checkpoints in memory: they live as long as the store object (a poller restarted in-process resumes). */
export class InMemoryCheckpointStore implements CheckpointStore {
  private readonly consumers = new Map<string, Map<string, ShardCheckpoint>>();

  async load(consumer: ConsumerKey): Promise<ReadonlyMap<string, ShardCheckpoint>> {
    return new Map(this.consumers.get(consumerId(consumer)));
  }

  async save(consumer: ConsumerKey, shardId: string, checkpoint: ShardCheckpoint): Promise<void> {
    const id = consumerId(consumer);
    const shards = this.consumers.get(id) ?? new Map<string, ShardCheckpoint>();
    shards.set(shardId, checkpoint);
    this.consumers.set(id, shards);
  }
}

/** The file's layout: stream ARN → consumer name → shard id → checkpoint. */
interface CheckpointFile {
  readonly version: 1;
  readonly streams: Record<string, Record<string, Record<string, StoredCheckpoint>>>;
}

type StoredCheckpoint = { readonly sequenceNumber: string } | { readonly shardEnd: true };

/** Saves to one file, one after the other, across every store object in this process. */
const writeQueues = new Map<string, Promise<void>>();

/**
 * Checkpoints in a JSON file, so that a poller restarted in a new process resumes after its last
 * checkpoint. Each save reads the file, changes one shard's entry and writes the whole file to a temporary
 * beside it, renamed over it: a crash leaves the old file or the new one, never a torn one. Saves from one
 * process are serialised per file; two processes must not share a file (the last writer would win).
 */
export class FileCheckpointStore implements CheckpointStore {
  readonly path: string;

  constructor(path: string) {
    this.path = resolve(path);
  }

  async load(consumer: ConsumerKey): Promise<ReadonlyMap<string, ShardCheckpoint>> {
    await writeQueues.get(this.path);
    const file = await this.read();
    const shards = file.streams[consumer.streamArn]?.[consumer.consumerName] ?? {};
    return new Map(Object.entries(shards).map(([shardId, stored]) => [shardId, fromStored(stored)]));
  }

  save(consumer: ConsumerKey, shardId: string, checkpoint: ShardCheckpoint): Promise<void> {
    const previous = writeQueues.get(this.path) ?? Promise.resolve();
    const written = previous.catch(() => {}).then(() => this.write(consumer, shardId, checkpoint));
    const settled = written.catch(() => {});
    writeQueues.set(this.path, settled);
    void settled.then(() => {
      if (writeQueues.get(this.path) === settled) writeQueues.delete(this.path);
    });
    return written;
  }

  private async write(consumer: ConsumerKey, shardId: string, checkpoint: ShardCheckpoint): Promise<void> {
    const file = await this.read();
    const consumers = file.streams[consumer.streamArn] ?? {};
    const shards = { ...consumers[consumer.consumerName], [shardId]: toStored(checkpoint) };
    const next: CheckpointFile = {
      version: 1,
      streams: { ...file.streams, [consumer.streamArn]: { ...consumers, [consumer.consumerName]: shards } },
    };
    await mkdir(dirname(this.path), { recursive: true });
    await writeFileAtomically(
      dirname(this.path),
      basename(this.path),
      Buffer.from(`${JSON.stringify(next, null, 2)}\n`, "utf8"),
    );
  }

  private async read(): Promise<CheckpointFile> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (error) {
      if (error instanceof Error && "code" in error && error.code === "ENOENT")
        return { version: 1, streams: {} };
      throw error;
    }
    const parsed: unknown = JSON.parse(text);
    if (!isCheckpointFile(parsed)) throw new Error(`${this.path} is not a checkpoint file (version 1)`);
    return parsed;
  }
}

function consumerId(consumer: ConsumerKey): string {
  return JSON.stringify([consumer.streamArn, consumer.consumerName]);
}

function toStored(checkpoint: ShardCheckpoint): StoredCheckpoint {
  return checkpoint.kind === "shard-end" ? { shardEnd: true } : { sequenceNumber: checkpoint.sequenceNumber };
}

function fromStored(stored: StoredCheckpoint): ShardCheckpoint {
  return "shardEnd" in stored
    ? { kind: "shard-end" }
    : { kind: "sequence", sequenceNumber: stored.sequenceNumber };
}

function isCheckpointFile(value: unknown): value is CheckpointFile {
  if (typeof value !== "object" || value === null) return false;
  if (!("version" in value) || value.version !== 1 || !("streams" in value)) return false;
  const streams = value.streams;
  if (typeof streams !== "object" || streams === null) return false;
  return Object.values(streams).every(
    (consumers) =>
      isRecord(consumers) &&
      Object.values(consumers).every(
        (shards) => isRecord(shards) && Object.values(shards).every((stored) => isStoredCheckpoint(stored)),
      ),
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStoredCheckpoint(value: unknown): value is StoredCheckpoint {
  if (!isRecord(value)) return false;
  return value.shardEnd === true || typeof value.sequenceNumber === "string";
}
