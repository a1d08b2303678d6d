import { InvalidInputError } from "../../../domain/errors/domain-errors.ts";

/**
 * One part of a Redis key, percent-encoded (encodeURIComponent), so that the separators the key layout
 * uses (`:`, `|`, `{`, `}`, `%`) never occur inside a part: two different ids can never make the same key,
 * and an id cannot open or close a cluster hash tag. Readable for the usual ids.
 */
export function encodeKeyPart(value: string, field: string): string {
  if (typeof value !== "string") throw new InvalidInputError(`${field} must be a string`, field);
  if (!value.isWellFormed()) {
    // A lone surrogate has no UTF-8 form; encoding it would collide with U+FFFD.
    throw new InvalidInputError(`${field} contains a lone UTF-16 surrogate`, field);
  }
  return encodeURIComponent(value);
}

/**
 * `{part}`: Redis Cluster places every key with the same tag in the same slot. An empty tag (`{}`) would
 * not count as one, so the part must not be empty.
 */
export function hashTag(value: string, field: string): string {
  if (typeof value !== "string" || value.length === 0) {
    throw new InvalidInputError(`${field} must be a non-empty string`, field);
  }
  return `{${encodeKeyPart(value, field)}}`;
}

/** A key prefix may not contain a brace: it would become the hash tag instead of the part after it. */
export function requireKeyPrefix(prefix: string): string {
  if (prefix.length === 0 || /[{}\s]/.test(prefix)) {
    throw new InvalidInputError(
      `keyPrefix must be non-empty, without braces or spaces, got ${JSON.stringify(prefix)}`,
      "keyPrefix",
    );
  }
  return prefix;
}
