import { InvalidInputError, MalformedRowError } from "../errors/domain-errors.ts";
import { ByteRangeIdInterner } from "./byte-range-id-interner.ts";
import { parseDecimalBytes, parseTimestampBytes, splitDelimitedLine } from "./delimited-fields.ts";
import { EVENT_TYPES, type EventType, type EventWeights, eventWeight } from "./event-types.ts";
import {
  type ColumnLayout,
  type InteractionFormatSpec,
  layoutFromHeader,
  truncate,
} from "./interaction-formats.ts";
import { type InteractionTable, InteractionTableBuilder } from "./interaction-table.ts";

export type MalformedRowPolicy = "error" | "skip";

export interface SkippedRow {
  readonly line: number;
  readonly reason: string;
}

export interface LoadedInteractions {
  readonly table: InteractionTable;
  /** Rows loaded into the table. */
  readonly rows: number;
  /** Malformed rows left out (always 0 with onMalformed "error"). */
  readonly skipped: number;
  /** The first few skipped rows, for the report. */
  readonly skippedReasons: readonly SkippedRow[];
}

export interface RowParserSettings {
  readonly spec: InteractionFormatSpec;
  readonly onMalformed: MalformedRowPolicy;
  readonly weights: EventWeights;
  /** Epoch seconds; timestamps more than a day after this are rejected. */
  readonly nowSeconds: number;
  /** Names the input in whole-file errors ("ratings.csv is empty"). */
  readonly sourceName: string;
}

const MAX_SKIPPED_REASONS = 10;
const FUTURE_TOLERANCE_SECONDS = 86_400;
// Epoch milliseconds for any date after 1973 exceed this; epoch seconds will not reach it for millennia.
const LOOKS_LIKE_MILLISECONDS = 1e11;
const NEWLINE = 10;
const CARRIAGE_RETURN = 13;
const DOUBLE_QUOTE = 34;
const QUOTED_CELL_MAX = 40;
const EVENT_TYPE_BYTES = EVENT_TYPES.map((type) => Buffer.from(type, "latin1"));

/**
 * Turns delimited UTF-8 bytes into interaction rows, one block of whole lines at a time, so a file can be
 * streamed through it without decoding it to strings. Rows are validated completely before their ids are
 * interned, so a skipped row never leaves an id without interactions behind.
 */
export class InteractionRowParser {
  private readonly spec: InteractionFormatSpec;
  private readonly onMalformed: MalformedRowPolicy;
  private readonly weights: EventWeights;
  private readonly latestAllowedTimestamp: number;
  private readonly sourceName: string;
  private readonly builder = new InteractionTableBuilder();
  private readonly userIds = new ByteRangeIdInterner(this.builder.users);
  private readonly itemIds = new ByteRangeIdInterner(this.builder.items);
  private layout: ColumnLayout | undefined;
  private starts = new Int32Array(8);
  private ends = new Int32Array(8);
  private lineNumber = 0;
  private started = false;
  private skippedCount = 0;
  private readonly skippedRows: SkippedRow[] = [];

  constructor(settings: RowParserSettings) {
    this.spec = settings.spec;
    this.onMalformed = settings.onMalformed;
    this.weights = settings.weights;
    this.latestAllowedTimestamp = settings.nowSeconds + FUTURE_TOLERANCE_SECONDS;
    this.sourceName = settings.sourceName;
    if (settings.spec.fixedLayout !== undefined) this.useLayout(settings.spec.fixedLayout);
  }

  /**
   * Parses bytes[start, end), which must end just after a newline unless it is the last block.
   * Lines that are empty once a trailing CR is removed are ignored wherever they occur.
   */
  feed(bytes: Buffer, start: number, end: number): void {
    let position = start;
    if (!this.started && end > start) {
      this.started = true;
      if (
        end - start >= 3 &&
        bytes[start] === 0xef &&
        bytes[start + 1] === 0xbb &&
        bytes[start + 2] === 0xbf
      ) {
        position += 3;
      }
    }
    if (this.layout === undefined) position = this.readHeader(bytes, position, end);
    if (position >= end) return;
    const tail = this.readRows(bytes, position, end);
    if (tail < end) {
      // The last line has no newline: give it one, so that the hot loop has a single way to end a row.
      const line = Buffer.allocUnsafe(end - tail + 1);
      bytes.copy(line, 0, tail, end);
      line[end - tail] = NEWLINE;
      this.readRows(line, 0, line.length);
    }
  }

