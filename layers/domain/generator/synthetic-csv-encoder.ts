import { EVENT_TYPES } from "../interactions/event-types.ts";
import type { SyntheticActivityEngine } from "./synthetic-activity.ts";

const COMMA = 44;
const DIGIT_ZERO = 48;
const MINUS = 45;
const USER_PREFIX = 117; // "u"
const ITEM_PREFIX = 105; // "i"
/** ",<type>\n" per event type code. */
const TYPE_CELLS = EVENT_TYPES.map((type) => Buffer.from(`,${type}\n`, "latin1"));
/** Bound on one row: two ids and a timestamp of at most 17 characters each, a value, the longest type cell. */
const MAX_ROW_BYTES = 3 * 17 + 4 + Math.max(...TYPE_CELLS.map((cell) => cell.length));

/**
 * Encodes a user's generated rows as CSV bytes (`u1,i42,5,1704067200,rate`) straight into a buffer:
 * no per-row strings, no UTF-8 encoding pass. Ids and values are ASCII by construction.
 */
export class SyntheticCsvEncoder {
  private chunk: Buffer;
  private used = 0;
  private readonly chunkBytes: number;

  constructor(chunkBytes: number) {
    this.chunkBytes = chunkBytes;
    this.chunk = Buffer.allocUnsafe(chunkBytes);
  }

  get pendingBytes(): number {
    return this.used;
  }

  /** Whether `rows` more rows fit in the current chunk. */
  fits(rows: number): boolean {
    return this.used + rows * MAX_ROW_BYTES <= this.chunk.length;
  }

  /** Hands over the bytes encoded so far and starts a fresh chunk big enough for `nextRows`. */
  take(nextRows = 0): Buffer {
    const full = this.chunk.subarray(0, this.used);
    this.chunk = Buffer.allocUnsafe(Math.max(this.chunkBytes, nextRows * MAX_ROW_BYTES));
    this.used = 0;
    return full;
  }

  writeText(text: string): void {
    this.used += this.chunk.write(text, this.used, "utf8");
  }

  encodeUser(user: number, engine: SyntheticActivityEngine, rows: number): void {
    const chunk = this.chunk;
    let p = this.used;
    const items = engine.batchItem;
    const values = engine.batchValue;
    const timestamps = engine.batchTimestamp;
    const types = engine.batchType;
    // The user cell is the same on every row: encode it once, then copy it.
    const userCellStart = p;
    chunk[p++] = USER_PREFIX;
    p = writeInteger(chunk, p, user + 1);
    chunk[p++] = COMMA;
    const userCellLength = p - userCellStart;
    p = userCellStart;
    for (let r = 0; r < rows; r++) {
      if (r > 0) {
        for (let k = 0; k < userCellLength; k++) chunk[p + k] = chunk[userCellStart + k] as number;
      }
      p += userCellLength;
      chunk[p++] = ITEM_PREFIX;
      p = writeInteger(chunk, p, (items[r] as number) + 1);
      chunk[p++] = COMMA;
      const value = values[r] as number;
      if (value !== 0) p = writeInteger(chunk, p, value);
      chunk[p++] = COMMA;
      p = writeInteger(chunk, p, timestamps[r] as number);
      const cell = TYPE_CELLS[types[r] as number] as Buffer;
      for (let k = 0; k < cell.length; k++) chunk[p++] = cell[k] as number;
    }
    this.used = p;
  }
}

/** Writes an integer (|n| < 10^16) in decimal at `position`; returns the position after it. */
function writeInteger(target: Buffer, position: number, n: number): number {
  let p = position;
  let rest = n;
  if (rest < 0) {
    target[p++] = MINUS;
    rest = -rest;
  }
  let digits = 1;
  for (let scale = 10; scale <= rest; scale *= 10) digits++;
  let k = p + digits - 1;
  // Above 2^31 the int32 shortcut below would wrap.
  while (rest > 0x7fffffff) {
    const quotient = Math.floor(rest / 10);
    target[k--] = DIGIT_ZERO + (rest - quotient * 10);
    rest = quotient;
  }
  while (k >= p) {
    const quotient = (rest / 10) | 0;
    target[k--] = DIGIT_ZERO + (rest - quotient * 10);
    rest = quotient;
  }
  return p + digits;
}
