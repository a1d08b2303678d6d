import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { archiveEvents } from "../../../layers/domain/archive/archive-events.ts";
import { decodeArchiveParquet } from "../../../layers/domain/archive/archive-parquet.ts";
import { DependencyError, InvalidInputError } from "../../../layers/domain/errors/domain-errors.ts";
import type { ArchiveStore } from "../../../layers/ports/archive-store.ts";
import { HOUR_MS, JAN_15_0730, streamEvent, useTemporaryArchive } from "./archive-fixtures.ts";

const BATCH = "shardId-000000000000-100-199";

describe("archiveEvents", () => {
  const archive = useTemporaryArchive();

  it("writes one object per arrival hour, named after the batch, each holding that hour's events in order", async () => {
    const { store } = archive();
    const events = [
      streamEvent("e-1"),
      // Happened a day earlier, arrived now: archived by arrival.
      streamEvent("e-late", { timestamp: JAN_15_0730 - 24 * HOUR_MS }),
      streamEvent("e-next-hour", { receivedAt: JAN_15_0730 + HOUR_MS }),
      streamEvent("e-2", { receivedAt: JAN_15_0730 + 1 }),
    ];
    const keys = await archiveEvents(store, BATCH, events);
    expect(keys).toEqual([
      `events/dt=2025-01-15/hour=07/${BATCH}.parquet`,
      `events/dt=2025-01-15/hour=08/${BATCH}.parquet`,
    ]);
    expect(await store.list("events/")).toEqual(keys);
    const [hour07 = "", hour08 = ""] = keys;
    expect(await decodeArchiveParquet(await store.get(hour07))).toStrictEqual([
      events[0],
      events[1],
      events[3],
    ]);
    expect(await decodeArchiveParquet(await store.get(hour08))).toStrictEqual([events[2]]);
  });

  it("writes an event repeated within the batch once, as first delivered", async () => {
    const { store } = archive();
    const first = streamEvent("e-dup", { itemId: "first" });
    const keys = await archiveEvents(store, BATCH, [
      first,
      streamEvent("e-other"),
      streamEvent("e-dup", { itemId: "second" }),
    ]);
    expect(keys).toHaveLength(1);
    const stored = await decodeArchiveParquet(await store.get(keys[0] ?? ""));
    expect(stored.map((event) => event.eventId)).toEqual(["e-dup", "e-other"]);
    expect(stored[0]).toStrictEqual(first);
  });

  it("overwrites its own objects when the same batch is delivered again: same keys, same bytes, no copies", async () => {
    const { root, store } = archive();
    const events = [streamEvent("e-1"), streamEvent("e-2", { receivedAt: JAN_15_0730 + HOUR_MS })];
    const firstKeys = await archiveEvents(store, BATCH, events);
    const firstBytes = await Promise.all(firstKeys.map((key) => readFile(join(root, key))));
    const secondKeys = await archiveEvents(store, BATCH, events);
    expect(secondKeys).toEqual(firstKeys);
    expect(await store.list("events/")).toEqual(firstKeys);
    expect(await Promise.all(firstKeys.map((key) => readFile(join(root, key))))).toEqual(firstBytes);
    expect(await readdir(join(root, "events/dt=2025-01-15/hour=07"))).toEqual([`${BATCH}.parquet`]);
  });

  it("writes nothing for an empty batch", async () => {
    const { store } = archive();
    expect(await archiveEvents(store, BATCH, [])).toEqual([]);
    expect(await store.list("")).toEqual([]);
  });

  it("refuses an unsafe batch id or an impossible arrival time before writing anything", async () => {
    const { store } = archive();
    await expect(archiveEvents(store, "../escape", [streamEvent("e-1")])).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(
      archiveEvents(store, BATCH, [streamEvent("e-1"), streamEvent("e-2", { receivedAt: -1 })]),
    ).rejects.toBeInstanceOf(InvalidInputError);
    expect(await store.list("")).toEqual([]);
  });

  it("fails with the store's error once every write has settled", async () => {
    const { store } = archive();
    const settled: string[] = [];
    const failing: ArchiveStore = {
      put: async (key, bytes) => {
        if (key.includes("hour=07")) throw new DependencyError("s3", "unavailable");
        await store.put(key, bytes);
        settled.push(key);
      },
      get: (key) => store.get(key),
      list: (prefix) => store.list(prefix),
      locationOf: (key) => store.locationOf(key),
    };
    const events = [streamEvent("e-1"), streamEvent("e-2", { receivedAt: JAN_15_0730 + HOUR_MS })];
    await expect(archiveEvents(failing, BATCH, events)).rejects.toBeInstanceOf(DependencyError);
    expect(settled).toEqual([`events/dt=2025-01-15/hour=08/${BATCH}.parquet`]);
  });
});
