import { InvalidInputError } from "../errors/domain-errors.ts";
import { SeededRandom } from "../random/seeded-random.ts";
import { AliasTable } from "./alias-table.ts";

export interface SyntheticCatalogOptions {
  readonly items: number;
  /** Latent taste clusters; each is one item category. @default min(20, items) */
  readonly clusters?: number;
  readonly seed: number;
}

/** The item side of the synthetic world: which cluster each item is in and how popular it is. */
export interface SyntheticCatalogModel {
  readonly items: number;
  readonly clusters: number;
  /** Item index → cluster index. */
  readonly itemCluster: Int32Array;
  /** Item index → Zipf popularity weight. */
  readonly popularity: Float64Array;
  /** Cluster index → its items, by item index. */
  readonly clusterItems: readonly Int32Array[];
  /** Cluster index → category name. */
  readonly categories: readonly string[];
}

const DEFAULT_CLUSTERS = 20;
/** Popularity ∝ 1 / rank^s; s near 1 gives the long tail seen in retail and MovieLens data. */
const ITEM_ZIPF_EXPONENT = 1;
/** Milder skew of category sizes, so some categories are large and some niche. */
const CLUSTER_SIZE_EXPONENT = 0.6;
const CATEGORY_NAMES = [
  "books",
  "music",
  "movies",
  "games",
  "electronics",
  "home",
  "garden",
  "toys",
  "sports",
  "outdoors",
  "beauty",
  "health",
  "grocery",
  "fashion",
  "shoes",
  "jewelry",
  "automotive",
  "tools",
  "office",
  "pets",
  "baby",
  "kitchen",
  "art",
  "travel",
] as const;
/** Independent random streams per concern, so changing the number of interactions keeps the same catalog. */
export const CATALOG_STREAM = 1;

export function userIdOf(userIndex: number): string {
  return `u${userIndex + 1}`;
}

export function itemIdOf(itemIndex: number): string {
  return `i${itemIndex + 1}`;
}

export function categoryName(cluster: number): string {
  const base = CATEGORY_NAMES[cluster % CATEGORY_NAMES.length] as string;
  const round = Math.floor(cluster / CATEGORY_NAMES.length);
  return round === 0 ? base : `${base}-${round + 1}`;
}

/** A seed for one concern's stream, derived from the user's seed. */
export function streamSeed(seed: number, stream: number): number {
  return (seed ^ Math.imul(stream, 0x9e3779b9)) >>> 0;
}

/** Counts index Int32 arrays, here and in the InteractionTable the output loads into. */
const MAX_COUNT = 2_147_483_647;

export function requirePositiveInteger(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1 || value > MAX_COUNT) {
    throw new InvalidInputError(
      `${field} must be an integer from 1 to ${MAX_COUNT}, got ${String(value)}`,
      field,
    );
  }
  return value;
}

export function requireSeed(value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new InvalidInputError(`seed must be an integer, got ${String(value)}`, "seed");
  }
  return value;
}

export function buildCatalogModel(options: SyntheticCatalogOptions): SyntheticCatalogModel {
  const items = requirePositiveInteger(options.items, "items");
  const clusters = requirePositiveInteger(options.clusters ?? Math.min(DEFAULT_CLUSTERS, items), "clusters");
  if (clusters > items) {
    throw new InvalidInputError(`clusters (${clusters}) cannot exceed items (${items})`, "clusters");
  }
  const random = new SeededRandom(streamSeed(requireSeed(options.seed), CATALOG_STREAM));

  const clusterSizeWeights = new Float64Array(clusters);
  for (let c = 0; c < clusters; c++) clusterSizeWeights[c] = 1 / (c + 1) ** CLUSTER_SIZE_EXPONENT;
  const clusterPicker = new AliasTable(clusterSizeWeights);
  const itemCluster = new Int32Array(items);
  const clusterSizes = new Int32Array(clusters);
  for (let i = 0; i < items; i++) {
    // The first `clusters` items seed one cluster each so that no category is empty.
    const cluster = i < clusters ? i : clusterPicker.sample(random);
    itemCluster[i] = cluster;
    clusterSizes[cluster] = (clusterSizes[cluster] as number) + 1;
  }

  // Popularity rank is a random permutation, independent of the cluster, so every cluster has its own head and tail.
  const rank = new Int32Array(items);
  for (let i = 0; i < items; i++) rank[i] = i;
  random.shuffle(rank);
  const popularity = new Float64Array(items);
  for (let i = 0; i < items; i++) popularity[i] = 1 / ((rank[i] as number) + 1) ** ITEM_ZIPF_EXPONENT;

  const clusterItems = Array.from({ length: clusters }, (_, c) => new Int32Array(clusterSizes[c] as number));
  const fill = new Int32Array(clusters);
  for (let i = 0; i < items; i++) {
    const cluster = itemCluster[i] as number;
    const members = clusterItems[cluster] as Int32Array;
    members[fill[cluster] as number] = i;
    fill[cluster] = (fill[cluster] as number) + 1;
  }

  return {
    items,
    clusters,
    itemCluster,
    popularity,
    clusterItems,
    categories: Array.from({ length: clusters }, (_, c) => categoryName(c)),
  };
}

/**
 * The synthetic catalog: item id → category, the same assignment the interaction generator uses
 * for the same items, clusters and seed.
 */
export function generateCatalog(options: SyntheticCatalogOptions): Map<string, string> {
  const model = buildCatalogModel(options);
  const catalog = new Map<string, string>();
  for (let i = 0; i < model.items; i++) {
    catalog.set(itemIdOf(i), model.categories[model.itemCluster[i] as number] as string);
  }
  return catalog;
}