  /** The table, or a clear error when the input held no usable rows. */
  finish(): LoadedInteractions {
    const rows = this.builder.length;
    if (rows === 0) {
      const hasHeader = this.spec.header !== undefined;
      if (hasHeader ? this.layout === undefined : this.skippedCount === 0) {
        throw new InvalidInputError(`${this.sourceName} is empty`);
      }
      if (this.skippedCount === 0) {
        throw new InvalidInputError(`${this.sourceName} has a header but no data rows`);
      }
      const first = this.skippedRows[0];
      throw new InvalidInputError(
        `${this.sourceName} has no valid rows: all ${this.skippedCount} were malformed` +
          (first === undefined ? "" : ` (first: line ${first.line}: ${first.reason})`),
      );
    }
    return {
      table: this.builder.build(),
      rows,
      skipped: this.skippedCount,
      skippedReasons: this.skippedRows.slice(),
    };
  }

  private useLayout(layout: ColumnLayout): void {
    this.layout = layout;
    this.starts = new Int32Array(layout.columnCount);
    this.ends = new Int32Array(layout.columnCount);
  }

  /** Skips blank lines up to the header, reads it, and returns where the data starts. */
  private readHeader(bytes: Buffer, start: number, end: number): number {
    let position = start;
    while (position < end && this.layout === undefined) {
      let newline = bytes.indexOf(NEWLINE, position);
      if (newline === -1 || newline >= end) newline = end;
      this.lineNumber++;
      const line = trimCarriageReturn(bytes.toString("utf8", position, newline));
      if (line !== "") {
        const split = splitDelimitedLine(line, 0, line.length, this.spec.delimiter);
        if ("error" in split)
          throw new InvalidInputError(`header (line ${this.lineNumber}): ${split.error}`, "header");
        this.useLayout(layoutFromHeader(this.spec, split.fields));
      }
      position = newline + 1;
    }
    return position;
  }

  /**
   * The hot loop: one pass over the bytes finds line ends and field boundaries together. Returns where the
   * unterminated last line starts (end when there is none); nothing follows the loop that could deoptimise it.
   */
  private readRows(bytes: Buffer, start: number, end: number): number {
    const columnCount = (this.layout as ColumnLayout).columnCount;
    const starts = this.starts;
    const ends = this.ends;
    const delimiter = this.spec.delimiter;
    let lineStart = start;
    let fieldStart = start;
    let count = 0;
    let hasQuote = false;
    for (let i = start; i < end; i++) {
      const c = bytes[i] as number;
      if (c === delimiter) {
        if (count < columnCount) {
          starts[count] = fieldStart;
          ends[count] = i;
        }
        count++;
        fieldStart = i + 1;
      } else if (c === NEWLINE) {
        this.lineNumber++;
        this.endRow(bytes, lineStart, i, count, fieldStart, hasQuote);
        lineStart = i + 1;
        fieldStart = lineStart;
        count = 0;
        hasQuote = false;
      } else if (c === DOUBLE_QUOTE) {
        hasQuote = true;
      }
    }
    return lineStart;
  }

  private endRow(
    bytes: Buffer,
    lineStart: number,
    lineEnd: number,
    delimiters: number,
    lastFieldStart: number,
    hasQuote: boolean,
  ): void {
    let stop = lineEnd;
    if (stop > lineStart && bytes[stop - 1] === CARRIAGE_RETURN) stop--;
    if (stop === lineStart) return;
    const layout = this.layout as ColumnLayout;
    if (hasQuote && this.spec.quoted) {
      this.readQuotedRow(bytes, lineStart, stop, layout);
      return;
    }
    const count = delimiters + 1;
    if (count !== layout.columnCount) {
      this.malformed(`expected ${layout.columnCount} columns, found ${count}`);
      return;
    }
    this.starts[delimiters] = lastFieldStart;
    this.ends[delimiters] = stop;
    this.reportProblem(this.acceptRow(bytes, layout));
  }

  /** The rare row with quotes: unquote it, re-encode the fields back to back, and point the ranges there. */
  private readQuotedRow(bytes: Buffer, start: number, stop: number, layout: ColumnLayout): void {
    const line = bytes.toString("utf8", start, stop);
    const split = splitDelimitedLine(line, 0, line.length, this.spec.delimiter);
    if ("error" in split) {
      this.malformed(split.error);
      return;
    }
    const fields = split.fields;
    if (fields.length !== layout.columnCount) {
      this.malformed(`expected ${layout.columnCount} columns, found ${fields.length}`);
      return;
    }
    let offset = 0;
    for (let f = 0; f < fields.length; f++) {
      const length = Buffer.byteLength(fields[f] as string, "utf8");
      this.starts[f] = offset;
      this.ends[f] = offset + length;
      offset += length;
    }
    this.reportProblem(this.acceptRow(Buffer.from(fields.join(""), "utf8"), layout));
  }

