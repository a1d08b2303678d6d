import type { Client } from "@opensearch-project/opensearch";
import { DependencyError, InvalidInputError, NotFoundError } from "../../../domain/errors/domain-errors.ts";
import { requireK } from "../../../domain/scoring/top-k.ts";
import type { IndexedVector, VectorHit, VectorIndex, VectorQuery } from "../../../ports/vector-index.ts";
import { innerProductFromScore } from "./inner-product-score.ts";
import { type BulkLimits, type BulkOperation, DEFAULT_BULK_LIMITS, sendBulk } from "./opensearch-bulk.ts";
import { OPENSEARCH_DEPENDENCY, openSearchStatus, toOpenSearchError } from "./opensearch-errors.ts";

export interface OpenSearchVectorIndexOptions {
  /** Created once per process (createOpenSearchClient) and shared. */
  readonly client: Client;
  /** @default 1 */
  readonly shards?: number;
  /** 0 on a single node (the local one); at least 1 on a domain with more than one data node. @default 1 */
  readonly replicas?: number;
  /** HNSW graph degree. @default 16 */
  readonly m?: number;
  /** HNSW build beam width. @default 100 (OpenSearch's default) */
  readonly efConstruction?: number;
  /**
   * Candidates the HNSW search collects per shard before the best k are returned (Lucene's beam width is
   * the query's k, so this is ef_search; at least k is always used). Higher is closer to exact and slower:
   * on 100K random 64-dim vectors, k = 50, 100 candidates gave recall 0.78 and 400 gave 0.96 for about
   * 20 % more latency (bench/opensearch-bench.ts). @default 400
   */
  readonly candidates?: number;
  /**
   * Per write or index-management request (bulk, create, delete, alias swap, refresh, count, the mapping
   * read before a write). Queries and alias lookups use the client's own, short, request timeout.
   * @default 30_000 (as OpenSearchConfig.writeTimeoutMs)
   */
  readonly writeTimeoutMs?: number;
  /** Bulk request bounds and item retries. */
  readonly bulk?: Partial<BulkLimits>;
}

const VECTOR_FIELD = "vector";
/** Index names as OpenSearch accepts them; anything else (wildcards, commas) never reaches a URL path. */
const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,254}$/;
const PREFIX_PATTERN = /^(?:[a-z0-9.][a-z0-9._-]{0,254})?$/;
/** Lucene's HNSW limit in the k-NN plugin. */
const MAX_DIMENSIONS = 16_000;
/** index.max_result_window and the k-NN plugin's largest k. */
const MAX_K = 10_000;
/** OpenSearch refuses longer document ids. */
const MAX_ID_BYTES = 512;

interface KnownIndex {
  /** The physical index a name (index or alias) resolved to. */
  readonly index: string;
  readonly dimensions: number;
}

/**
 * VectorIndex on OpenSearch's k-NN plugin: one document per item (`_id` = itemId) with a `knn_vector`
 * field indexed as HNSW by the Lucene engine with inner-product space, and keyword/boolean fields the
 * queries filter on.
 *
 * - **Engine.** Lucene, named explicitly in every mapping: it is pure Java (the nmslib/faiss engines need
 *   native libraries, and faiss is the default when a mapping names none) and it filters efficiently, inside
 *   the graph search, instead of filtering the k results afterwards (which can return fewer than k).
 * - **Scores.** Lucene turns an inner product d into a positive score (d + 1 for d ≥ 0, 1 / (1 − d) below);
 *   the adapter turns it back, so `score` is the raw inner product, as in the embedded index.
 * - **Visibility.** Every write is searchable when its call resolves (see opensearch-bulk.ts).
 * - **Vectors stay in `_source`.** setAvailability is a partial update, which OpenSearch applies by
 *   re-indexing the stored source; without the vector there it would drop the vector.
 * - **Dimensions are checked before a search or a write is sent.** The dimension of each index (and of what
 *   each alias points at) is read from its mapping and kept for queries; a mismatch is read again once before
 *   it is refused, so an alias swapped by another process to an index of another dimension is followed.
 * - **Writes go to physical indices,** as in the embedded index; queries and counts also take aliases.
 */
export class OpenSearchVectorIndex implements VectorIndex {
  private readonly client: Client;
  private readonly shards: number;
  private readonly replicas: number;
  private readonly m: number;
  private readonly efConstruction: number;
  private readonly candidates: number;
  private readonly bulk: BulkLimits;
  private readonly writeOptions: { readonly requestTimeout: number };
  private readonly known = new Map<string, KnownIndex>();

