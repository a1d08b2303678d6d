import { archiveEvents } from "../../layers/domain/archive/archive-events.ts";
import { interactionOfEvent } from "../../layers/domain/events/interaction-of-event.ts";
import type { EventType } from "../../layers/domain/interactions/event-types.ts";
import { eventWeight } from "../../layers/domain/interactions/event-types.ts";
import type { ArchiveStore } from "../../layers/ports/archive-store.ts";
import type { StreamEvent } from "../../layers/ports/event-bus.ts";
import type { InteractionLog } from "../../layers/ports/interaction-log.ts";
import type { CatalogItem, ItemCatalog } from "../../layers/ports/item-catalog.ts";
import type { TrendingCounters, TrendingIncrement } from "../../layers/ports/trending-counters.ts";

/** One interaction of the data set, in time order or not; times are epoch milliseconds. */
export interface SeedInteraction {
  readonly userId: string;
  readonly itemId: string;
  readonly type: EventType;
  readonly value?: number;
  readonly timestamp: number;
}

export interface SeedTargets {
  readonly catalog: ItemCatalog;
  readonly archive: ArchiveStore;
  readonly log: InteractionLog;
  readonly trending: TrendingCounters;
}

export interface SeedOptions {
  /** The newest interaction is placed a minute before this. @default now */
  readonly now?: number;
  /** The share of the newest interactions that reach only the interaction log, not the archive. @default 0.02 */
  readonly recentShare?: number;
  /** Interactions newer than this count towards trending (the counters keep 7 days). @default 7 days */
  readonly trendingWindowMs?: number;
  /** Archive and log writes in flight at once. @default 4 */
  readonly concurrency?: number;
  readonly progress?: (written: number, total: number) => void;
}

export interface SeedResult {
  readonly items: number;
  readonly archived: number;
  readonly logged: number;
  readonly trended: number;
  /** Users by their number of interactions, most active first. */
  readonly users: readonly { readonly userId: string; readonly interactions: number }[];
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const LOG_BATCH = 500;
const TRENDING_BATCH = 250;

/**
 * What the runtime finds after weeks of traffic, from any data set: the catalog; the older interactions in
 * the Parquet archive, one batch per hour of arrivals as the archive consumer writes them; the newest only
 * in the interaction log (they arrived after the archive's last file); and the last week counted in the
 * trending counters, as the stream handler would have counted them. The data set's timeline is moved to
 * end a minute before `now`, keeping its spacing (the local-nightly seeding, seedPipelineData, does the
 * same for generated data; this one also takes loaded data sets and fills trending for the popular tier).
 */
export async function seedRuntimeData(
  targets: SeedTargets,
  catalogItems: readonly CatalogItem[],
  interactions: readonly SeedInteraction[],
  options: SeedOptions = {},
): Promise<SeedResult> {
  const now = options.now ?? Date.now();
  const concurrency = options.concurrency ?? 4;
  const sorted = [...interactions].sort((a, b) => a.timestamp - b.timestamp);
  const shift = now - 60_000 - (sorted.at(-1)?.timestamp ?? now);
  const events: StreamEvent[] = sorted.map((row, n) => {
    const timestamp = Math.round(row.timestamp + shift);
    return {
      eventId: `seed-${n}`,
      userId: row.userId,
      itemId: row.itemId,
      type: row.type,
      ...(row.value === undefined ? {} : { value: row.value }),
      timestamp,
      receivedAt: timestamp + 250,
    };
  });
  const total = events.length + catalogItems.length;
  let written = 0;
  const advance = (count: number) => {
    written += count;
    options.progress?.(written, total);
  };

  const categoriesOf = new Map(catalogItems.map((item) => [item.itemId, item.categories]));
  const catalogWrite = (async () => {
    for (let i = 0; i < catalogItems.length; i += 1000) {
      const chunk = catalogItems.slice(i, i + 1000);
      await targets.catalog.upsert(chunk);
      advance(chunk.length);
    }
  })();

  // The log keeps 48 h: whatever is older than a day goes to the archive even if the share asks otherwise.
  const dayAgo = events.findIndex((event) => event.timestamp > now - DAY_MS);
  const recentFrom = Math.max(
    Math.floor(events.length * (1 - (options.recentShare ?? 0.02))),
    dayAgo === -1 ? events.length : dayAgo,
  );
  const tasks: Array<() => Promise<void>> = [];
  for (let from = 0; from < recentFrom; ) {
    const hour = Math.floor((events[from] as StreamEvent).receivedAt / HOUR_MS);
    let to = from;
    while (to < recentFrom && Math.floor((events[to] as StreamEvent).receivedAt / HOUR_MS) === hour) to++;
    const batch = events.slice(from, to);
    const batchId = `seed-${from}-${to - 1}`;
    tasks.push(async () => {
      await archiveEvents(targets.archive, batchId, batch);
      advance(batch.length);
    });
    from = to;
  }
  for (let from = recentFrom; from < events.length; from += LOG_BATCH) {
    const batch = events.slice(from, Math.min(from + LOG_BATCH, events.length));
    tasks.push(async () => {
      await targets.log.append(batch.map((event) => interactionOfEvent(event)));
      advance(batch.length);
    });
  }
  const trendingFrom = now - (options.trendingWindowMs ?? 7 * DAY_MS);
  const increments: TrendingIncrement[] = events
    .filter((event) => event.timestamp >= trendingFrom)
    .flatMap((event) => {
      const weight = eventWeight(event.type, event.value);
      return weight > 0
        ? [
            {
              eventId: event.eventId,
              itemId: event.itemId,
              categories: categoriesOf.get(event.itemId) ?? [],
              at: event.timestamp,
              weight,
            },
          ]
        : [];
    });
  for (let from = 0; from < increments.length; from += TRENDING_BATCH) {
    const batch = increments.slice(from, from + TRENDING_BATCH);
    tasks.push(() => targets.trending.increment(batch));
  }
  await Promise.all([catalogWrite, runConcurrently(tasks, concurrency)]);

  const perUser = new Map<string, number>();
  for (const event of events) perUser.set(event.userId, (perUser.get(event.userId) ?? 0) + 1);
  return {
    items: catalogItems.length,
    archived: recentFrom,
    logged: events.length - recentFrom,
    trended: increments.length,
    users: [...perUser]
      .map(([userId, count]) => ({ userId, interactions: count }))
      .sort((a, b) => b.interactions - a.interactions),
  };
}

async function runConcurrently(tasks: readonly (() => Promise<void>)[], concurrency: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++];
      if (task !== undefined) await task();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
}
