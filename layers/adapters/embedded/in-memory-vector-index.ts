import { ConflictError, InvalidInputError, NotFoundError } from "../../domain/errors/domain-errors.ts";
import { requireK, TopKSelector } from "../../domain/scoring/top-k.ts";
import type { IndexedVector, VectorHit, VectorIndex, VectorQuery } from "../../ports/vector-index.ts";
import { requireNonEmptyText } from "./argument-checks.ts";

/** Lower-case names as OpenSearch accepts them, so a name that works here also works there. */
const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,254}$/;
const MAX_DIMENSIONS = 16_000;
const INITIAL_CAPACITY = 1024;

/** One physical index: item vectors row-major in one growable Float32Array, filter fields beside them. */
interface StoredIndex {
  readonly dimensions: number;
  readonly itemIds: string[];
  readonly rowOf: Map<string, number>;
  vectors: Float32Array;
  available: Uint8Array;
  readonly categories: (readonly string[])[];
}

/**
 * Exact maximum-inner-product search: every query scores every stored vector and keeps the best k in a
 * bounded heap (TopKSelector).
 *
 * Exact rather than HNSW on purpose: at 100K items × 64 dimensions a full scan takes milliseconds in
 * JavaScript (about 15 ms on a 2-core machine) and is always correct, which also makes it the reference
 * the OpenSearch adapter's contract tests compare against; the HNSW libraries on npm are native add-ons
 * that need a compiler toolchain at install time, which the single-machine default must not require.
 */
export class InMemoryVectorIndex implements VectorIndex {
  private readonly indices = new Map<string, StoredIndex>();
  private readonly aliases = new Map<string, string>();

  async createIndex(name: string, dimensions: number): Promise<void> {
    requireName(name, "index");
    if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > MAX_DIMENSIONS) {
      throw new InvalidInputError(
        `dimensions must be an integer from 1 to ${MAX_DIMENSIONS}, got ${dimensions}`,
        "dimensions",
      );
    }
    if (this.indices.has(name) || this.aliases.has(name)) {
      throw new ConflictError(`an index or alias named ${JSON.stringify(name)} already exists`);
    }
    this.indices.set(name, {
      dimensions,
      itemIds: [],
      rowOf: new Map(),
      vectors: new Float32Array(INITIAL_CAPACITY * dimensions),
      available: new Uint8Array(INITIAL_CAPACITY),
      categories: [],
    });
  }

  async upsert(index: string, vectors: readonly IndexedVector[]): Promise<void> {
    const stored = this.requireIndex(index);
    // All-or-nothing: one bad vector rejects the call before anything is written.
    vectors.forEach((entry, position) => {
      requireNonEmptyText(entry.itemId, `vectors[${position}].itemId`);
      requireVector(entry.vector, stored.dimensions, `vectors[${position}].vector`);
    });
    for (const entry of vectors) {
      let row = stored.rowOf.get(entry.itemId);
      if (row === undefined) {
        row = stored.itemIds.length;
        ensureCapacity(stored, row + 1);
        stored.itemIds.push(entry.itemId);
        stored.rowOf.set(entry.itemId, row);
        stored.categories.push([]);
      }
      stored.vectors.set(entry.vector, row * stored.dimensions);
      stored.available[row] = entry.available ? 1 : 0;
      stored.categories[row] = Object.freeze([...entry.categories]);
    }
  }

  async remove(index: string, itemIds: readonly string[]): Promise<void> {
    const stored = this.requireIndex(index);
    requireItemIds(itemIds);
    for (const itemId of itemIds) {
      const row = stored.rowOf.get(itemId);
      if (row !== undefined) removeRow(stored, row);
    }
  }

  async setAvailability(index: string, itemIds: readonly string[], available: boolean): Promise<void> {
    const stored = this.requireIndex(index);
    requireItemIds(itemIds);
    if (typeof available !== "boolean") {
      throw new InvalidInputError(`available must be a boolean, got ${String(available)}`, "available");
    }
    for (const itemId of itemIds) {
      const row = stored.rowOf.get(itemId);
      if (row !== undefined) stored.available[row] = available ? 1 : 0;
    }
  }

  async count(index: string): Promise<number> {
    return this.requireIndex(index).itemIds.length;
  }

  async query(indexOrAlias: string, query: VectorQuery): Promise<VectorHit[]> {
    // Resolved once: a query that started before an alias swap finishes on the index it began with.
    const stored = this.requireIndex(this.aliases.get(indexOrAlias) ?? indexOrAlias, indexOrAlias);
    const dimensions = stored.dimensions;
    requireVector(query.vector, dimensions, "vector");
    const k = requireK(query.k);
    const rowCount = stored.itemIds.length;
    if (k === 0 || rowCount === 0) return [];
    // An empty category list is no filter, like an absent one.
    const wanted =
      query.categories !== undefined && query.categories.length > 0 ? new Set(query.categories) : undefined;
    // One byte per row says "skip": the scan then tests a typed array, not a Set, on every row.
    const skip = new Uint8Array(rowCount);
    const onlyAvailable = query.onlyAvailable ?? true;
    const { vectors, available, categories } = stored;
    for (let row = 0; row < rowCount; row++) {
      const filteredOut =
        (onlyAvailable && available[row] === 0) ||
        (wanted !== undefined && !(categories[row] ?? []).some((category) => wanted.has(category)));
      if (filteredOut) skip[row] = 1;
    }
    for (const itemId of query.excludeItemIds ?? []) {
      const row = stored.rowOf.get(itemId);
      if (row !== undefined) skip[row] = 1;
    }
    const target = query.vector;
    const selector = new TopKSelector(Math.min(k, rowCount));
    for (let row = 0, offset = 0; row < rowCount; row++, offset += dimensions) {
      if (skip[row] === 1) continue;
      let dot = 0;
      for (let d = 0; d < dimensions; d++) dot += (target[d] as number) * (vectors[offset + d] as number);
      selector.offer(row, dot);
    }
    const best = selector.finish();
    const hits: VectorHit[] = [];
    for (let rank = 0; rank < best.items.length; rank++) {
      hits.push({
        itemId: stored.itemIds[best.items[rank] as number] as string,
        score: best.scores[rank] as number,
      });
    }
    return hits;
  }

  async swapAlias(alias: string, index: string): Promise<void> {
    requireName(alias, "alias");
    this.requireIndex(index);
    if (this.indices.has(alias)) {
      throw new ConflictError(`${JSON.stringify(alias)} is an index; an alias cannot take its name`);
    }
    // One Map write: readers see the old index or the new one, never neither.
    this.aliases.set(alias, index);
  }

  async resolveAlias(alias: string): Promise<string | undefined> {
    return this.aliases.get(alias);
  }

  async listIndices(prefix: string): Promise<string[]> {
    return [...this.indices.keys()].filter((name) => name.startsWith(prefix)).sort();
  }

  /** Deleting an absent index is not an error; aliases that pointed at the index go with it, as in OpenSearch. */
  async deleteIndex(index: string): Promise<void> {
    this.indices.delete(index);
    for (const [alias, target] of this.aliases) if (target === index) this.aliases.delete(alias);
  }

  private requireIndex(name: string, asked = name): StoredIndex {
    const stored = this.indices.get(name);
    if (stored === undefined)
      throw new NotFoundError(`no vector index or alias named ${JSON.stringify(asked)}`);
    return stored;
  }
}

