import { InvalidInputError } from "../../domain/errors/domain-errors.ts";
import { type Clock, systemClock } from "../../ports/clock.ts";
import {
  type AppendResult,
  type InteractionLog,
  type InteractionRecord,
  RECENT_INTERACTIONS_RETENTION_MS,
  type RecentInteractionsQuery,
} from "../../ports/interaction-log.ts";
import { requireFiniteNumber, requireNonEmptyText } from "./argument-checks.ts";

export const DEFAULT_RECENT_INTERACTIONS_LIMIT = 500;

export interface InMemoryInteractionLogOptions {
  /** How long after `occurredAt` a record is kept. @default 48 h */
  readonly retentionMs?: number;
  readonly clock?: Clock;
}

/**
 * Recent interactions per user, each user's kept oldest first (by occurredAt, then eventId) so reads walk
 * back from the end. A record expires `retentionMs` after it occurred, like a DynamoDB TTL on occurredAt;
 * expiry is enforced on every read and expired records are pruned on write.
 */
export class InMemoryInteractionLog implements InteractionLog {
  private readonly byUser = new Map<string, InteractionRecord[]>();
  /** The eventId of every stored record: the idempotency index. */
  private readonly storedEventIds = new Set<string>();
  private readonly retentionMs: number;
  private readonly clock: Clock;
  private lastFullPruneAt = Number.NEGATIVE_INFINITY;

  constructor(options: InMemoryInteractionLogOptions = {}) {
    this.retentionMs = options.retentionMs ?? RECENT_INTERACTIONS_RETENTION_MS;
    if (!(this.retentionMs > 0)) throw new InvalidInputError("retentionMs must be > 0", "retentionMs");
    this.clock = options.clock ?? systemClock;
  }

  async append(records: readonly InteractionRecord[]): Promise<AppendResult> {
    // Validate the whole batch before writing any of it, so a bad record leaves nothing half-written.
    records.forEach(checkRecord);
    const now = this.clock();
    this.prune(now, records);
    const appended: string[] = [];
    const duplicates: string[] = [];
    for (const record of records) {
      if (this.storedEventIds.has(record.eventId)) {
        duplicates.push(record.eventId);
        continue;
      }
      const stored = copyRecord(record);
      this.storedEventIds.add(stored.eventId);
      insertInOrder(this.recordsOf(stored.userId), stored);
      appended.push(stored.eventId);
    }
    return { appended, duplicates };
  }

  async recentByUser(userId: string, query: RecentInteractionsQuery = {}): Promise<InteractionRecord[]> {
    const limit = query.limit ?? DEFAULT_RECENT_INTERACTIONS_LIMIT;
    if (!Number.isInteger(limit) || limit < 0) {
      throw new InvalidInputError(`limit must be an integer ≥ 0, got ${limit}`, "limit");
    }
    // A record exactly retentionMs old has expired (its TTL is now), whatever `since` says.
    const expiredAtOrBefore = this.clock() - this.retentionMs;
    const since = query.since === undefined ? expiredAtOrBefore : requireFiniteNumber(query.since, "since");
    const records = this.byUser.get(userId) ?? [];
    const out: InteractionRecord[] = [];
    for (let i = records.length - 1; i >= 0 && out.length < limit; i--) {
      const record = records[i] as InteractionRecord;
      // An explicit older `since` does not reach past retention: expired records are gone, as after a TTL.
      if (record.occurredAt < since || record.occurredAt <= expiredAtOrBefore) break;
      out.push(copyRecord(record));
    }
    return out;
  }

  async deleteUser(userId: string): Promise<void> {
    for (const record of this.byUser.get(userId) ?? []) this.storedEventIds.delete(record.eventId);
    this.byUser.delete(userId);
  }

  async *scanAll(): AsyncIterable<readonly InteractionRecord[]> {
    const expiredAtOrBefore = this.clock() - this.retentionMs;
    for (const records of [...this.byUser.values()]) {
      const page = records.filter((record) => record.occurredAt > expiredAtOrBefore).map(copyRecord);
      if (page.length > 0) yield page;
    }
  }

  private recordsOf(userId: string): InteractionRecord[] {
    let records = this.byUser.get(userId);
    if (records === undefined) {
      records = [];
      this.byUser.set(userId, records);
    }
    return records;
  }

  /**
   * Drops expired records of the users being written to on every write, and of everyone at most once per
   * 1/48 of the retention (an hour by default), so memory stays bounded without an O(all) sweep per write.
   */
  private prune(now: number, incoming: readonly InteractionRecord[]): void {
    const expiredBefore = now - this.retentionMs;
    if (now - this.lastFullPruneAt >= this.retentionMs / 48) {
      this.lastFullPruneAt = now;
      for (const userId of [...this.byUser.keys()]) this.pruneUser(userId, expiredBefore);
      return;
    }
    for (const userId of new Set(incoming.map((record) => record.userId))) {
      this.pruneUser(userId, expiredBefore);
    }
  }

  private pruneUser(userId: string, expiredBefore: number): void {
    const records = this.byUser.get(userId);
    if (records === undefined) return;
    let expired = 0;
    while (expired < records.length && (records[expired] as InteractionRecord).occurredAt <= expiredBefore) {
      this.storedEventIds.delete((records[expired] as InteractionRecord).eventId);
      expired++;
    }
    if (expired === records.length) this.byUser.delete(userId);
    else if (expired > 0) records.splice(0, expired);
  }
}

function checkRecord(record: InteractionRecord, index: number): void {
  requireNonEmptyText(record.eventId, `records[${index}].eventId`);
  requireNonEmptyText(record.userId, `records[${index}].userId`);
  requireNonEmptyText(record.itemId, `records[${index}].itemId`);
  requireFiniteNumber(record.occurredAt, `records[${index}].occurredAt`);
  requireFiniteNumber(record.weight, `records[${index}].weight`);
}

/** Older first: by occurredAt, then eventId, so that newest-first reads are deterministic on ties. */
function isBefore(a: InteractionRecord, b: InteractionRecord): boolean {
  return a.occurredAt < b.occurredAt || (a.occurredAt === b.occurredAt && a.eventId < b.eventId);
}

/** Events mostly arrive in time order, so the search from the end usually stops at once. */
function insertInOrder(records: InteractionRecord[], record: InteractionRecord): void {
  let at = records.length;
  while (at > 0 && isBefore(record, records[at - 1] as InteractionRecord)) at--;
  records.splice(at, 0, record);
}

function copyRecord(record: InteractionRecord): InteractionRecord {
  return {
    eventId: record.eventId,
    userId: record.userId,
    itemId: record.itemId,
    type: record.type,
    weight: record.weight,
    occurredAt: record.occurredAt,
    ...(record.value === undefined ? {} : { value: record.value }),
    ...(record.recommendationId === undefined ? {} : { recommendationId: record.recommendationId }),
  };
}
