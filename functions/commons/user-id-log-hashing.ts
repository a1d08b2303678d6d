import { createHmac } from "node:crypto";

/** `true` replaces every `userId` field of a log line with its keyed hash. */
export const LOG_HASH_USER_IDS_VARIABLE = "FLYWHEEL_LOG_HASH_USER_IDS";
/** The HMAC key: one per deployment, so hashes of the same id differ between deployments. */
export const LOG_HASH_SALT_VARIABLE = "FLYWHEEL_LOG_HASH_SALT";
/**
 * The Secrets Manager secret (ARN) that holds the key, as a deployment sets it: read once per cold start
 * (user-id-log-key.ts), never put in the environment itself. Wins over FLYWHEEL_LOG_HASH_SALT.
 */
export const LOG_HASH_SALT_SECRET_VARIABLE = "FLYWHEEL_LOG_HASH_SALT_SECRET_ARN";
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
  /** The key when no secret is named: FLYWHEEL_LOG_HASH_SALT, or the default. */
  readonly salt: string;
  /** The secret that holds the key, when one is named. */
  readonly saltSecretId?: string;
}

/** The option as the environment sets it: off unless the variable is `true`. */
export function readUserIdLogHashing(env: NodeJS.ProcessEnv = process.env): UserIdLogHashing {
  const salt = env[LOG_HASH_SALT_VARIABLE]?.trim();
  const saltSecretId = env[LOG_HASH_SALT_SECRET_VARIABLE]?.trim();
  return {
    enabled: env[LOG_HASH_USER_IDS_VARIABLE]?.trim().toLowerCase() === "true",
    salt: salt === undefined || salt === "" ? DEFAULT_LOG_HASH_SALT : salt,
    ...(saltSecretId === undefined || saltSecretId === "" ? {} : { saltSecretId }),
  };
}

/** HMAC-SHA-256 of the user id under the salt, truncated: `uh_` and 16 hex digits. */
export function hashUserId(userId: string, salt: string): string {
  return `${HASH_PREFIX}${createHmac("sha256", salt).update(userId, "utf8").digest("hex").slice(0, HASH_HEX_DIGITS)}`;
}

/** What a `userId` is replaced with while the deployment's key is unknown (not read yet, or unreadable). */
export const UNHASHED_USER_ID = "uh_unavailable";

/**
 * A JSON replacer for the logger (Powertools calls it for every key of every log line before serialising):
 * a string `userId` becomes its hash. Undefined when the option is off, so the logger keeps its own. With a
 * key source (the deployment's secret), a line written while the key is unknown carries UNHASHED_USER_ID
 * instead: never the id, and never a hash under a key others know.
 */
export function userIdLogReplacer(
  hashing: UserIdLogHashing,
  key: { current(): string | undefined } = { current: () => hashing.salt },
): ((key: string, value: unknown) => unknown) | undefined {
  if (!hashing.enabled) return undefined;
  return (field, value) => {
    if (field !== USER_ID_FIELD || typeof value !== "string") return value;
    const salt = key.current();
    return salt === undefined ? UNHASHED_USER_ID : hashUserId(value, salt);
  };
}
