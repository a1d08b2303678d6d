import { describe, expect, it } from "vitest";
import { InvalidInputError, MalformedRowError } from "../../../layers/domain/errors/domain-errors.ts";
import {
  type InteractionLoadOptions,
  parseInteractions,
} from "../../../layers/domain/interactions/interaction-loader.ts";

const NOW = 1_700_000_000;
const HEADER = "user_id,item_id,value,timestamp,event_type";

function malformedError(text: string, options: InteractionLoadOptions = {}): MalformedRowError {
  try {
    parseInteractions(text, { nowSeconds: NOW, ...options });
  } catch (error) {
    if (error instanceof MalformedRowError) return error;
    throw error;
  }
  throw new Error("expected a MalformedRowError");
}

describe("malformed rows", () => {
  const cases: Array<[string, string, number, string]> = [
    ["too few columns", `${HEADER}\nu1,i1,1,${NOW},view\nu1,i1,1\n`, 3, "expected 5 columns, found 3"],
    ["too many columns", `${HEADER}\nu1,i1,1,${NOW},view,extra\n`, 2, "expected 5 columns, found 6"],
    ["empty user id", `${HEADER}\n,i1,1,${NOW},view\n`, 2, "empty user_id"],
    ["empty item id", `${HEADER}\nu1,,1,${NOW},view\n`, 2, "empty item_id"],
    ["empty quoted user id", `${HEADER}\n"",i1,1,${NOW},view\n`, 2, "empty user_id"],
    ["non-numeric value", `${HEADER}\nu1,i1,abc,${NOW},view\n`, 2, 'value "abc" is not a number'],
    ["hexadecimal value", `${HEADER}\nu1,i1,0x10,${NOW},view\n`, 2, 'value "0x10" is not a number'],
    ["overflowing value", `${HEADER}\nu1,i1,1e999,${NOW},view\n`, 2, 'value "1e999" is not finite'],
    ["infinite value", `${HEADER}\nu1,i1,Infinity,${NOW},view\n`, 2, 'value "Infinity" is not finite'],
    ["NaN value", `${HEADER}\nu1,i1,NaN,${NOW},view\n`, 2, 'value "NaN" is not finite'],
    [
      "non-numeric timestamp",
      `${HEADER}\nu1,i1,1,yesterday,view\n`,
      2,
      'timestamp "yesterday" is neither epoch seconds nor an ISO-8601 date',
    ],
    [
      "impossible ISO date",
      `${HEADER}\nu1,i1,1,2024-13-45T00:00:00Z,view\n`,
      2,
      'timestamp "2024-13-45T00:00:00Z" is neither epoch seconds nor an ISO-8601 date',
    ],
    ["overflowing timestamp", `${HEADER}\nu1,i1,1,1e400,view\n`, 2, 'timestamp "1e400" is not finite'],
    [
      "timestamp more than a day ahead",
      `${HEADER}\nu1,i1,1,${NOW + 86_401},view\n`,
      2,
      `timestamp ${NOW + 86_401} is more than a day in the future`,
    ],
    [
      "timestamp in milliseconds",
      `${HEADER}\nu1,i1,1,${NOW * 1000},view\n`,
      2,
      `timestamp ${NOW * 1000} is more than a day in the future; it looks like epoch milliseconds, expected seconds`,
    ],
    [
      "unknown event type",
      `${HEADER}\nu1,i1,1,${NOW},like\n`,
      2,
      'unknown event_type "like" (expected one of view, click, add_to_cart, purchase, rate, dismiss, impression)',
    ],
    [
      "event type in the wrong case",
      `${HEADER}\nu1,i1,1,${NOW},View\n`,
      2,
      'unknown event_type "View" (expected one of view, click, add_to_cart, purchase, rate, dismiss, impression)',
    ],
    [
      "empty event type",
      `${HEADER}\nu1,i1,1,${NOW},\n`,
      2,
      "empty event_type (expected one of view, click, add_to_cart, purchase, rate, dismiss, impression)",
    ],
    [
      "unterminated quote",
      `${HEADER}\n"u1,i1,1,${NOW},view\n`,
      2,
      "unterminated quoted field (a quoted field must close on the same line)",
    ],
    [
      "text after a closing quote",
      `${HEADER}\n"u1"x,i1,1,${NOW},view\n`,
      2,
      "unexpected text after the closing quote of field 1",
    ],
    [
      "stray quote",
      `${HEADER}\nu"1,i1,1,${NOW},view\n`,
      2,
      "stray quote in unquoted field 1 (quote the whole field and double inner quotes)",
    ],
    ["quoted row with too few columns", `${HEADER}\n"u1",i1\n`, 2, "expected 5 columns, found 2"],
  ];

  it.each(cases)("%s", (_name, text, line, reason) => {
    const error = malformedError(text);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.line).toBe(line);
    expect(error.reason).toBe(reason);
    expect(error.message).toBe(`line ${line}: ${reason}`);
  });

  it("accepts a timestamp up to a day ahead", () => {
    const result = parseInteractions(`user_id,item_id,timestamp\nu1,i1,${NOW + 86_400}\n`, {
      nowSeconds: NOW,
    });
    expect(result.rows).toBe(1);
  });

  it("counts CRLF lines, blank lines and the header in line numbers", () => {
    const error = malformedError(`${HEADER}\r\nu1,i1,1,${NOW},view\r\n\r\nu2,i2,zz,${NOW},view\r\n`);
    expect(error.line).toBe(4);
    expect(error.reason).toBe('value "zz" is not a number');
  });

  it("stops at the first malformed row by default", () => {
    const error = malformedError(`${HEADER}\nu1,i1,x,${NOW},view\nu1,i1,y,${NOW},view\n`);
    expect(error.line).toBe(2);
  });

  it("truncates long cells in reasons", () => {
    const error = malformedError(`${HEADER}\nu1,i1,${"9".repeat(20)}x${"9".repeat(60)},${NOW},view\n`);
    expect(error.reason).toBe(`value "${"9".repeat(20)}x${"9".repeat(18)}…" is not a number`);
  });
});

