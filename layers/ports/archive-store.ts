/**
 * The raw event archive's blobs (docs/streaming.md, "The event archive"): Parquet files under keys such as
 * `events/dt=2025-01-15/hour=07/<batchId>.parquet`. The layout and the file format belong to the domain
 * (layers/domain/archive/); a store only keeps bytes under keys.
 *
 * A key is `/`-separated segments of letters, digits and `. _ = -`, each starting with a letter, digit or `_`
 * (requireArchiveKey in layers/domain/archive/archive-keys.ts); anything else is InvalidInputError.
 */
export interface ArchiveStore {
  /**
   * Writes the whole object, replacing any earlier one under the key: a redelivered batch writes the same
   * bytes to the same key, so writing twice is the same as writing once. A reader sees the old bytes or the
   * new ones, never a part.
   */
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** The object's bytes; NotFoundError when there is none. */
  get(key: string): Promise<Uint8Array>;
  /**
   * Every key that starts with `prefix`, sorted by code point. A plain string prefix:
   * `events/dt=2025-01-1` matches the days 10–19. An empty prefix lists the whole store.
   */
  list(prefix: string): Promise<string[]>;
  /**
   * Where a key or prefix lives for a program that reads the store directly (the Spark job): an `s3://`
   * URL or a file path. `""` is the store's root, the directory that holds `events/`.
   */
  locationOf(keyOrPrefix: string): string;
}
