import { InvalidInputError } from "../errors/domain-errors.ts";

/**
 * One segment of an archive key: a safe file or directory name everywhere (S3, POSIX, Windows). It may not
 * start with a dot, so `.` and `..` cannot climb out of a directory and a writer's temporary files
 * (`.name.<uuid>.tmp`) are never taken for data. It may start with an underscore, as the markers Spark and
 * Hive leave beside their data do (`_SUCCESS`).
 */
const SEGMENT = "[A-Za-z0-9_][A-Za-z0-9._=-]{0,254}";
const KEY_PATTERN = new RegExp(`^(?:${SEGMENT}/)*${SEGMENT}$`);
/** Whole segments, then optionally the start of one: `events/`, `events/dt=2025-01-1`, or nothing. */
const PREFIX_PATTERN = new RegExp(`^(?:${SEGMENT}/)*(?:${SEGMENT})?$`);
/** S3's limit on a key, in UTF-8 bytes; every allowed character is one byte. */
const MAX_KEY_LENGTH = 1024;

/** The key itself when it is a valid archive key (see ArchiveStore); InvalidInputError otherwise. */
export function requireArchiveKey(key: string): string {
  if (typeof key !== "string" || key.length > MAX_KEY_LENGTH || !KEY_PATTERN.test(key)) {
    throw new InvalidInputError(
      `archive key must be /-separated segments matching ${SEGMENT}, ` +
        `at most ${MAX_KEY_LENGTH} characters, got ${JSON.stringify(key)}`,
      "key",
    );
  }
  return key;
}

/** The prefix itself when a valid archive key could start with it; InvalidInputError otherwise. */
export function requireArchiveKeyPrefix(prefix: string): string {
  if (typeof prefix !== "string" || prefix.length > MAX_KEY_LENGTH || !PREFIX_PATTERN.test(prefix)) {
    throw new InvalidInputError(
      "archive key prefix must be whole key segments, optionally followed by the start of one, " +
        `got ${JSON.stringify(prefix)}`,
      "prefix",
    );
  }
  return prefix;
}
