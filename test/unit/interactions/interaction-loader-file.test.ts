import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidInputError, MalformedRowError } from "../../../layers/domain/errors/domain-errors.ts";
import {
  loadInteractionsFromFile,
  parseInteractions,
} from "../../../layers/domain/interactions/interaction-loader.ts";

let dir = "";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "flywheel-loader-test-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fileWith(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

/** A CSV of several MiB, so rows and multi-byte characters straddle the loader's read chunks. */
function largeCsv(rows: number): string {
  const lines = ["\uFEFFuser_id,item_id,value,timestamp,event_type"];
  const types = ["view", "click", "rate", "purchase"];
  for (let r = 0; r < rows; r++) {
    const user = `usér-${(r * 7919) % 5003}`;
    const item = r % 11 === 0 ? `"item, ""${r % 977}"""` : `ítem-☕-${r % 977}`;
    const type = types[r % types.length] as string;
    const value = type === "rate" ? String(1 + (r % 5)) : "";
    lines.push(`${user},${item},${value},${1_600_000_000 + r},${type}`);
  }
  return `${lines.join("\r\n")}\r\n\r\n`;
}

describe("loadInteractionsFromFile", () => {
  it("streams a multi-chunk file to exactly what parseInteractions reads from memory", async () => {
    const text = largeCsv(120_000);
    expect(Buffer.byteLength(text)).toBeGreaterThan(3 * (1 << 20));
    const path = await fileWith("large.csv", text);
    const fromFile = await loadInteractionsFromFile(path, { format: "csv" });
    const fromMemory = parseInteractions(text);
    expect(fromFile.rows).toBe(120_000);
    expect(fromFile.table.users.ids()).toEqual(fromMemory.table.users.ids());
    expect(fromFile.table.items.ids()).toEqual(fromMemory.table.items.ids());
    expect(fromFile.table.userIndex).toEqual(fromMemory.table.userIndex);
    expect(fromFile.table.itemIndex).toEqual(fromMemory.table.itemIndex);
    expect(fromFile.table.weight).toEqual(fromMemory.table.weight);
    expect(fromFile.table.timestamp).toEqual(fromMemory.table.timestamp);
    expect(fromFile.table.items.ids()).toContain('item, "0"');
    expect(fromFile.table.items.ids()).toContain("ítem-☕-1");
  });

  it("reads a line longer than its read buffer", async () => {
    const longId = "x".repeat(3 * (1 << 20));
    const path = await fileWith("long-line.csv", `user_id,item_id\nu1,${longId}\nu2,short`);
    const result = await loadInteractionsFromFile(path);
    expect(result.rows).toBe(2);
    expect(result.table.items.idAt(0)).toBe(longId);
    expect(result.table.items.idAt(1)).toBe("short");
  });

  it("reads MovieLens u.data", async () => {
    const path = await fileWith("u.data", "196\t242\t3\t881250949\n186\t302\t3\t891717742\n");
    const result = await loadInteractionsFromFile(path, { format: "movielens-100k" });
    expect(result.table.users.ids()).toEqual(["196", "186"]);
    expect(Array.from(result.table.weight)).toEqual([3, 3]);
  });

  it("reports malformed rows with line numbers across chunks, or skips them", async () => {
    const lines = ["user_id,item_id,value"];
    for (let r = 0; r < 200_000; r++)
      lines.push(r === 150_000 ? "u,i,notanumber" : `u${r % 100},i${r % 50},1`);
    const path = await fileWith("one-bad-row.csv", lines.join("\n"));
    await expect(loadInteractionsFromFile(path)).rejects.toThrowError(
      new MalformedRowError(150_002, 'value "notanumber" is not a number'),
    );
    const skipped = await loadInteractionsFromFile(path, { onMalformed: "skip" });
    expect(skipped.rows).toBe(199_999);
    expect(skipped.skipped).toBe(1);
    expect(skipped.skippedReasons).toEqual([{ line: 150_002, reason: 'value "notanumber" is not a number' }]);
  });

  it("names an empty file", async () => {
    const path = await fileWith("empty.csv", "");
    await expect(loadInteractionsFromFile(path)).rejects.toThrowError(
      new InvalidInputError(`${path} is empty`),
    );
  });

  it("names a file with a header and no rows", async () => {
    const path = await fileWith("header-only.csv", "user_id,item_id,value,timestamp\r\n");
    await expect(loadInteractionsFromFile(path)).rejects.toThrowError(
      new InvalidInputError(`${path} has a header but no data rows`),
    );
  });

  it("names a missing file and a directory", async () => {
    const missing = join(dir, "does-not-exist.csv");
    await expect(loadInteractionsFromFile(missing)).rejects.toThrowError(
      new InvalidInputError(`interactions file ${missing} does not exist`, "path"),
    );
    await expect(loadInteractionsFromFile(dir)).rejects.toThrowError(
      new InvalidInputError(`${dir} is a directory, not an interactions file`, "path"),
    );
  });
});
