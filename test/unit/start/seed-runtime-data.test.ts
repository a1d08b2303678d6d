import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FileSystemArchiveStore } from "../../../layers/adapters/embedded/file-system-archive-store.ts";
import { InMemoryInteractionLog } from "../../../layers/adapters/embedded/in-memory-interaction-log.ts";
import { InMemoryItemCatalog } from "../../../layers/adapters/embedded/in-memory-item-catalog.ts";
import { InMemoryTrendingCounters } from "../../../layers/adapters/embedded/in-memory-trending-counters.ts";
import { readArchive } from "../../../layers/domain/archive/read-archive.ts";
import { generatedDataSet } from "../../../local/start/runtime-data-set.ts";
import { seedRuntimeData } from "../../../local/start/seed-runtime-data.ts";

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const HOUR = 3_600_000;

describe("seeding the local runtime", () => {
  const directories: string[] = [];
  afterEach(() => {
    for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
  });

  function targets() {
    const directory = mkdtempSync(join(tmpdir(), "flywheel-seed-"));
    directories.push(directory);
    const clock = () => NOW;
    return {
      catalog: new InMemoryItemCatalog(),
      archive: new FileSystemArchiveStore(directory),
      log: new InMemoryInteractionLog({ clock }),
      trending: new InMemoryTrendingCounters({ clock }),
    };
  }

  it("puts every interaction in the archive or the log, the newest in the log, and ends a minute before now", async () => {
    const data = generatedDataSet({ users: 40, items: 30, interactions: 2_000, seed: 7 });
    const into = targets();
    const seeded = await seedRuntimeData(into, data.catalog, data.interactions, {
      now: NOW,
      recentShare: 0.05,
    });

    expect(seeded.items).toBe(30);
    expect(seeded.archived + seeded.logged).toBe(data.interactions.length);
    expect(seeded.logged).toBe(data.interactions.length - Math.floor(data.interactions.length * 0.95));
    const archived = await readArchive(into.archive);
    expect(archived).toHaveLength(seeded.archived);
    const newestArchived = Math.max(...archived.map((event) => event.timestamp));
    const logged = (
      await Promise.all(seeded.users.map(({ userId }) => into.log.recentByUser(userId, { limit: 10_000 })))
    ).flat();
    expect(logged).toHaveLength(seeded.logged);
    expect(Math.min(...logged.map((record) => record.occurredAt))).toBeGreaterThanOrEqual(newestArchived);
    expect(Math.max(...logged.map((record) => record.occurredAt))).toBe(NOW - 60_000);
    expect(await into.catalog.get("i1")).toMatchObject({ itemId: "i1", available: true });
  });

  it("counts the positive interactions of the trending window, by category", async () => {
    const data = generatedDataSet({ users: 20, items: 10, interactions: 500, seed: 3 });
    const into = targets();
    const seeded = await seedRuntimeData(into, data.catalog, data.interactions, {
      now: NOW,
      trendingWindowMs: 24 * HOUR,
    });
    expect(seeded.trended).toBeGreaterThan(0);
    const top = await into.trending.top({ windowMs: 24 * HOUR, now: NOW, limit: 10 });
    expect(top.length).toBeGreaterThan(0);
    const category = data.catalog.find((item) => item.itemId === top[0]?.itemId)?.categories[0];
    const inCategory = await into.trending.top({ category, windowMs: 24 * HOUR, now: NOW, limit: 10 });
    expect(inCategory.map((entry) => entry.itemId)).toContain(top[0]?.itemId);
  });

  it("ranks the users by activity and reports progress up to the total", async () => {
    const data = generatedDataSet({ users: 10, items: 10, interactions: 300, seed: 1 });
    const reported: number[] = [];
    const seeded = await seedRuntimeData(targets(), data.catalog, data.interactions, {
      now: NOW,
      progress: (done, total) => {
        expect(total).toBe(data.interactions.length + data.catalog.length);
        reported.push(done);
      },
    });
    expect(reported.at(-1)).toBe(data.interactions.length + data.catalog.length);
    const counts = seeded.users.map((user) => user.interactions);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    expect(counts.reduce((sum, count) => sum + count, 0)).toBe(data.interactions.length);
  });
});
