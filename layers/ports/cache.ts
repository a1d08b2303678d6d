/**
 * The L1 recommendation cache. Entries are keyed by user, model version and a variant string (the request
 * options that shape the list), so a new model or different options never serve a stale list.
 */
export interface CacheKey {
  readonly userId: string;
  readonly modelVersion: string;
  readonly variant: string;
}

export interface Cache {
  get(key: CacheKey): Promise<string | undefined>;
  set(key: CacheKey, value: string, ttlSeconds: number): Promise<void>;
  /** Drops every entry of the user, whatever the model version or variant (after a click, or an erase). */
  deleteUser(userId: string): Promise<void>;
}
