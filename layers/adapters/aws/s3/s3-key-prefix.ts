import { InvalidInputError } from "../../../domain/errors/domain-errors.ts";

/**
 * Checks a store's bucket and optional key prefix and returns the prefix as it goes in front of keys:
 * "" or `<prefix>/`. A prefix given with slashes at either end is refused rather than guessed at.
 */
export function bucketKeyPrefix(bucket: string, prefix = ""): string {
  if (bucket.length === 0) throw new InvalidInputError("bucket must not be empty", "bucket");
  if (prefix.startsWith("/") || prefix.endsWith("/")) {
    throw new InvalidInputError(
      `prefix must not start or end with a slash, got ${JSON.stringify(prefix)}`,
      "prefix",
    );
  }
  return prefix === "" ? "" : `${prefix}/`;
}
