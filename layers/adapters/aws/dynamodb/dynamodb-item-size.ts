import { PayloadTooLargeError } from "../../../domain/errors/domain-errors.ts";

/** DynamoDB's item size limit: attribute names and values together. */
export const DYNAMODB_MAX_ITEM_BYTES = 400 * 1024;

/**
 * The size DynamoDB bills and limits an item by, computed from the document the adapter is about to write,
 * following AWS's published rules: UTF-8 bytes of names and strings, raw bytes of binaries, about one byte
 * per two significant digits of a number, one byte for a boolean or null, and 3 bytes plus one per element
 * for lists and maps. Slightly generous where the rules are approximate, so nothing under the limit here
 * is refused by the service.
 */
export function dynamoDbItemBytes(item: Readonly<Record<string, unknown>>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value === undefined) continue;
    bytes += Buffer.byteLength(name, "utf8") + valueBytes(value);
  }
  return bytes;
}

/** Refuses, before any call, an item DynamoDB would reject, naming what it is. */
export function requireWithinItemLimit(
  what: string,
  id: string,
  item: Readonly<Record<string, unknown>>,
): void {
  const bytes = dynamoDbItemBytes(item);
  if (bytes > DYNAMODB_MAX_ITEM_BYTES) {
    throw new PayloadTooLargeError(
      `${what} ${JSON.stringify(id)} is about ${bytes} bytes, over DynamoDB's ${DYNAMODB_MAX_ITEM_BYTES}-byte item limit`,
      what,
    );
  }
}

function valueBytes(value: unknown): number {
  if (typeof value === "string") return Buffer.byteLength(value, "utf8");
  if (typeof value === "number") return numberBytes(value);
  if (typeof value === "boolean" || value === null) return 1;
  if (value instanceof Uint8Array) return value.byteLength;
  if (Array.isArray(value)) {
    let bytes = 3;
    for (const element of value) bytes += 1 + valueBytes(element);
    return bytes;
  }
  if (typeof value === "object") {
    let bytes = 3;
    for (const [name, element] of Object.entries(value)) {
      if (element === undefined) continue;
      bytes += 1 + Buffer.byteLength(name, "utf8") + valueBytes(element);
    }
    return bytes;
  }
  return Buffer.byteLength(String(value), "utf8");
}

function numberBytes(value: number): number {
  const digits = String(Math.abs(value))
    .replace(/e.*$/i, "")
    .replace(".", "")
    .replace(/^0+/, "")
    .replace(/0+$/, "");
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}