  constructor(options: OpenSearchVectorIndexOptions) {
    this.client = options.client;
    this.shards = options.shards ?? 1;
    this.replicas = options.replicas ?? 1;
    this.m = options.m ?? 16;
    this.efConstruction = options.efConstruction ?? 100;
    this.candidates = Math.min(options.candidates ?? 400, MAX_K);
    this.bulk = { ...DEFAULT_BULK_LIMITS, ...options.bulk };
    this.writeOptions = { requestTimeout: options.writeTimeoutMs ?? 30_000 };
  }

  async createIndex(name: string, dimensions: number): Promise<void> {
    requireName(name, "index");
    if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > MAX_DIMENSIONS) {
      throw new InvalidInputError(
        `dimensions must be an integer from 1 to ${MAX_DIMENSIONS}, got ${dimensions}`,
        "dimensions",
      );
    }
    await this.call(`create index ${name}`, () =>
      this.client.indices.create(
        {
          index: name,
          body: {
            settings: {
              index: {
                knn: true,
                number_of_shards: this.shards,
                number_of_replicas: this.replicas,
                // Explicit, because refresh=wait_for waits for the next scheduled refresh.
                refresh_interval: "1s",
              },
            },
            mappings: {
              // A typo in a field name is an error, not a new field.
              dynamic: "strict",
              properties: {
                itemId: { type: "keyword" },
                categories: { type: "keyword" },
                available: { type: "boolean" },
                [VECTOR_FIELD]: {
                  type: "knn_vector",
                  dimension: dimensions,
                  method: {
                    name: "hnsw",
                    engine: "lucene",
                    space_type: "innerproduct",
                    parameters: { m: this.m, ef_construction: this.efConstruction },
                  },
                },
              },
            },
          },
        },
        this.writeOptions,
      ),
    );
    this.known.set(name, { index: name, dimensions });
  }

  async upsert(index: string, vectors: readonly IndexedVector[]): Promise<void> {
    const { dimensions } = await this.physicalIndex(index);
    // All checks before the first request: one bad vector writes nothing of the call.
    vectors.forEach((entry, position) => {
      requireItemId(entry.itemId, `vectors[${position}].itemId`);
      requireVector(entry.vector, dimensions, `vectors[${position}].vector`);
      if (!Array.isArray(entry.categories) || entry.categories.some((c) => typeof c !== "string")) {
        throw new InvalidInputError(`vectors[${position}].categories must be strings`, "categories");
      }
      if (typeof entry.available !== "boolean") {
        throw new InvalidInputError(`vectors[${position}].available must be a boolean`, "available");
      }
    });
    // The later entry for an id wins; with one write per id, a load's requests can go out concurrently.
    const latest = new Map(vectors.map((entry) => [entry.itemId, entry]));
    const operations: BulkOperation[] = [...latest.values()].map((entry) => ({
      action: JSON.stringify({ index: { _id: entry.itemId } }),
      source: JSON.stringify({
        itemId: entry.itemId,
        categories: [...entry.categories],
        available: entry.available,
        [VECTOR_FIELD]: vectorJson(entry.vector),
      }),
    }));
    await sendBulk(this.client, index, operations, this.bulk, this.writeOptions.requestTimeout);
  }

  async remove(index: string, itemIds: readonly string[]): Promise<void> {
    requireItemIds(itemIds);
    await this.physicalIndex(index);
    const operations: BulkOperation[] = [...new Set(itemIds)].map((itemId) => ({
      action: JSON.stringify({ delete: { _id: itemId } }),
      acceptedStatuses: NOT_FOUND,
    }));
    await sendBulk(this.client, index, operations, this.bulk, this.writeOptions.requestTimeout);
  }

  async setAvailability(index: string, itemIds: readonly string[], available: boolean): Promise<void> {
    requireItemIds(itemIds);
    if (typeof available !== "boolean") {
      throw new InvalidInputError(`available must be a boolean, got ${String(available)}`, "available");
    }
    await this.physicalIndex(index);
    const source = JSON.stringify({ doc: { available } });
    const operations: BulkOperation[] = [...new Set(itemIds)].map((itemId) => ({
      // retry_on_conflict: a concurrent write to the same item is re-read and the flag applied again.
      action: JSON.stringify({ update: { _id: itemId, retry_on_conflict: 3 } }),
      source,
      // An unknown id is document_missing_exception (404); the port ignores unknown ids.
      acceptedStatuses: NOT_FOUND,
    }));
    await sendBulk(this.client, index, operations, this.bulk, this.writeOptions.requestTimeout);
  }

  async count(index: string): Promise<number> {
    requireName(index, "index");
    // Writes through this adapter are already visible; a refresh also covers writes made by other means.
    await this.call(`refresh ${index}`, () => this.client.indices.refresh({ index }, this.writeOptions));
    const response = await this.call(`count ${index}`, () => this.client.count({ index }, this.writeOptions));
    const count = (response.body as { count?: unknown }).count;
    if (typeof count !== "number") throw toOpenSearchError(new Error("no count in the response"), "count");
    return count;
  }

  async query(indexOrAlias: string, query: VectorQuery): Promise<VectorHit[]> {
    requireName(indexOrAlias, "index");
    const target = await this.resolve(indexOrAlias, query.vector);
    requireVector(query.vector, target.dimensions, "vector");
    const k = requireK(query.k);
    if (k > MAX_K)
      throw new InvalidInputError(`k must be at most ${MAX_K} (OpenSearch's limit), got ${k}`, "k");
    if (k === 0) return [];
    const filter = filterOf(query);
    const response = await this.search(indexOrAlias, () =>
      this.client.search({
        index: indexOrAlias,
        body: {
          size: k,
          _source: false,
          track_total_hits: false,
          query: {
            knn: {
              [VECTOR_FIELD]: {
                vector: vectorJson(query.vector),
                k: Math.max(k, this.candidates),
                ...(filter === undefined ? {} : { filter }),
              },
            },
          },
        },
      }),
    );
    const hits = (response.body as { hits?: { hits?: unknown } }).hits?.hits;
    if (!Array.isArray(hits)) {
      throw new DependencyError(OPENSEARCH_DEPENDENCY, `query ${indexOrAlias}: no hits in the response`, {
        retryable: false,
      });
    }
    return hits.flatMap((hit: unknown) => {
      if (typeof hit !== "object" || hit === null) return [];
      const { _id: itemId, _score: score } = hit as { _id?: unknown; _score?: unknown };
      if (typeof itemId !== "string" || typeof score !== "number") return [];
      return [{ itemId, score: innerProductFromScore(score) }];
    });
  }

  /** A kept name whose index is gone is forgotten, so the next query reads the mapping again. */
  private async search<T>(indexOrAlias: string, request: () => Promise<T>): Promise<T> {
    try {
      return await this.call(`query ${indexOrAlias}`, request);
    } catch (error) {
      if (error instanceof NotFoundError) this.known.delete(indexOrAlias);
      throw error;
    }
  }

  async swapAlias(alias: string, index: string): Promise<void> {
    requireName(alias, "alias");
    requireName(index, "index");
    // One _aliases call: OpenSearch applies its actions atomically, so readers of the alias see the old
    // index or the new one, never neither. `must_exist: false` lets the first swap create the alias.
    await this.call(`swap alias ${alias} to ${index}`, () =>
      this.client.indices.updateAliases(
        {
          body: {
            actions: [{ remove: { index: "*", alias, must_exist: false } }, { add: { index, alias } }],
          },
        },
        this.writeOptions,
      ),
    );
    this.known.delete(alias);
  }

  async resolveAlias(alias: string): Promise<string | undefined> {
    if (!NAME_PATTERN.test(alias)) return undefined;
    try {
      const response = await this.client.indices.getAlias({ name: alias });
      const indices = Object.keys((response.body ?? {}) as Record<string, unknown>).sort();
      return indices[0];
    } catch (error) {
      if (openSearchStatus(error) === 404) return undefined;
      throw toOpenSearchError(error, `resolve alias ${alias}`);
    }
  }

  async listIndices(prefix: string): Promise<string[]> {
    // No index name can start with anything else, and `*` or `,` must never reach the pattern.
    if (!PREFIX_PATTERN.test(prefix)) return [];
    const response = await this.call(`list indices ${prefix}*`, () =>
      this.client.cat.indices({
        index: `${prefix}*`,
        format: "json",
        h: ["index"],
        expand_wildcards: "open",
      }),
    );
    const rows = response.body as unknown;
    if (!Array.isArray(rows)) return [];
    return rows
      .map((row: unknown) => (row as { index?: unknown }).index)
      .filter((name): name is string => typeof name === "string" && name.startsWith(prefix))
      .sort();
  }

  /** Deleting an absent index (or a name that is an alias, not an index) is not an error, as in the port. */
  async deleteIndex(index: string): Promise<void> {
    // Never a pattern: DELETE /items-* would delete every matching index.
    if (!NAME_PATTERN.test(index)) return;
    try {
      await this.client.indices.delete({ index, expand_wildcards: "none" }, this.writeOptions);
    } catch (error) {
      const aliasNotIndex = openSearchStatus(error) === 400 && /matches an alias/.test(String(error));
      if (openSearchStatus(error) !== 404 && !aliasNotIndex)
        throw toOpenSearchError(error, `delete ${index}`);
    } finally {
      for (const [name, known] of this.known) if (known.index === index) this.known.delete(name);
    }
  }

  /**
   * A physical index (not an alias) and its dimensions, read afresh: writes are not on the serving path, and
   * a bulk request to an index deleted meanwhile would make OpenSearch auto-create it with a plain mapping.
   */
  private async physicalIndex(index: string): Promise<KnownIndex> {
    requireName(index, "index");
    const known = await this.readMapping(index, this.writeOptions);
    if (known.index !== index) throw new NotFoundError(`no vector index named ${JSON.stringify(index)}`);
    return known;
  }

  /**
   * The physical index behind a name (index or alias) and its dimensions, kept once read. A kept dimension
   * that does not match the query's vector is read again before the query is refused, so an alias swapped
   * by another process to an index of another dimension is followed.
   */
  private async resolve(name: string, vector: Float32Array): Promise<KnownIndex> {
    const kept = this.known.get(name);
    if (kept !== undefined && vector.length === kept.dimensions) return kept;
    return this.readMapping(name);
  }

  private async readMapping(
    name: string,
    options?: { readonly requestTimeout: number },
  ): Promise<KnownIndex> {
    const response = await this.call(`mapping of ${name}`, () =>
      this.client.indices.getMapping({ index: name }, options),
    );
    const entries = Object.entries((response.body ?? {}) as Record<string, unknown>);
    const [index, mapping] = entries[0] ?? [];
    const dimensions = dimensionsOf(mapping);
    if (index === undefined || entries.length !== 1 || dimensions === undefined) {
      this.known.delete(name);
      throw new NotFoundError(`no vector index or alias named ${JSON.stringify(name)}`);
    }
    const known = { index, dimensions };
    this.known.set(name, known);
    return known;
  }

  private async call<T>(operation: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw toOpenSearchError(error, operation);
    }
  }
}

