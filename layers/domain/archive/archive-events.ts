import type { ArchiveStore } from "../../ports/archive-store.ts";
import type { StreamEvent } from "../../ports/event-bus.ts";
import { archiveObjectKey, archivePartitionOf } from "./archive-layout.ts";
import { encodeArchiveParquet } from "./archive-parquet.ts";

/**
 * Archives one delivered batch: one Parquet object per hour partition the batch's events arrived in, named
 * after the batch (`events/dt=…/hour=…/<batchId>.parquet`). The stream delivers at least once; a
 * redelivered batch has the same id and the same events, so it writes the same bytes over its own objects
 * instead of adding copies. An event repeated inside the batch (a client retry that reached the same shard
 * twice) is written once, as first delivered. Events keep their delivery order within an object.
 *
 * Returns the keys written, sorted; none for an empty batch.
 */
export async function archiveEvents(
  store: ArchiveStore,
  batchId: string,
  events: readonly StreamEvent[],
): Promise<string[]> {
  const seen = new Set<string>();
  const byKey = new Map<string, StreamEvent[]>();
  for (const event of events) {
    if (seen.has(event.eventId)) continue;
    seen.add(event.eventId);
    const key = archiveObjectKey(archivePartitionOf(event.receivedAt), batchId);
    const partitionEvents = byKey.get(key);
    if (partitionEvents === undefined) byKey.set(key, [event]);
    else partitionEvents.push(event);
  }
  // Every object is encoded before the first is written, so a bad event fails the batch with nothing written.
  const objects = [...byKey].map(([key, partitionEvents]) => ({
    key,
    bytes: encodeArchiveParquet(partitionEvents),
  }));
  // Every write settles before a failure is reported, so none is still running when the caller retries.
  const results = await Promise.allSettled(objects.map(({ key, bytes }) => store.put(key, bytes)));
  const failure = results.find((result) => result.status === "rejected");
  if (failure !== undefined) throw failure.reason;
  return objects.map(({ key }) => key).sort();
}
