import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type CheckpointStore,
  FileCheckpointStore,
  InMemoryCheckpointStore,
} from "../../../local/streaming/checkpoint-store.ts";

const streamA = "arn:aws:kinesis:us-east-1:000000000000:stream/a";
const streamB = "arn:aws:kinesis:us-east-1:000000000000:stream/b";
const consumer = { streamArn: streamA, consumerName: "stream-function" };

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "flywheel-checkpoints-"));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

const stores: Array<[string, () => CheckpointStore]> = [
  ["InMemoryCheckpointStore", () => new InMemoryCheckpointStore()],
  ["FileCheckpointStore", () => new FileCheckpointStore(join(directory, "checkpoints.json"))],
];

describe.each(stores)("%s", (_, createStore) => {
  it("has no checkpoint for a consumer it has not seen", async () => {
    expect((await createStore().load(consumer)).size).toBe(0);
  });

  it("keeps the latest checkpoint of each shard", async () => {
    const store = createStore();
    await store.save(consumer, "shardId-0", { kind: "sequence", sequenceNumber: "100" });
    await store.save(consumer, "shardId-0", { kind: "sequence", sequenceNumber: "200" });
    await store.save(consumer, "shardId-1", { kind: "shard-end" });
    expect(await store.load(consumer)).toEqual(
      new Map([
        ["shardId-0", { kind: "sequence", sequenceNumber: "200" }],
        ["shardId-1", { kind: "shard-end" }],
      ]),
    );
  });

  it("keeps streams and consumers apart", async () => {
    const store = createStore();
    const other = { streamArn: streamA, consumerName: "another-function" };
    const otherStream = { streamArn: streamB, consumerName: "stream-function" };
    await store.save(consumer, "shardId-0", { kind: "sequence", sequenceNumber: "1" });
    await store.save(other, "shardId-0", { kind: "sequence", sequenceNumber: "2" });
    await store.save(otherStream, "shardId-0", { kind: "sequence", sequenceNumber: "3" });
    expect((await store.load(consumer)).get("shardId-0")).toEqual({ kind: "sequence", sequenceNumber: "1" });
    expect((await store.load(other)).get("shardId-0")).toEqual({ kind: "sequence", sequenceNumber: "2" });
    expect((await store.load(otherStream)).get("shardId-0")).toEqual({
      kind: "sequence",
      sequenceNumber: "3",
    });
  });

  it("keeps every one of many concurrent saves", async () => {
    const store = createStore();
    await Promise.all(
      Array.from({ length: 20 }, (_, shard) =>
        store.save(consumer, `shardId-${shard}`, { kind: "sequence", sequenceNumber: String(shard) }),
      ),
    );
    expect((await store.load(consumer)).size).toBe(20);
  });
});

describe("FileCheckpointStore", () => {
  it("is read back by a store of another process (a new object on the same file)", async () => {
    const path = join(directory, "nested", "checkpoints.json");
    await new FileCheckpointStore(path).save(consumer, "shardId-0", {
      kind: "sequence",
      sequenceNumber: "42",
    });
    expect((await new FileCheckpointStore(path).load(consumer)).get("shardId-0")).toEqual({
      kind: "sequence",
      sequenceNumber: "42",
    });
  });

  it("writes readable JSON and leaves no temporary file behind", async () => {
    const path = join(directory, "checkpoints.json");
    await new FileCheckpointStore(path).save(consumer, "shardId-0", {
      kind: "sequence",
      sequenceNumber: "7",
    });
    expect(await readdir(directory)).toEqual(["checkpoints.json"]);
    expect(JSON.parse(await readFile(path, "utf8"))).toEqual({
      version: 1,
      streams: { [streamA]: { "stream-function": { "shardId-0": { sequenceNumber: "7" } } } },
    });
  });

  it("refuses a file that is not a checkpoint file", async () => {
    const path = join(directory, "checkpoints.json");
    await writeFile(path, JSON.stringify({ version: 2, shards: [] }));
    await expect(new FileCheckpointStore(path).load(consumer)).rejects.toThrow(/not a checkpoint file/);
  });
});