function requireName(name: string, what: "index" | "alias"): void {
  if (typeof name !== "string" || !NAME_PATTERN.test(name)) {
    throw new InvalidInputError(
      `${what} name must match ${NAME_PATTERN.source} (OpenSearch naming), got ${JSON.stringify(name)}`,
      what,
    );
  }
}

function requireVector(vector: Float32Array, dimensions: number, field: string): void {
  if (!(vector instanceof Float32Array))
    throw new InvalidInputError(`${field} must be a Float32Array`, field);
  if (vector.length !== dimensions) {
    throw new InvalidInputError(
      `${field} has ${vector.length} dimensions, the index has ${dimensions}`,
      field,
    );
  }
  for (let d = 0; d < vector.length; d++) {
    if (!Number.isFinite(vector[d]))
      throw new InvalidInputError(`${field}[${d}] is not a finite number`, field);
  }
}

/** Checked before anything changes, so a bad id leaves the index as it was. */
function requireItemIds(itemIds: readonly string[]): void {
  if (!Array.isArray(itemIds)) throw new InvalidInputError("itemIds must be an array", "itemIds");
  itemIds.forEach((itemId, position) => {
    requireNonEmptyText(itemId, `itemIds[${position}]`);
  });
}

/**
 * Removes a row by moving the last row into its place: O(dimensions), and the rows stay dense, so a scan
 * never meets a hole. Row order carries no meaning (ties are broken by score, then arbitrarily).
 */
function removeRow(stored: StoredIndex, row: number): void {
  const last = stored.itemIds.length - 1;
  const removedId = stored.itemIds[row] as string;
  if (row !== last) {
    const movedId = stored.itemIds[last] as string;
    const dimensions = stored.dimensions;
    stored.vectors.copyWithin(row * dimensions, last * dimensions, (last + 1) * dimensions);
    stored.available[row] = stored.available[last] as number;
    stored.categories[row] = stored.categories[last] as readonly string[];
    stored.itemIds[row] = movedId;
    stored.rowOf.set(movedId, row);
  }
  stored.itemIds.pop();
  stored.categories.pop();
  stored.rowOf.delete(removedId);
}

/** Doubles the arrays when full, so n upserts cost O(n) copying in total. */
function ensureCapacity(stored: StoredIndex, rows: number): void {
  const capacity = stored.available.length;
  if (rows <= capacity) return;
  const grown = Math.max(rows, capacity * 2);
  const vectors = new Float32Array(grown * stored.dimensions);
  vectors.set(stored.vectors);
  const available = new Uint8Array(grown);
  available.set(stored.available);
  stored.vectors = vectors;
  stored.available = available;
}
