import type { BatchRecommendations, BatchRecStore } from "../../ports/batch-rec-store.ts";
import { type Clock, systemClock } from "../../ports/clock.ts";
import { requireFiniteNumber, requireNonEmptyText } from "./argument-checks.ts";
import { float32History } from "./batch-history-checks.ts";
import { DYNAMODB_ITEM_LIMIT_BYTES, estimateStoredBytes, requireWithinItemLimit } from "./item-size-limit.ts";

export interface InMemoryBatchRecStoreOptions {
  readonly clock?: Clock;
}

/**
 * Nightly recommendations per user in a Map; an entry at or past its expiresAt is never served. History
 * weights are kept at float32 precision and entries are held to DynamoDB's item size limit, as the DynamoDB
 * store does, so what works here works deployed.
 */
export class InMemoryBatchRecStore implements BatchRecStore {
  private readonly entries = new Map<string, BatchRecommendations>();
  private readonly clock: Clock;

  constructor(options: InMemoryBatchRecStoreOptions = {}) {
    this.clock = options.clock ?? systemClock;
  }

  async putMany(entries: readonly BatchRecommendations[]): Promise<void> {
    // Every entry is checked before any is stored.
    const checked = entries.map((entry, index) => {
      const userId = requireNonEmptyText(entry.userId, `entries[${index}].userId`);
      requireFiniteNumber(entry.expiresAt, `entries[${index}].expiresAt`);
      const history =
        entry.history === undefined ? undefined : float32History(entry.history, `entries[${index}].history`);
      const copy = copyEntry({ ...entry, history });
      requireWithinItemLimit("batch recommendations", userId, storedBytes(copy), DYNAMODB_ITEM_LIMIT_BYTES);
      return copy;
    });
    // In order, so when one call carries a user twice the later list wins.
    for (const entry of checked) this.entries.set(entry.userId, entry);
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

  async getMany(userIds: readonly string[]): Promise<Map<string, BatchRecommendations>> {
    const found = new Map<string, BatchRecommendations>();
    for (const userId of new Set(userIds)) {
      const entry = await this.get(userId);
      if (entry !== undefined) found.set(userId, entry);
    }
    return found;
  }

  async delete(userId: string): Promise<void> {
    this.entries.delete(userId);
  }
}

function copyEntry(entry: BatchRecommendations): BatchRecommendations {
  const copy: BatchRecommendations = {
    userId: entry.userId,
    modelVersion: entry.modelVersion,
    items: entry.items.map(({ itemId, score }) => ({ itemId, score })),
    generatedAt: entry.generatedAt,
    expiresAt: entry.expiresAt,
  };
  if (entry.history === undefined) return copy;
  return { ...copy, history: entry.history.map(({ itemId, weight }) => ({ itemId, weight })) };
}

/** As the DynamoDB store lays it out: ids as lists, scores as float64 and weights as float32 binaries. */
function storedBytes(entry: BatchRecommendations): number {
  const { items, history, ...rest } = entry;
  const ids = {
    itemIds: items.map(({ itemId }) => itemId),
    historyItemIds: history?.map(({ itemId }) => itemId),
  };
  return estimateStoredBytes({ ...rest, ...ids }, 8 * items.length + 4 * (history?.length ?? 0));
}
