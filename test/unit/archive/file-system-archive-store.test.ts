import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileSystemArchiveStore } from "../../../layers/adapters/embedded/file-system-archive-store.ts";
import { describeArchiveStoreContract } from "../../contract/archive-store-contract.ts";
import { useTemporaryArchive } from "./archive-fixtures.ts";

describeArchiveStoreContract("file system", async () => {
  const root = await mkdtemp(join(tmpdir(), "flywheel-archive-store-"));
  return {
    subject: new FileSystemArchiveStore(root),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
});

describe("FileSystemArchiveStore", () => {
  const archive = useTemporaryArchive();

  it("lays a key out as the same path under its root, with no temporary file left beside it", async () => {
    const { root, store } = archive();
    const key = "events/dt=2025-01-15/hour=07/shardId-0-1-2.parquet";
    await store.put(key, new TextEncoder().encode("old"));
    await store.put(key, new TextEncoder().encode("new"));
    expect(await readFile(join(root, key), "utf8")).toBe("new");
    expect(await readdir(join(root, "events/dt=2025-01-15/hour=07"))).toEqual(["shardId-0-1-2.parquet"]);
  });

  it("does not list hidden files, such as a writer's unfinished temporary file", async () => {
    const { root, store } = archive();
    const key = "events/dt=2025-01-15/hour=07/a.parquet";
    await store.put(key, new Uint8Array([1]));
    await writeFile(join(root, "events/dt=2025-01-15/hour=07/.b.parquet.0123.tmp"), "partial");
    expect(await store.list("events/")).toEqual([key]);
  });

  it("lists nothing, rather than failing, when the root does not exist yet", async () => {
    const { root } = archive();
    const store = new FileSystemArchiveStore(join(root, "not-yet"));
    expect(await store.list("events/")).toEqual([]);
    expect(await store.list("")).toEqual([]);
  });
});
