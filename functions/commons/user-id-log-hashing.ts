import { createHmac } from "node:crypto";

/** `true` replaces every `userId` field of a log line with its keyed hash. */
export const LOG_HASH_USER_IDS_VARIABLE = "FLYWHEEL_LOG_HASH_USER_IDS";
/** The HMAC key: one per deployment, so hashes of the same id differ between deployments. */
export const LOG_HASH_SALT_VARIABLE = "FLYWHEEL_LOG_HASH_SALT";
/**
 * The key when no salt is configured. With it the hashes are pseudonyms (the same user always hashes the
 * same, so one user's lines can still be followed), but anyone who knows this default and a candidate id can
 * check it; a salt of its own in each deployment is what stops that.
 */
export const DEFAULT_LOG_HASH_SALT = "flywheel-log-user-id-v1";

/** The field name whose value is hashed, wherever it appears in a log line (nested objects included). */
const USER_ID_FIELD = "userId";
/** 16 hex digits (64 bits): no two of 100 million users are likely to share one. */
const HASH_HEX_DIGITS = 16;
/** Marks a value as a hash, so nobody mistakes it for an id that can be looked up. */
const HASH_PREFIX = "uh_";

export interface UserIdLogHashing {
  readonly enabled: boolean;
  readonly salt: string;
}

/** The option as the environment sets it: off unless the variable is `true`. */
export function readUserIdLogHashing(env: NodeJS.ProcessEnv = process.env): UserIdLogHashing {
  const salt = env[LOG_HASH_SALT_VARIABLE]?.trim();
  return {
    enabled: env[LOG_HASH_USER_IDS_VARIABLE]?.trim().toLowerCase() === "true",
    salt: salt === undefined || salt === "" ? DEFAULT_LOG_HASH_SALT : salt,
  };
}

/** HMAC-SHA-256 of the user id under the salt, truncated: `uh_` and 16 hex digits. */
export function hashUserId(userId: string, salt: string): string {
  return `${HASH_PREFIX}${createHmac("sha256", salt).update(userId, "utf8").digest("hex").slice(0, HASH_HEX_DIGITS)}`;
}

/**
 * A JSON replacer for the logger (Powertools calls it for every key of every log line before serialising):
 * a string `userId` becomes its hash. Undefined when the option is off, so the logger keeps its own.
 */
export function userIdLogReplacer(
  hashing: UserIdLogHashing,
): ((key: string, value: unknown) => unknown) | undefined {
  if (!hashing.enabled) return undefined;
  return (key, value) =>
    key === USER_ID_FIELD && typeof value === "string" ? hashUserId(value, hashing.salt) : value;
}
