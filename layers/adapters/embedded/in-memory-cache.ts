import { InvalidInputError } from "../../domain/errors/domain-errors.ts";
import type { Cache, CacheKey } from "../../ports/cache.ts";
import { type Clock, systemClock } from "../../ports/clock.ts";

export const DEFAULT_CACHE_MAX_ENTRIES = 10_000;

export interface InMemoryCacheOptions {
  /** Beyond this many entries the least recently used one is evicted. @default 10 000 */
  readonly maxEntries?: number;
  readonly clock?: Clock;
}

interface CacheEntry {
  readonly userId: string;
  readonly value: string;
  readonly expiresAt: number;
}

/**
 * The L1 cache as a bounded LRU map with per-entry TTL. A Map iterates in insertion order, so moving an
 * entry to the end on every hit keeps the least recently used one first, ready for eviction.
 */
export class InMemoryCache implements Cache {
  private readonly entries = new Map<string, CacheEntry>();
  /** userId → keys of its entries, so deleteUser does not scan the whole cache. */
  private readonly keysByUser = new Map<string, Set<string>>();
  private readonly maxEntries: number;
  private readonly clock: Clock;

  constructor(options: InMemoryCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? DEFAULT_CACHE_MAX_ENTRIES;
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) {
      throw new InvalidInputError(`maxEntries must be an integer ≥ 1, got ${this.maxEntries}`, "maxEntries");
    }
    this.clock = options.clock ?? systemClock;
  }

  /** How many entries are held, expired ones not yet dropped included. */
  get size(): number {
    return this.entries.size;
  }

  async get(key: CacheKey): Promise<string | undefined> {
    const storageKey = storageKeyOf(key);
    const entry = this.entries.get(storageKey);
    if (entry === undefined) return undefined;
    this.entries.delete(storageKey);
    if (entry.expiresAt <= this.clock()) {
      this.forgetKeyOfUser(entry.userId, storageKey);
      return undefined;
    }
    this.entries.set(storageKey, entry);
    return entry.value;
  }

  async set(key: CacheKey, value: string, ttlSeconds: number): Promise<void> {
    if (typeof ttlSeconds !== "number" || !(ttlSeconds > 0)) {
      throw new InvalidInputError(`ttlSeconds must be a number > 0, got ${ttlSeconds}`, "ttlSeconds");
    }
    const storageKey = storageKeyOf(key);
    this.entries.delete(storageKey);
    this.entries.set(storageKey, { userId: key.userId, value, expiresAt: this.clock() + ttlSeconds * 1000 });
    let keys = this.keysByUser.get(key.userId);
    if (keys === undefined) {
      keys = new Set();
      this.keysByUser.set(key.userId, keys);
    }
    keys.add(storageKey);
    this.evictOverCapacity();
  }

  async deleteUser(userId: string): Promise<void> {
    for (const storageKey of this.keysByUser.get(userId) ?? []) this.entries.delete(storageKey);
    this.keysByUser.delete(userId);
  }

  private evictOverCapacity(): void {
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.entries().next().value;
      if (oldest === undefined) return;
      const [storageKey, entry] = oldest;
      this.entries.delete(storageKey);
      this.forgetKeyOfUser(entry.userId, storageKey);
    }
  }

  private forgetKeyOfUser(userId: string, storageKey: string): void {
    const keys = this.keysByUser.get(userId);
    keys?.delete(storageKey);
    if (keys?.size === 0) this.keysByUser.delete(userId);
  }
}

/** JSON of the three parts: no separator inside an id can make two different keys collide. */
function storageKeyOf(key: CacheKey): string {
  return JSON.stringify([key.userId, key.modelVersion, key.variant]);
}
