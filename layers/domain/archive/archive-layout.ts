import { createHash } from "node:crypto";
import { InvalidInputError } from "../errors/domain-errors.ts";

/**
 * Where archived events live: `events/dt=YYYY-MM-DD/hour=HH/<batchId>.parquet`, Hive-style partitions that
 * Spark, Athena and pyarrow all read as the columns `dt` and `hour`. The same prefix is
 * ARTIFACT_BUCKET_DEFINITION.eventArchivePrefix (infra/config/data-resource-definitions.ts).
 */
export const EVENT_ARCHIVE_PREFIX = "events/";

/**
 * One hour of the archive, in UTC. Both parts are zero-padded strings, so comparing them as strings
 * compares them in time.
 */
export interface ArchivePartition {
  /** The UTC day, `YYYY-MM-DD`. */
  readonly dt: string;
  /** The UTC hour, `00`–`23`. */
  readonly hour: string;
}

/** 9999-12-31T23:59:59.999Z: a four-digit year keeps `dt` sortable as a string. */
const LAST_ARCHIVABLE_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const DT_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const HOUR_PATTERN = /^(?:[01]\d|2[0-3])$/;
const OBJECT_KEY_PATTERN = /^events\/dt=(\d{4}-\d{2}-\d{2})\/hour=(\d{2})\/([^/]+)\.parquet$/;

/**
 * The partition an event is archived in: the hour it **arrived** (`receivedAt`), not the hour it happened
 * (`timestamp`), as Firehose partitions by arrival. A late event (a phone that was offline for a day)
 * lands in the hour it reached us, so an hour's partition, once that hour is over, never changes and a
 * nightly job can read it without missing anything written later. Training still uses `timestamp`.
 */
export function archivePartitionOf(receivedAt: number): ArchivePartition {
  if (!Number.isSafeInteger(receivedAt) || receivedAt < 0 || receivedAt > LAST_ARCHIVABLE_MS) {
    throw new InvalidInputError(
      `receivedAt must be epoch milliseconds between 1970 and 9999, got ${receivedAt}`,
      "receivedAt",
    );
  }
  const iso = new Date(receivedAt).toISOString();
  return { dt: iso.slice(0, 10), hour: iso.slice(11, 13) };
}

/** The partition itself when its parts are a real UTC day and hour; InvalidInputError otherwise. */
export function requireArchivePartition(partition: ArchivePartition): ArchivePartition {
  const { dt, hour } = partition;
  const valid =
    DT_PATTERN.test(dt) &&
    HOUR_PATTERN.test(hour) &&
    // Date.parse accepts 2025-02-30; a round trip through ISO does not.
    !Number.isNaN(Date.parse(`${dt}T00:00:00Z`)) &&
    new Date(`${dt}T00:00:00Z`).toISOString().slice(0, 10) === dt;
  if (!valid) {
    throw new InvalidInputError(
      `archive partition must be a UTC day YYYY-MM-DD and an hour 00-23, got ${JSON.stringify(partition)}`,
      "partition",
    );
  }
  return partition;
}

/** Negative, zero or positive as `a` is before, the same as or after `b`. */
export function compareArchivePartitions(a: ArchivePartition, b: ArchivePartition): number {
  const left = `${a.dt}T${a.hour}`;
  const right = `${b.dt}T${b.hour}`;
  return left < right ? -1 : left > right ? 1 : 0;
}

/** `events/dt=YYYY-MM-DD/` */
export function archiveDayPrefix(dt: string): string {
  return `${EVENT_ARCHIVE_PREFIX}dt=${dt}/`;
}

/** `events/dt=YYYY-MM-DD/hour=HH/` */
export function archivePartitionPrefix(partition: ArchivePartition): string {
  requireArchivePartition(partition);
  return `${archiveDayPrefix(partition.dt)}hour=${partition.hour}/`;
}

/** A batch id as it may appear in a file name; longer ones are shortened (see archiveBatchFileName). */
const BATCH_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const MAX_BATCH_NAME_LENGTH = 200;
const KEPT_BATCH_ID_LENGTH = 150;

/**
 * The file name of a batch's object: `<batchId>.parquet`. A batch id may hold letters, digits and `. _ -`
 * and must start with a letter or digit (anything else is InvalidInputError: it would be a path, or a
 * hidden file). An id longer than 200 characters (Kinesis sequence numbers may reach 129 digits) becomes
 * its first 150 characters and a SHA-256 of the whole: still the same name for the same id, so a
 * redelivered batch overwrites its own object, and well inside file-name limits.
 */
export function archiveBatchFileName(batchId: string): string {
  if (typeof batchId !== "string" || !BATCH_ID_PATTERN.test(batchId)) {
    throw new InvalidInputError(
      `batchId must match ${BATCH_ID_PATTERN.source}, got ${JSON.stringify(batchId)}`,
      "batchId",
    );
  }
  if (batchId.length <= MAX_BATCH_NAME_LENGTH) return `${batchId}.parquet`;
  const digest = createHash("sha256").update(batchId).digest("hex").slice(0, 40);
  return `${batchId.slice(0, KEPT_BATCH_ID_LENGTH)}-h${digest}.parquet`;
}

/** `events/dt=YYYY-MM-DD/hour=HH/<batchId>.parquet` */
export function archiveObjectKey(partition: ArchivePartition, batchId: string): string {
  return `${archivePartitionPrefix(partition)}${archiveBatchFileName(batchId)}`;
}

/**
 * The partition of an archive object's key, or undefined for anything else under the prefix (a Spark
 * `_SUCCESS` marker, a file of another format): readers skip those rather than fail on them.
 */
export function archivePartitionOfKey(key: string): ArchivePartition | undefined {
  const match = OBJECT_KEY_PATTERN.exec(key);
  if (match === null) return undefined;
  const [, dt = "", hour = "", name = ""] = match;
  if (!BATCH_ID_PATTERN.test(name)) return undefined;
  try {
    return requireArchivePartition({ dt, hour });
  } catch {
    return undefined;
  }
}