  /** Adds the row whose fields are at this.starts/this.ends, or returns why it is malformed. */
  private acceptRow(bytes: Buffer, layout: ColumnLayout): string | undefined {
    const starts = this.starts;
    const ends = this.ends;
    const names = layout.names;

    const userStart = starts[layout.user] as number;
    const userEnd = ends[layout.user] as number;
    if (userStart === userEnd) return `empty ${names.user}`;
    const itemStart = starts[layout.item] as number;
    const itemEnd = ends[layout.item] as number;
    if (itemStart === itemEnd) return `empty ${names.item}`;

    let value = Number.NaN;
    if (layout.value >= 0) {
      const s = starts[layout.value] as number;
      const e = ends[layout.value] as number;
      if (s !== e) {
        value = parseDecimalBytes(bytes, s, e);
        if (!Number.isFinite(value)) return describeBadNumber(names.value, cellText(bytes, s, e), value);
      } else if (this.spec.valueRequired) {
        return `empty ${names.value}`;
      }
    }

    let timestamp = Number.NaN;
    if (layout.timestamp >= 0) {
      const s = starts[layout.timestamp] as number;
      const e = ends[layout.timestamp] as number;
      if (s !== e) {
        timestamp = parseTimestampBytes(bytes, s, e);
        if (Number.isNaN(timestamp)) {
          return `${names.timestamp} ${cellText(bytes, s, e)} is neither epoch seconds nor an ISO-8601 date`;
        }
        if (!Number.isFinite(timestamp)) return `${names.timestamp} ${cellText(bytes, s, e)} is not finite`;
        if (timestamp > this.latestAllowedTimestamp)
          return describeFutureTimestamp(names.timestamp, timestamp);
      } else if (this.spec.timestampRequired) {
        return `empty ${names.timestamp}`;
      }
    }

    let weight: number;
    if (layout.eventType >= 0) {
      const s = starts[layout.eventType] as number;
      const e = ends[layout.eventType] as number;
      const type = matchEventType(bytes, s, e);
      if (type === undefined) {
        const what =
          s === e ? `empty ${names.eventType}` : `unknown ${names.eventType} ${cellText(bytes, s, e)}`;
        return `${what} (expected one of ${EVENT_TYPES.join(", ")})`;
      }
      weight = eventWeight(type, Number.isNaN(value) ? undefined : value, this.weights);
    } else {
      weight = Number.isNaN(value) ? 1 : value;
    }

    const user = this.userIds.intern(bytes, userStart, userEnd);
    const item = this.itemIds.intern(bytes, itemStart, itemEnd);
    this.builder.addIndexed(user, item, weight, timestamp);
    return undefined;
  }

  private reportProblem(reason: string | undefined): void {
    if (reason !== undefined) this.malformed(reason);
  }

  private malformed(reason: string): void {
    if (this.onMalformed === "error") throw new MalformedRowError(this.lineNumber, reason);
    this.skippedCount++;
    if (this.skippedRows.length < MAX_SKIPPED_REASONS)
      this.skippedRows.push({ line: this.lineNumber, reason });
  }
}

function trimCarriageReturn(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}

function matchEventType(bytes: Buffer, start: number, end: number): EventType | undefined {
  const length = end - start;
  for (let t = 0; t < EVENT_TYPE_BYTES.length; t++) {
    const name = EVENT_TYPE_BYTES[t] as Buffer;
    if (name.length !== length || name[0] !== bytes[start]) continue;
    let k = 1;
    while (k < length && name[k] === bytes[start + k]) k++;
    if (k === length) return EVENT_TYPES[t];
  }
  return undefined;
}

function cellText(bytes: Buffer, start: number, end: number): string {
  return JSON.stringify(truncate(bytes.toString("utf8", start, end), QUOTED_CELL_MAX));
}

function describeBadNumber(name: string, cell: string, parsed: number): string {
  return Number.isNaN(parsed) ? `${name} ${cell} is not a number` : `${name} ${cell} is not finite`;
}

function describeFutureTimestamp(name: string, seconds: number): string {
  const hint =
    seconds > LOOKS_LIKE_MILLISECONDS ? "; it looks like epoch milliseconds, expected seconds" : "";
  return `${name} ${seconds} is more than a day in the future${hint}`;
}
