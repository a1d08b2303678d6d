import { describe, expect, it } from "vitest";
import { DEFAULT_EVENT_WEIGHTS, type EventWeights } from "../../../layers/domain/interactions/event-types.ts";
import {
  INTERACTION_FORMATS,
  parseInteractions,
} from "../../../layers/domain/interactions/interaction-loader.ts";
import type { InteractionTable } from "../../../layers/domain/interactions/interaction-table.ts";

/** The table as plain rows, ids resolved, for readable expectations. */
function rowsOf(table: InteractionTable): Array<[string, string, number, number]> {
  return Array.from({ length: table.length }, (_, r) => [
    table.users.idAt(table.userIndex[r] as number),
    table.items.idAt(table.itemIndex[r] as number),
    table.weight[r] as number,
    table.timestamp[r] as number,
  ]);
}

describe("parseInteractions, csv format", () => {
  it("exports the supported formats", () => {
    expect(INTERACTION_FORMATS).toEqual(["csv", "movielens-100k", "movielens-csv"]);
  });

  it("reads the full header user_id,item_id,value,timestamp", () => {
    const result = parseInteractions(
      "user_id,item_id,value,timestamp\nalice,book,2.5,1700000000\nbob,pen,1,1700000100\n",
    );
    expect(result.rows).toBe(2);
    expect(result.skipped).toBe(0);
    expect(result.skippedReasons).toEqual([]);
    expect(rowsOf(result.table)).toEqual([
      ["alice", "book", 2.5, 1700000000],
      ["bob", "pen", 1, 1700000100],
    ]);
  });

  it("defaults the weight to 1 and the timestamp to NaN when those columns are absent", () => {
    const result = parseInteractions("user_id,item_id\nu1,i1\nu2,i2\n");
    expect(rowsOf(result.table)).toEqual([
      ["u1", "i1", 1, Number.NaN],
      ["u2", "i2", 1, Number.NaN],
    ]);
  });

  it("reads user_id,item_id,value without timestamps", () => {
    const result = parseInteractions("user_id,item_id,value\nu1,i1,4\n");
    expect(rowsOf(result.table)).toEqual([["u1", "i1", 4, Number.NaN]]);
  });

  it("treats empty value and timestamp cells as the defaults", () => {
    const result = parseInteractions("user_id,item_id,value,timestamp\nu1,i1,,\n");
    expect(rowsOf(result.table)).toEqual([["u1", "i1", 1, Number.NaN]]);
  });

  it("finds columns by header name in any order and ignores unknown columns", () => {
    const result = parseInteractions("timestamp,source,item_id,value,user_id\n1700000000,web,i9,3,u7\n");
    expect(rowsOf(result.table)).toEqual([["u7", "i9", 3, 1700000000]]);
  });

  it("matches header names ignoring case and surrounding spaces", () => {
    const result = parseInteractions(" User_ID , Item_Id ,VALUE\nu1,i1,2\n");
    expect(rowsOf(result.table)).toEqual([["u1", "i1", 2, Number.NaN]]);
  });

  it("maps ids densely, in order of first appearance", () => {
    const result = parseInteractions("user_id,item_id\nu3,b\nu1,a\nu3,a\nu2,c\nu1,b\n");
    const { table } = result;
    expect(table.users.ids()).toEqual(["u3", "u1", "u2"]);
    expect(table.items.ids()).toEqual(["b", "a", "c"]);
    expect(Array.from(table.userIndex)).toEqual([0, 1, 0, 2, 1]);
    expect(Array.from(table.itemIndex)).toEqual([0, 1, 1, 2, 0]);
  });

  it("keeps many distinct ids distinct (the interner grows and rehashes)", () => {
    const lines = ["user_id,item_id"];
    for (let i = 0; i < 5000; i++) lines.push(`user-${i % 3000},item-${(i * 7) % 4001}`);
    const { table } = parseInteractions(lines.join("\n"));
    expect(table.users.size).toBe(3000);
    expect(table.items.size).toBe(new Set(lines.slice(1).map((l) => l.split(",")[1])).size);
    for (let r = 0; r < table.length; r++) {
      const [user, item] = (lines[r + 1] as string).split(",");
      expect(table.users.idAt(table.userIndex[r] as number)).toBe(user);
      expect(table.items.idAt(table.itemIndex[r] as number)).toBe(item);
    }
  });

  it("reads epoch seconds with fractions and ISO-8601 timestamps as epoch seconds", () => {
    const result = parseInteractions(
      [
        "user_id,item_id,timestamp",
        "u,a,1700000000.5",
        "u,b,2024-01-02T03:04:05Z",
        "u,c,2024-01-02T03:04:05.250+02:00",
        "u,d,2024-01-02",
        "u,e,2024-01-02 03:04:05",
        "u,f,2024-01-02T03:04:05+0130",
      ].join("\n"),
    );
    expect(Array.from(result.table.timestamp)).toEqual([
      1700000000.5,
      Date.UTC(2024, 0, 2, 3, 4, 5) / 1000,
      Date.UTC(2024, 0, 2, 1, 4, 5, 250) / 1000,
      Date.UTC(2024, 0, 2) / 1000,
      Date.UTC(2024, 0, 2, 3, 4, 5) / 1000,
      Date.UTC(2024, 0, 2, 1, 34, 5) / 1000,
    ]);
  });

  it("parses decimal values exactly as Number() does", () => {
    const values = ["0", "-3", "+2", "0.1", "5.", ".25", "3.14159", "1e3", "2.5E-1", "123456789012345678"];
    const text = ["user_id,item_id,timestamp", ...values.map((v, i) => `u,i${i},${v}`)].join("\n");
    const result = parseInteractions(text, { nowSeconds: 1e30 });
    expect(Array.from(result.table.timestamp)).toEqual(values.map(Number));
  });

  describe("event_type column", () => {
    it("weights each row by eventWeight(type, value)", () => {
      const result = parseInteractions(
        [
          "user_id,item_id,value,event_type",
          "u1,i1,,view",
          "u1,i2,,click",
          "u1,i3,,add_to_cart",
          "u1,i4,2,purchase",
          "u1,i5,4,rate",
          "u1,i6,,dismiss",
          "u1,i7,,impression",
        ].join("\n"),
      );
      const w = DEFAULT_EVENT_WEIGHTS;
      expect(Array.from(result.table.weight)).toEqual([
        w.view,
        w.click,
        w.add_to_cart,
        2 * w.purchase,
        4 * w.rate,
        w.dismiss,
        w.impression,
      ]);
    });

    it("uses the weights passed in", () => {
      const weights: EventWeights = { ...DEFAULT_EVENT_WEIGHTS, click: 3, rate: 0.5 };
      const result = parseInteractions("user_id,item_id,value,event_type\nu,a,,click\nu,b,4,rate\n", {
        weights,
      });
      expect(Array.from(result.table.weight)).toEqual([3, 2]);
    });

    it("works without a value column", () => {
      const result = parseInteractions("event_type,user_id,item_id\npurchase,u,a\n");
      expect(Array.from(result.table.weight)).toEqual([DEFAULT_EVENT_WEIGHTS.purchase]);
    });
  });

  describe("text encoding and layout", () => {
    it("strips a UTF-8 byte order mark before the header", () => {
      const result = parseInteractions("\uFEFFuser_id,item_id\nu1,i1\n");
      expect(rowsOf(result.table)).toEqual([["u1", "i1", 1, Number.NaN]]);
    });

    it("handles CRLF line endings, including an empty last cell", () => {
      const result = parseInteractions("user_id,item_id,value\r\nu1,i1,3\r\nu2,i2,\r\n");
      expect(rowsOf(result.table)).toEqual([
        ["u1", "i1", 3, Number.NaN],
        ["u2", "i2", 1, Number.NaN],
      ]);
    });

    it("ignores trailing and interior blank lines but keeps counting them", () => {
      const result = parseInteractions("user_id,item_id,value\n\nu1,i1,1\n\r\n\nu2,i2,x\n\n\n", {
        onMalformed: "skip",
      });
      expect(result.rows).toBe(1);
      expect(result.skippedReasons).toEqual([{ line: 6, reason: 'value "x" is not a number' }]);
    });

    it("reads a last line without a newline", () => {
      const result = parseInteractions("user_id,item_id\nu1,i1\nu2,i2");
      expect(result.rows).toBe(2);
      expect(result.table.items.ids()).toEqual(["i1", "i2"]);
    });

    it("reads double-quoted fields with delimiters and escaped quotes inside", () => {
      const result = parseInteractions(
        'user_id,item_id,value\n"u,1","say ""hi""","2"\n"u2",plain,1\n"u,1","",3\n',
        { onMalformed: "skip" },
      );
      expect(rowsOf(result.table)).toEqual([
        ["u,1", 'say "hi"', 2, Number.NaN],
        ["u2", "plain", 1, Number.NaN],
      ]);
      expect(result.skippedReasons).toEqual([{ line: 4, reason: "empty item_id" }]);
    });

    it("reads quoted header names", () => {
      const result = parseInteractions('"user_id","item_id"\n"a","b"\n');
      expect(rowsOf(result.table)).toEqual([["a", "b", 1, Number.NaN]]);
    });

    it("keeps non-ASCII ids intact", () => {
      const result = parseInteractions('user_id,item_id\nZoë,café ☕\n"日本",𝄞\n');
      expect(result.table.users.ids()).toEqual(["Zoë", "日本"]);
      expect(result.table.items.ids()).toEqual(["café ☕", "𝄞"]);
    });
  });
});
