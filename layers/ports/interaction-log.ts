import type { EventType } from "../domain/interactions/event-types.ts";

/** One user interaction as the streaming path stores it. */
export interface InteractionRecord {
  /** The idempotency key: a record is stored at most once per eventId. */
  readonly eventId: string;
  readonly userId: string;
  readonly itemId: string;
  readonly type: EventType;
  /** The training weight (event-type weight × value). */
  readonly weight: number;
  readonly value?: number;
  /** When it happened (client time, validated), epoch ms. */
  readonly occurredAt: number;
  readonly recommendationId?: string;
}

export interface AppendResult {
  /** Event ids stored by this call. */
  readonly appended: readonly string[];
  /** Event ids that were already stored (a replayed batch): nothing was written for them. */
  readonly duplicates: readonly string[];
}

export interface RecentInteractionsQuery {
  /** Only interactions at or after this time. @default 48 h ago */
  readonly since?: number;
  /** Newest first, at most this many. @default 500 */
  readonly limit?: number;
}

/** Recent interactions by user, kept for a limited time (48 h by default, by TTL in AWS). */
export interface InteractionLog {
  /** Idempotent by eventId: replaying a batch changes nothing. */
  append(records: readonly InteractionRecord[]): Promise<AppendResult>;
  /** Newest first. */
  recentByUser(userId: string, query?: RecentInteractionsQuery): Promise<InteractionRecord[]>;
  /** Erases every interaction of the user (DELETE /v1/users/{id}). */
  deleteUser(userId: string): Promise<void>;
  /**
   * Every unexpired record, page by page, in no particular order: the nightly cycle's export of what the
   * archive may not hold yet. A full read of the log (a Scan in AWS), for the pipeline only, never a request.
   */
  scanAll(): AsyncIterable<readonly InteractionRecord[]>;
}

export const RECENT_INTERACTIONS_RETENTION_MS = 48 * 3600 * 1000;
