import { describe, expect, it } from "vitest";
import { MalformedRowError } from "../../../layers/domain/errors/domain-errors.ts";
import { parseInteractions } from "../../../layers/domain/interactions/interaction-loader.ts";

describe("parseInteractions, movielens-100k (u.data)", () => {
  it("reads tab-separated user item rating timestamp rows without a header", () => {
    const result = parseInteractions(
      "196\t242\t3\t881250949\n186\t302\t3\t891717742\n196\t377\t1\t878887116\n",
      {
        format: "movielens-100k",
      },
    );
    const { table } = result;
    expect(result.rows).toBe(3);
    expect(table.users.ids()).toEqual(["196", "186"]);
    expect(table.items.ids()).toEqual(["242", "302", "377"]);
    expect(Array.from(table.userIndex)).toEqual([0, 1, 0]);
    expect(Array.from(table.weight)).toEqual([3, 3, 1]);
    expect(Array.from(table.timestamp)).toEqual([881250949, 891717742, 878887116]);
  });

  it("counts line numbers from the first row, since there is no header", () => {
    expect(() =>
      parseInteractions("1\t2\t3\t881250949\n1\t2\t3\n", { format: "movielens-100k" }),
    ).toThrowError(new MalformedRowError(2, "expected 4 columns, found 3"));
  });

  it("does not split on commas, and treats quotes as text", () => {
    const result = parseInteractions('1,5\t"2"\t4\t881250949\n', { format: "movielens-100k" });
    expect(result.table.users.ids()).toEqual(["1,5"]);
    expect(result.table.items.ids()).toEqual(['"2"']);
  });

  it("requires the rating and the timestamp", () => {
    const result = parseInteractions("1\t2\t\t881250949\n1\t2\t4\t\n1\t3\t4\t881250949\n", {
      format: "movielens-100k",
      onMalformed: "skip",
    });
    expect(result.rows).toBe(1);
    expect(result.skippedReasons).toEqual([
      { line: 1, reason: "empty rating" },
      { line: 2, reason: "empty timestamp" },
    ]);
  });

  it("handles CRLF and a missing final newline", () => {
    const result = parseInteractions("1\t2\t5\t881250949\r\n3\t4\t2\t881250950", {
      format: "movielens-100k",
    });
    expect(Array.from(result.table.weight)).toEqual([5, 2]);
    expect(Array.from(result.table.timestamp)).toEqual([881250949, 881250950]);
  });
});

describe("parseInteractions, movielens-csv (ml-latest ratings.csv)", () => {
  it("reads userId,movieId,rating,timestamp with half-star ratings", () => {
    const result = parseInteractions(
      "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,3,4.5,964981247\n2,1,0.5,964982224\n",
      { format: "movielens-csv" },
    );
    const { table } = result;
    expect(table.users.ids()).toEqual(["1", "2"]);
    expect(table.items.ids()).toEqual(["1", "3"]);
    expect(Array.from(table.weight)).toEqual([4, 4.5, 0.5]);
    expect(Array.from(table.timestamp)).toEqual([964982703, 964981247, 964982224]);
  });

  it("accepts the columns in another order", () => {
    const result = parseInteractions("movieId,userId,timestamp,rating\n10,7,964982703,3\n", {
      format: "movielens-csv",
    });
    expect(result.table.users.ids()).toEqual(["7"]);
    expect(result.table.items.ids()).toEqual(["10"]);
    expect(Array.from(result.table.weight)).toEqual([3]);
  });

  it("names the missing MovieLens columns", () => {
    expect(() => parseInteractions("userId,movieId\n1,2\n", { format: "movielens-csv" })).toThrowError(
      /missing required columns rating, timestamp/,
    );
  });

  it("rejects an empty rating with its line number", () => {
    expect(() =>
      parseInteractions("userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,2,,964982703\n", {
        format: "movielens-csv",
      }),
    ).toThrowError(new MalformedRowError(3, "empty rating"));
  });
});
