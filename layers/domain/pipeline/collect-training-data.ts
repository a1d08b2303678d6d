import { eventWeight } from "../interactions/event-types.ts";
import {
  type InteractionTable,
  InteractionTableBuilder,
  selectRows,
} from "../interactions/interaction-table.ts";
import type { InteractionSource, SourceEvent } from "./interaction-source.ts";

export interface CollectedTrainingData {
  /** Everything but each user's held-out interaction. */
  readonly train: InteractionTable;
  /** Each user's latest positive interaction, for users with at least two: what the quality gate scores. */
  readonly holdout: InteractionTable;
  /** The held-out events' ids: the Spark job leaves them out so both trainers learn from the same rows. */
  readonly holdoutEventIds: readonly string[];
  /** The `recent` events as JSON lines in the Spark job's export format (spark/README.md, input contract). */
  readonly recentExport: string;
  /** Distinct events read, and copies skipped as already read. */
  readonly events: number;
  readonly duplicates: number;
}

/**
 * Reads every batch of the source once, keeps each eventId once (first copy wins: copies are identical),
 * weights events with the shared event weights, and holds out each user's latest positive event (by time,
 * then eventId). Events that cannot train (weight 0, e.g. impressions) are dropped here, as the trainers'
 * pair sums would drop them. One pass, column-wise: the events themselves are not kept.
 */
export async function collectTrainingData(source: InteractionSource): Promise<CollectedTrainingData> {
  const seen = new Set<string>();
  const builder = new InteractionTableBuilder();
  const latest = new Map<number, { row: number; timestamp: number; eventId: string }>();
  const positives = new Map<number, number>();
  const recentLines: string[] = [];
  let duplicates = 0;
  for await (const batch of source.batches()) {
    for (const event of batch.events) {
      if (seen.has(event.eventId)) {
        duplicates++;
        continue;
      }
      seen.add(event.eventId);
      if (batch.origin === "recent") recentLines.push(exportLine(event));
      const weight = eventWeight(event.type, event.value);
      if (weight === 0 || !Number.isFinite(weight)) continue;
      const row = builder.length;
      const user = builder.users.intern(event.userId);
      builder.addIndexed(user, builder.items.intern(event.itemId), weight, event.timestamp / 1000);
      if (weight < 0) continue;
      positives.set(user, (positives.get(user) ?? 0) + 1);
      const current = latest.get(user);
      if (current === undefined || isLater(event, current)) {
        latest.set(user, { row, timestamp: event.timestamp, eventId: event.eventId });
      }
    }
  }
  const table = builder.build();
  const inHoldout = new Uint8Array(table.length);
  const holdoutEventIds: string[] = [];
  for (const [user, entry] of latest) {
    if ((positives.get(user) ?? 0) < 2) continue;
    inHoldout[entry.row] = 1;
    holdoutEventIds.push(entry.eventId);
  }
  const trainRows: number[] = [];
  const holdoutRows: number[] = [];
  for (let row = 0; row < table.length; row++) (inHoldout[row] === 1 ? holdoutRows : trainRows).push(row);
  return {
    train: selectRows(table, trainRows),
    holdout: selectRows(table, holdoutRows),
    holdoutEventIds: holdoutEventIds.sort(),
    recentExport: recentLines.length === 0 ? "" : `${recentLines.join("\n")}\n`,
    events: seen.size,
    duplicates,
  };
}

function isLater(event: SourceEvent, current: { timestamp: number; eventId: string }): boolean {
  return (
    event.timestamp > current.timestamp ||
    (event.timestamp === current.timestamp && event.eventId > current.eventId)
  );
}

function exportLine(event: SourceEvent): string {
  return JSON.stringify({
    eventId: event.eventId,
    userId: event.userId,
    itemId: event.itemId,
    type: event.type,
    value: event.value ?? null,
    timestamp: event.timestamp,
  });
}