const NOT_FOUND: ReadonlySet<number> = new Set([404]);

/** Lucene's efficient filter: applied while the graph is searched, so k hits come back whenever k exist. */
function filterOf(query: VectorQuery): Record<string, unknown> | undefined {
  const must: Record<string, unknown>[] = [];
  if (query.categories !== undefined && query.categories.length > 0) {
    must.push({ terms: { categories: [...query.categories] } });
  }
  if (query.onlyAvailable ?? true) must.push({ term: { available: true } });
  const excluded = query.excludeItemIds ?? [];
  if (must.length === 0 && excluded.length === 0) return undefined;
  return {
    bool: {
      ...(must.length > 0 ? { filter: must } : {}),
      ...(excluded.length > 0 ? { must_not: [{ ids: { values: [...excluded] } }] } : {}),
    },
  };
}

/**
 * Float32 components as the shortest decimals that read back as the same float32 (9 significant digits
 * always do): about half the bytes of the float64 expansion, the same vector on the node.
 */
function vectorJson(vector: Float32Array): number[] {
  return Array.from(vector, (component) => Number(component.toPrecision(9)));
}

function dimensionsOf(mapping: unknown): number | undefined {
  const vectorField = (mapping as { mappings?: { properties?: Record<string, unknown> } } | undefined)
    ?.mappings?.properties?.[VECTOR_FIELD] as { type?: unknown; dimension?: unknown } | undefined;
  if (vectorField?.type !== "knn_vector" || typeof vectorField.dimension !== "number") return undefined;
  return vectorField.dimension;
}

function requireName(name: string, what: "index" | "alias"): void {
  if (typeof name !== "string" || !NAME_PATTERN.test(name)) {
    throw new InvalidInputError(
      `${what} name must match ${NAME_PATTERN.source} (OpenSearch naming), got ${JSON.stringify(name)}`,
      what,
    );
  }
}

function requireItemId(itemId: unknown, field: string): void {
  if (typeof itemId !== "string" || itemId.length === 0) {
    throw new InvalidInputError(`${field} must be a non-empty string`, field);
  }
  if (Buffer.byteLength(itemId) > MAX_ID_BYTES) {
    throw new InvalidInputError(`${field} is longer than OpenSearch's ${MAX_ID_BYTES}-byte id limit`, field);
  }
}

function requireItemIds(itemIds: readonly string[]): void {
  if (!Array.isArray(itemIds)) throw new InvalidInputError("itemIds must be an array", "itemIds");
  itemIds.forEach((itemId, position) => {
    requireItemId(itemId, `itemIds[${position}]`);
  });
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
