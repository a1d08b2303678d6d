import type { BatchRecommendations, BatchRecStore } from "../../ports/batch-rec-store.ts";
import { type Clock, systemClock } from "../../ports/clock.ts";
import { requireFiniteNumber, requireNonEmptyText } from "./argument-checks.ts";

export interface InMemoryBatchRecStoreOptions {
  readonly clock?: Clock;
}

/** Nightly recommendations per user in a Map; an entry at or past its expiresAt is never served. */
export class InMemoryBatchRecStore implements BatchRecStore {
  private readonly entries = new Map<string, BatchRecommendations>();
  private readonly clock: Clock;

  constructor(options: InMemoryBatchRecStoreOptions = {}) {
    this.clock = options.clock ?? systemClock;
  }

  async putMany(entries: readonly BatchRecommendations[]): Promise<void> {
    entries.forEach((entry, index) => {
      requireNonEmptyText(entry.userId, `entries[${index}].userId`);
      requireFiniteNumber(entry.expiresAt, `entries[${index}].expiresAt`);
    });
    // In order, so when one call carries a user twice the later list wins.
    for (const entry of entries) this.entries.set(entry.userId, copyEntry(entry));
  }

  async get(userId: string): Promise<BatchRecommendations | undefined> {
    const entry = this.entries.get(userId);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.clock()) {
      this.entries.delete(userId);
      return undefined;
    }
    return copyEntry(entry);
  }

  async delete(userId: string): Promise<void> {
    this.entries.delete(userId);
  }
}

function copyEntry(entry: BatchRecommendations): BatchRecommendations {
  return {
    userId: entry.userId,
    modelVersion: entry.modelVersion,
    items: entry.items.map(({ itemId, score }) => ({ itemId, score })),
    generatedAt: entry.generatedAt,
    expiresAt: entry.expiresAt,
  };
}
