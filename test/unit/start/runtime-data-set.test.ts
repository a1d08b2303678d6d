import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { generatedDataSet, loadDataSet } from "../../../local/start/runtime-data-set.ts";

// Small files in the MovieLens layouts, written here (the real data sets are never part of the tests).

const DAY = 86_400_000;

describe("the data sets npm start seeds", () => {
  const directories: string[] = [];
  afterEach(() => {
    for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
  });
  function directory(): string {
    const made = mkdtempSync(join(tmpdir(), "flywheel-data-set-"));
    directories.push(made);
    return made;
  }

  it("reads MovieLens 100K: ratings from u.data, titles and genres from u.item and u.genre", async () => {
    const folder = directory();
    writeFileSync(join(folder, "u.data"), "1\t10\t5\t881250949\n1\t20\t3\t881251949\n2\t10\t4\t891717742\n");
    writeFileSync(join(folder, "u.genre"), "unknown|0\nAction|1\nChildren's|2\nSci-Fi|3\n\n");
    writeFileSync(
      join(folder, "u.item"),
      Buffer.from(
        "10|Caf\xe9 Society (1995)|01-Jan-1995||http://x|0|1|0|1\n20|Toy Story (1995)|01-Jan-1995||http://y|0|0|1|0\n",
        "latin1",
      ),
    );
    const data = await loadDataSet(folder);
    expect(data.catalog).toEqual([
      expect.objectContaining({
        itemId: "10",
        title: "Café Society (1995)",
        categories: ["action", "sci-fi"],
      }),
      expect.objectContaining({ itemId: "20", title: "Toy Story (1995)", categories: ["childrens"] }),
    ]);
    expect(data.interactions).toHaveLength(3);
    expect(data.interactions.map((row) => [row.userId, row.itemId, row.type, row.value])).toEqual([
      ["1", "10", "rate", 5],
      ["1", "20", "rate", 3],
      ["2", "10", "rate", 4],
    ]);
    // The timeline is compressed into a week, order kept: first at 0, last at the end.
    const times = data.interactions.map((row) => row.timestamp);
    expect(times[0]).toBe(0);
    expect(times[2]).toBe(7 * DAY);
    expect(times[1]).toBeGreaterThan(0);
    expect(times[1]).toBeLessThan(times[2] ?? 0);
    expect(data.description).toContain("movielens-100k");
  });

  it("reads MovieLens ratings.csv with titles and genres from movies.csv", async () => {
    const folder = directory();
    writeFileSync(
      join(folder, "ratings.csv"),
      "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n2,2,2.5,964982224\n",
    );
    writeFileSync(
      join(folder, "movies.csv"),
      'movieId,title,genres\n1,"American President, The (1995)",Comedy|Drama|Romance\n2,Heat (1995),(no genres listed)\n',
    );
    const data = await loadDataSet(join(folder, "ratings.csv"));
    expect(data.catalog).toEqual([
      expect.objectContaining({
        itemId: "1",
        title: "American President, The (1995)",
        categories: ["comedy", "drama", "romance"],
      }),
      expect.objectContaining({ itemId: "2", title: "Heat (1995)", categories: ["uncategorized"] }),
    ]);
    expect(data.interactions.map((row) => row.value)).toEqual([4, 2.5]);
  });

  it("reads the CLI's CSV, a dismissal as a dismiss event", async () => {
    const folder = directory();
    const file = join(folder, "events.csv");
    writeFileSync(
      file,
      "user_id,item_id,value,timestamp,event_type\nu1,i1,,1700000000,click\nu1,i2,,1700000100,dismiss\nu2,i1,,1700000200,impression\n",
    );
    const data = await loadDataSet(file);
    // The impression trains nothing (weight 0) and is left out.
    expect(data.interactions.map((row) => [row.userId, row.itemId, row.type, row.value])).toEqual([
      ["u1", "i1", "rate", 2],
      ["u1", "i2", "dismiss", 1],
    ]);
    expect(data.catalog.map((item) => item.categories)).toEqual([["uncategorized"], ["uncategorized"]]);
  });

  it("refuses a path that does not exist, naming the option", async () => {
    await expect(loadDataSet(join(directory(), "missing"))).rejects.toThrow("--data");
  });

  it("generates the same data set for the same seed, titled by category", () => {
    const first = generatedDataSet({ users: 20, items: 10, interactions: 200, seed: 5 });
    const second = generatedDataSet({ users: 20, items: 10, interactions: 200, seed: 5 });
    expect(first.interactions).toEqual(second.interactions);
    expect(first.catalog.map((item) => item.itemId)).toEqual(second.catalog.map((item) => item.itemId));
    const item = first.catalog[0];
    expect(item?.title?.toLowerCase()).toContain(item?.categories[0] ?? "?");
  });
});
