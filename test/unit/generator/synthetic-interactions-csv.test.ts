import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  generateInteractions,
  SYNTHETIC_CSV_HEADER,
  type SyntheticInteractionOptions,
  writeInteractionsCsv,
} from "../../../layers/domain/generator/synthetic-interactions.ts";
import { eventWeight } from "../../../layers/domain/interactions/event-types.ts";
import { loadInteractionsFromFile } from "../../../layers/domain/interactions/interaction-loader.ts";

const OPTIONS: SyntheticInteractionOptions = {
  users: 300,
  items: 250,
  interactions: 12_000,
  seed: 21,
  clusters: 6,
};

let dir = "";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "flywheel-generator-test-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("writeInteractionsCsv", () => {
  it("writes the same bytes for the same seed and different bytes for another", async () => {
    const first = join(dir, "a.csv");
    const second = join(dir, "b.csv");
    const other = join(dir, "c.csv");
    await writeInteractionsCsv(OPTIONS, first);
    await writeInteractionsCsv(OPTIONS, second);
    await writeInteractionsCsv({ ...OPTIONS, seed: 22 }, other);
    const [a, b, c] = await Promise.all([readFile(first), readFile(second), readFile(other)]);
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
  });

  it("writes a header and one line per generated interaction, matching the iterator", async () => {
    const path = join(dir, "lines.csv");
    const result = await writeInteractionsCsv(OPTIONS, path);
    const text = await readFile(path, "utf8");
    expect(result.bytes).toBe(Buffer.byteLength(text));
    expect(result.rows).toBe(OPTIONS.interactions);
    const lines = text.split("\n");
    expect(lines[0]).toBe(SYNTHETIC_CSV_HEADER);
    expect(lines.at(-1)).toBe("");
    const expected = [...generateInteractions(OPTIONS)].map(
      (r) => `${r.userId},${r.itemId},${r.value ?? ""},${r.timestamp},${r.eventType}`,
    );
    expect(lines.slice(1, -1)).toEqual(expected);
  });

  it("round-trips through the csv loader", async () => {
    const path = join(dir, "round-trip.csv");
    await writeInteractionsCsv(OPTIONS, path);
    const loaded = await loadInteractionsFromFile(path, { format: "csv" });
    const rows = [...generateInteractions(OPTIONS)];
    expect(loaded.rows).toBe(rows.length);
    expect(loaded.skipped).toBe(0);
    const { table } = loaded;
    expect(table.users.size).toBe(OPTIONS.users);
    expect(table.users.ids().slice(0, 3)).toEqual(["u1", "u2", "u3"]);
    const mismatches = rows.filter(
      (row, r) =>
        table.users.idAt(table.userIndex[r] as number) !== row.userId ||
        table.items.idAt(table.itemIndex[r] as number) !== row.itemId ||
        table.weight[r] !== Math.fround(eventWeight(row.eventType, row.value)) ||
        table.timestamp[r] !== row.timestamp,
    );
    expect(mismatches).toEqual([]);
  });

  it("reports progress up to the total", async () => {
    const reports: Array<[number, number]> = [];
    const big: SyntheticInteractionOptions = { users: 2_000, items: 500, interactions: 120_000, seed: 5 };
    await writeInteractionsCsv(big, join(dir, "progress.csv"), (written, total) =>
      reports.push([written, total]),
    );
    expect(reports.length).toBeGreaterThan(1);
    expect(reports.at(-1)).toEqual([big.interactions, big.interactions]);
    for (let i = 1; i < reports.length; i++) {
      expect((reports[i] as [number, number])[0]).toBeGreaterThanOrEqual(
        (reports[i - 1] as [number, number])[0],
      );
    }
  });

  it("leaves no partial file behind when the write fails", async () => {
    // The target is an existing directory, so the final rename fails after all rows were written.
    const target = join(dir, "occupied");
    await mkdir(target);
    await expect(writeInteractionsCsv(OPTIONS, target)).rejects.toThrow();
    expect((await readdir(dir)).filter((name) => name.includes(".partial"))).toEqual([]);
  });

  it("rejects a path in a missing directory", async () => {
    await expect(writeInteractionsCsv(OPTIONS, join(dir, "missing", "x.csv"))).rejects.toThrow(/ENOENT/);
  });

  it("validates the options before creating a file", async () => {
    const path = join(dir, "invalid.csv");
    await expect(writeInteractionsCsv({ ...OPTIONS, interactions: 1 }, path)).rejects.toThrow(/interactions/);
    expect(await readdir(dir)).not.toContain("invalid.csv");
  });
});
