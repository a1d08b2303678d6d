import { CorruptDataError } from "../../../domain/errors/domain-errors.ts";

/**
 * Typed reads of the attributes of a stored item. A field of the wrong type means the table holds data this
 * code did not write (a manual edit, an older layout): a CorruptDataError that names table and field, rather
 * than a wrong value passed on.
 */
export type StoredItem = Readonly<Record<string, unknown>>;

export function storedString(item: StoredItem, field: string, what: string): string {
  const value = item[field];
  if (typeof value !== "string") throw corrupt(what, field, "a string");
  return value;
}

export function storedNullableString(item: StoredItem, field: string, what: string): string | null {
  const value = item[field];
  if (value === null || value === undefined) return null;
  if (typeof value !== "string") throw corrupt(what, field, "a string or null");
  return value;
}

export function storedOptionalString(item: StoredItem, field: string, what: string): string | undefined {
  const value = item[field];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw corrupt(what, field, "a string");
  return value;
}

export function storedNumber(item: StoredItem, field: string, what: string): number {
  const value = item[field];
  if (typeof value !== "number") throw corrupt(what, field, "a number");
  return value;
}

export function storedNullableNumber(item: StoredItem, field: string, what: string): number | null {
  const value = item[field];
  if (value === null || value === undefined) return null;
  if (typeof value !== "number") throw corrupt(what, field, "a number or null");
  return value;
}

export function storedOptionalNumber(item: StoredItem, field: string, what: string): number | undefined {
  const value = item[field];
  if (value === undefined) return undefined;
  if (typeof value !== "number") throw corrupt(what, field, "a number");
  return value;
}

export function storedBoolean(item: StoredItem, field: string, what: string): boolean {
  const value = item[field];
  if (typeof value !== "boolean") throw corrupt(what, field, "a boolean");
  return value;
}

export function storedBinary(item: StoredItem, field: string, what: string): Uint8Array {
  const value = item[field];
  if (!(value instanceof Uint8Array)) throw corrupt(what, field, "binary");
  return value;
}

export function storedStringList(item: StoredItem, field: string, what: string): string[] {
  const value = item[field];
  if (!Array.isArray(value) || !value.every((element) => typeof element === "string")) {
    throw corrupt(what, field, "a list of strings");
  }
  return [...value];
}

export function storedStringMap(item: StoredItem, field: string, what: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const [key, element] of Object.entries(storedMap(item, field, what))) {
    if (typeof element !== "string") throw corrupt(what, `${field}.${key}`, "a string");
    map[key] = element;
  }
  return map;
}

export function storedNumberMap(item: StoredItem, field: string, what: string): Record<string, number> {
  const map: Record<string, number> = {};
  for (const [key, element] of Object.entries(storedMap(item, field, what))) {
    if (typeof element !== "number") throw corrupt(what, `${field}.${key}`, "a number");
    map[key] = element;
  }
  return map;
}

function storedMap(item: StoredItem, field: string, what: string): object {
  const value = item[field];
  if (typeof value !== "object" || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    throw corrupt(what, field, "a map");
  }
  return value;
}

function corrupt(what: string, field: string, expected: string): CorruptDataError {
  return new CorruptDataError(`${what}: stored field ${field} is not ${expected}`);
}