describe("onMalformed: skip", () => {
  it("leaves malformed rows out and reports how many and why", () => {
    const result = parseInteractions(
      [
        HEADER,
        `u1,i1,1,${NOW},view`,
        `u2,i2,bad,${NOW},view`,
        `u3,i3,1,${NOW},nope`,
        `u1,i4`,
        `u4,i5,2,${NOW},rate`,
      ].join("\n"),
      { onMalformed: "skip", nowSeconds: NOW },
    );
    expect(result.rows).toBe(2);
    expect(result.skipped).toBe(3);
    expect(result.skippedReasons.map((s) => s.line)).toEqual([3, 4, 5]);
    expect(result.skippedReasons[2]).toEqual({ line: 5, reason: "expected 5 columns, found 2" });
  });

  it("interns no ids from skipped rows", () => {
    const result = parseInteractions(
      `${HEADER}\nu1,i1,1,${NOW},view\nghost,phantom,1,${NOW},oops\nu2,i2,1,${NOW},view\n`,
      {
        onMalformed: "skip",
        nowSeconds: NOW,
      },
    );
    expect(result.table.users.ids()).toEqual(["u1", "u2"]);
    expect(result.table.items.ids()).toEqual(["i1", "i2"]);
  });

  it("keeps only the first ten reasons but counts every skipped row", () => {
    const bad = Array.from({ length: 25 }, (_, i) => `u${i},i${i},?,${NOW},view`);
    const result = parseInteractions([HEADER, `u,i,1,${NOW},view`, ...bad].join("\n"), {
      onMalformed: "skip",
      nowSeconds: NOW,
    });
    expect(result.skipped).toBe(25);
    expect(result.skippedReasons).toHaveLength(10);
    expect(result.skippedReasons[0]).toEqual({ line: 3, reason: 'value "?" is not a number' });
  });

  it("fails clearly when every row is malformed", () => {
    expect(() =>
      parseInteractions(`${HEADER}\nu1,i1,x,${NOW},view\nu2,i2,y,${NOW},view\n`, { onMalformed: "skip" }),
    ).toThrowError(
      /input has no valid rows: all 2 were malformed \(first: line 2: value "x" is not a number\)/,
    );
  });
});

describe("whole-input problems", () => {
  it.each([
    ["an empty input", ""],
    ["only blank lines", "\n\r\n\n"],
    ["only a byte order mark", "\uFEFF"],
  ])("rejects %s", (_name, text) => {
    expect(() => parseInteractions(text)).toThrowError(new InvalidInputError("input is empty"));
    expect(() => parseInteractions(text, { format: "movielens-100k" })).toThrowError(/input is empty/);
  });

  it("rejects a header without rows", () => {
    expect(() => parseInteractions("user_id,item_id,value,timestamp\n\n")).toThrowError(
      new InvalidInputError("input has a header but no data rows"),
    );
  });

  it("names the missing required header columns", () => {
    expect(() => parseInteractions("user,item_id\nu1,i1\n")).toThrowError(
      /header is missing required column user_id \(found "user,item_id"/,
    );
    expect(() => parseInteractions("u1,i1,5\n")).toThrowError(/missing required columns user_id, item_id/);
  });

  it("rejects a header that names a column twice", () => {
    expect(() => parseInteractions("user_id,item_id,user_id\nu,i,u\n")).toThrowError(
      'header names column "user_id" twice',
    );
  });

  it("rejects an unknown format and an unknown policy", () => {
    expect(() => parseInteractions("x", { format: "parquet" as never })).toThrowError(
      'unknown interactions format "parquet"; expected one of csv, movielens-100k, movielens-csv',
    );
    expect(() => parseInteractions("x", { onMalformed: "ignore" as never })).toThrowError(/onMalformed/);
  });
});
