/** One item's vector and the fields k-NN queries filter on. */
export interface IndexedVector {
  readonly itemId: string;
  readonly vector: Float32Array;
  readonly categories: readonly string[];
  readonly available: boolean;
}

export interface VectorQuery {
  readonly vector: Float32Array;
  readonly k: number;
  /** Only items in any of these categories. */
  readonly categories?: readonly string[];
  /** Never return these. */
  readonly excludeItemIds?: readonly string[];
  /** Leave out unavailable items. @default true */
  readonly onlyAvailable?: boolean;
}

export interface VectorHit {
  readonly itemId: string;
  /** Inner product with the query. */
  readonly score: number;
}

/**
 * Maximum-inner-product k-NN over item vectors, in versioned physical indices (items-<version>) behind an
 * alias that serving reads, so a nightly refresh builds a new index and swaps the alias atomically.
 */
export interface VectorIndex {
  createIndex(name: string, dimensions: number): Promise<void>;
  /**
   * Batch upsert; a vector of the wrong dimension is an InvalidInputError for the whole call. Every write
   * (upsert, remove, setAvailability) is visible to the next query and count once it has resolved.
   */
  upsert(index: string, vectors: readonly IndexedVector[]): Promise<void>;
  /** Removes items (a deleted catalog item leaves serving at once); unknown ids are ignored. */
  remove(index: string, itemIds: readonly string[]): Promise<void>;
  /**
   * Marks items available or not without re-sending their vectors (a stock change takes effect at once);
   * unknown ids are ignored.
   */
  setAvailability(index: string, itemIds: readonly string[], available: boolean): Promise<void>;
  count(index: string): Promise<number>;
  /** Queries an index or an alias. */
  query(indexOrAlias: string, query: VectorQuery): Promise<VectorHit[]>;
  /** Points `alias` at `index` (atomically replacing whatever it pointed at). */
  swapAlias(alias: string, index: string): Promise<void>;
  /** The index an alias points at, if any. */
  resolveAlias(alias: string): Promise<string | undefined>;
  listIndices(prefix: string): Promise<string[]>;
  deleteIndex(index: string): Promise<void>;
}
