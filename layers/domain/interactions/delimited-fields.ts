/**
 * Cell-level parsing for delimited text. Numbers are read straight from the UTF-8 bytes of a chunk,
 * so the hot path decodes nothing; the rare quoted line is split as a string.
 */

const DOUBLE_QUOTE = 34;
const MAX_EXACT_DIGITS = 15;
const POWERS_OF_TEN = Array.from({ length: MAX_EXACT_DIGITS + 1 }, (_, i) => 10 ** i);
const DECIMAL_PATTERN = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;
const NON_FINITE_WORDS = /^\s*[+-]?(?:inf|infinity|nan)\s*$/i;

/**
 * The decimal number in bytes[start, end): NaN when it is not a plain decimal number (hex, words, empty),
 * ±Infinity when it is a number too large to represent or spells out a non-finite value.
 */
export function parseDecimalBytes(bytes: Buffer, start: number, end: number): number {
  let i = start;
  let negative = false;
  let c = start < end ? (bytes[i] as number) : 0;
  if (c === 45 || c === 43) {
    negative = c === 45;
    i++;
  }
  let mantissa = 0;
  let digits = 0;
  let fractionDigits = 0;
  let sawPoint = false;
  for (; i < end; i++) {
    c = bytes[i] as number;
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      if (sawPoint) fractionDigits++;
    } else if (c === 46 && !sawPoint) {
      sawPoint = true;
    } else {
      break;
    }
  }
  // Up to 15 digits the mantissa is an exact integer and 10^k is exact, so one division rounds correctly
  // and the result equals Number(text) bit for bit.
  if (i === end && digits > 0 && digits <= MAX_EXACT_DIGITS) {
    const magnitude = fractionDigits === 0 ? mantissa : mantissa / (POWERS_OF_TEN[fractionDigits] as number);
    return negative ? -magnitude : magnitude;
  }
  return parseDecimalSlow(bytes.toString("utf8", start, end));
}

function parseDecimalSlow(cell: string): number {
  if (DECIMAL_PATTERN.test(cell)) return Number(cell);
  if (NON_FINITE_WORDS.test(cell)) return Number.POSITIVE_INFINITY;
  return Number.NaN;
}

const ISO_PATTERN =
  /^(\d{4}-\d{2}-\d{2})(?:[Tt ](\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * An ISO-8601 date or date-time as epoch seconds, NaN when the text is not one.
 * A date-time without a zone is read as UTC so that a file means the same on every machine.
 */
export function parseIsoSeconds(cell: string): number {
  const match = ISO_PATTERN.exec(cell.trim());
  if (match === null) return Number.NaN;
  const [, date, time, zone] = match;
  let canonical = `${date}T${time === undefined ? "00:00:00" : time.replace(",", ".")}`;
  if (zone === undefined || zone === "Z" || zone === "z") {
    canonical += "Z";
  } else {
    const digits = zone.replace(":", "");
    canonical += `${digits.slice(0, 3)}:${digits.length > 3 ? digits.slice(3) : "00"}`;
  }
  const millis = Date.parse(canonical);
  return Number.isNaN(millis) ? Number.NaN : millis / 1000;
}

/** Epoch seconds, or an ISO-8601 string; NaN when it is neither, ±Infinity when not finite. */
export function parseTimestampBytes(bytes: Buffer, start: number, end: number): number {
  const number = parseDecimalBytes(bytes, start, end);
  if (!Number.isNaN(number)) return number;
  return parseIsoSeconds(bytes.toString("utf8", start, end));
}

/** Fields of one line, or the reason it cannot be split. */
export type SplitResult = { readonly fields: string[] } | { readonly error: string };

/**
 * Splits text[start, end) on `delimiter`, honouring RFC 4180 double quotes ("" is a literal quote).
 * A quoted field must close on the same line: fields spanning lines are reported, not joined.
 */
export function splitDelimitedLine(text: string, start: number, end: number, delimiter: number): SplitResult {
  const delimiterChar = String.fromCharCode(delimiter);
  const fields: string[] = [];
  let i = start;
  for (;;) {
    if (i < end && text.charCodeAt(i) === DOUBLE_QUOTE) {
      let value = "";
      let segmentStart = i + 1;
      for (;;) {
        const quote = text.indexOf('"', segmentStart);
        if (quote === -1 || quote >= end) {
          return { error: "unterminated quoted field (a quoted field must close on the same line)" };
        }
        if (quote + 1 < end && text.charCodeAt(quote + 1) === DOUBLE_QUOTE) {
          value += text.slice(segmentStart, quote + 1);
          segmentStart = quote + 2;
          continue;
        }
        value += text.slice(segmentStart, quote);
        i = quote + 1;
        break;
      }
      fields.push(value);
      if (i === end) return { fields };
      if (text.charCodeAt(i) !== delimiter) {
        return { error: `unexpected text after the closing quote of field ${fields.length}` };
      }
      i++;
      continue;
    }
    let next = text.indexOf(delimiterChar, i);
    if (next === -1 || next > end) next = end;
    const field = text.slice(i, next);
    if (field.includes('"')) {
      return {
        error: `stray quote in unquoted field ${fields.length + 1} (quote the whole field and double inner quotes)`,
      };
    }
    fields.push(field);
    if (next === end) return { fields };
    i = next + 1;
  }
}
