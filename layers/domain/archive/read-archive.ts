import type { ArchiveStore } from "../../ports/archive-store.ts";
import type { StreamEvent } from "../../ports/event-bus.ts";
import { InvalidInputError } from "../errors/domain-errors.ts";
import {
  type ArchivePartition,
  archiveDayPrefix,
  archivePartitionOf,
  archivePartitionOfKey,
  compareArchivePartitions,
  EVENT_ARCHIVE_PREFIX,
  requireArchivePartition,
} from "./archive-layout.ts";
import { decodeArchiveParquet } from "./archive-parquet.ts";

/** The hours to read, both ends included; either end may be left open. */
export interface ArchiveReadRange {
  /** The first hour read. @default the archive's first */
  readonly from?: ArchivePartition;
  /** The last hour read. @default the archive's last */
  readonly to?: ArchivePartition;
}

const DAY_MS = 86_400_000;

/**
 * The archived events of the hours in `range`, each event once.
 *
 * The archive is at-least-once at the file level: a batch the stream delivers again with the same records
 * overwrites its own objects, but one delivered again with other boundaries (a bisected batch, a changed
 * batch size) is written under another batch id, and the events it shares with the first are then in two
 * files. It is exactly-once as read: events are deduplicated by `eventId`, keeping the copy that arrived
 * first (smallest `receivedAt`, then the first key in key order, then the first row), which is what the
 * nightly Spark job does with `dropDuplicates("eventId")`. Deduplication covers what is read: a copy in an
 * hour outside `range` does not count.
 *
 * Events come back in that same order: by `receivedAt`, then key, then row. Objects under `events/` that are
 * not archive files (a `_SUCCESS` marker) are skipped.
 */
export async function readArchive(store: ArchiveStore, range: ArchiveReadRange = {}): Promise<StreamEvent[]> {
  const { from, to } = range;
  if (from !== undefined) requireArchivePartition(from);
  if (to !== undefined) requireArchivePartition(to);
  if (from !== undefined && to !== undefined && compareArchivePartitions(from, to) > 0) {
    throw new InvalidInputError(
      `archive range starts after it ends: ${JSON.stringify(from)} > ${JSON.stringify(to)}`,
      "range",
    );
  }
  const keys = (await listArchiveKeys(store, from, to)).filter((key) => {
    const partition = archivePartitionOfKey(key);
    return (
      partition !== undefined &&
      (from === undefined || compareArchivePartitions(partition, from) >= 0) &&
      (to === undefined || compareArchivePartitions(partition, to) <= 0)
    );
  });
  keys.sort();

  const copies: Array<{ readonly event: StreamEvent; readonly keyIndex: number; readonly row: number }> = [];
  for (const [keyIndex, key] of keys.entries()) {
    const events = await decodeArchiveParquet(await store.get(key));
    events.forEach((event, row) => {
      copies.push({ event, keyIndex, row });
    });
  }
  copies.sort((a, b) => a.event.receivedAt - b.event.receivedAt || a.keyIndex - b.keyIndex || a.row - b.row);
  const seen = new Set<string>();
  const events: StreamEvent[] = [];
  for (const { event } of copies) {
    if (seen.has(event.eventId)) continue;
    seen.add(event.eventId);
    events.push(event);
  }
  return events;
}

/**
 * The keys that may hold the range: with both ends known, one listing per day (a nightly read of one day
 * lists one day, not the whole archive); otherwise the whole archive.
 */
async function listArchiveKeys(
  store: ArchiveStore,
  from: ArchivePartition | undefined,
  to: ArchivePartition | undefined,
): Promise<string[]> {
  if (from === undefined || to === undefined) return store.list(EVENT_ARCHIVE_PREFIX);
  const keys: string[] = [];
  const last = Date.parse(`${to.dt}T00:00:00.000Z`);
  for (let day = Date.parse(`${from.dt}T00:00:00.000Z`); day <= last; day += DAY_MS) {
    keys.push(...(await store.list(archiveDayPrefix(archivePartitionOf(day).dt))));
  }
  return keys;
}
