import type { ArchiveStore } from "../../ports/archive-store.ts";
import type { InteractionLog } from "../../ports/interaction-log.ts";
import { archivePartitionOfKey, EVENT_ARCHIVE_PREFIX } from "../archive/archive-layout.ts";
import { decodeArchiveParquet } from "../archive/archive-parquet.ts";
import type { EventType } from "../interactions/event-types.ts";

/** One interaction as the nightly cycle reads it: an archived or logged event, before weighting. */
export interface SourceEvent {
  readonly eventId: string;
  readonly userId: string;
  readonly itemId: string;
  readonly type: EventType;
  readonly value?: number;
  /** When it happened, epoch ms. */
  readonly timestamp: number;
}

/**
 * A batch of events and where it came from. `archive` events are in the Parquet archive, which the Spark
 * job reads itself; `recent` ones are not (yet) and are handed to it in the run's export file.
 */
export interface SourceBatch {
  readonly origin: "archive" | "recent";
  readonly events: readonly SourceEvent[];
}

/**
 * Where the nightly cycle reads everything it trains on. Batches may overlap (the archive is at-least-once,
 * the 48 h log overlaps yesterday's archive files): the reader deduplicates by eventId.
 */
export interface InteractionSource {
  /** The archive root (the directory or bucket that holds `events/`) for the Spark job; none for a list. */
  readonly archiveLocation?: string;
  batches(): AsyncIterable<SourceBatch>;
}

/**
 * The streaming path's Parquet archive, file by file (one decoded file in memory at a time), then the
 * interaction log's unexpired records: what arrived since the archive consumer last wrote.
 */
export function archiveInteractionSource(archive: ArchiveStore, log?: InteractionLog): InteractionSource {
  return {
    archiveLocation: archive.locationOf(""),
    async *batches() {
      const keys = (await archive.list(EVENT_ARCHIVE_PREFIX)).filter(
        (key) => archivePartitionOfKey(key) !== undefined,
      );
      for (const key of keys) {
        yield { origin: "archive", events: await decodeArchiveParquet(await archive.get(key)) };
      }
      if (log === undefined) return;
      for await (const page of log.scanAll()) {
        yield {
          origin: "recent",
          events: page.map((record) => ({
            eventId: record.eventId,
            userId: record.userId,
            itemId: record.itemId,
            type: record.type,
            ...(record.value === undefined ? {} : { value: record.value }),
            timestamp: record.occurredAt,
          })),
        };
      }
    },
  };
}

/** Events handed in (tests, benchmarks, a one-off import): all `recent`, so a Spark run gets them too. */
export function eventListSource(events: readonly SourceEvent[]): InteractionSource {
  return {
    async *batches() {
      yield { origin: "recent", events };
    },
  };
}
