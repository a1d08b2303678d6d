import { existsSync, statSync } from "node:fs";
import { open, readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { InvalidInputError } from "../../layers/domain/errors/domain-errors.ts";
import {
  generateCatalog,
  generateInteractions,
} from "../../layers/domain/generator/synthetic-interactions.ts";
import {
  type InteractionFormat,
  loadInteractionsFromFile,
} from "../../layers/domain/interactions/interaction-loader.ts";
import type { CatalogItem } from "../../layers/ports/item-catalog.ts";
import type { SeedInteraction } from "./seed-runtime-data.ts";

/** A data set ready to seed: catalog and interactions, with a name for the banner. */
export interface RuntimeDataSet {
  readonly description: string;
  readonly catalog: readonly CatalogItem[];
  readonly interactions: readonly SeedInteraction[];
}

export interface GeneratedDataSetOptions {
  readonly users: number;
  readonly items: number;
  readonly interactions: number;
  readonly seed: number;
  /**
   * The span of the interactions. A week: the archive holds one Parquet file per hour of arrivals, and the
   * nightly run reads them all from the (emulated) S3, so a longer span mostly adds start-up time.
   * @default 7
   */
  readonly days?: number;
}

/** The generator's catalog and interactions (the `flywheel generate` model), deterministic for a seed. */
export function generatedDataSet(options: GeneratedDataSetOptions): RuntimeDataSet {
  const updatedAt = Date.now();
  const catalog = [...generateCatalog({ items: options.items, seed: options.seed })].map(
    ([itemId, category]): CatalogItem => ({
      itemId,
      title: `${category.charAt(0).toUpperCase()}${category.slice(1)} item ${itemId.slice(1)}`,
      categories: [category],
      available: true,
      hidden: false,
      attributes: {},
      updatedAt,
    }),
  );
  const interactions = [
    ...generateInteractions({
      users: options.users,
      items: options.items,
      interactions: options.interactions,
      seed: options.seed,
      days: options.days ?? 7,
    }),
  ].map(
    (row): SeedInteraction => ({
      userId: row.userId,
      itemId: row.itemId,
      type: row.eventType,
      ...(row.value === undefined ? {} : { value: row.value }),
      timestamp: row.timestamp * 1000,
    }),
  );
  return {
    description: `generated: ${options.users} users, ${options.items} items, ${interactions.length} interactions (seed ${options.seed})`,
    catalog,
    interactions,
  };
}

/** The span a loaded data set's timeline is compressed into (the archive is partitioned by hour). */
const LOADED_SPAN_MS = 7 * 24 * 3_600_000;

/**
 * A data set from disk, by what `path` holds:
 * - MovieLens 100K: the folder, or its `u.data` (tab-separated); titles and genres from `u.item` beside it;
 * - MovieLens `ratings.csv` (header userId,movieId,rating,timestamp); titles and genres from `movies.csv`;
 * - any other CSV in the CLI's interactions format (`user_id,item_id,value,timestamp[,event_type]`).
 * Rows go through the CLI's interaction loader; each becomes a `rate` event whose value is its training
 * weight (a negative weight, a `dismiss`). Its timeline is compressed into a week, order kept.
 */
export async function loadDataSet(path: string): Promise<RuntimeDataSet> {
  if (!existsSync(path)) throw new InvalidInputError(`--data: ${path} does not exist`, "data");
  const file = statSync(path).isDirectory() ? join(path, "u.data") : path;
  if (!existsSync(file)) throw new InvalidInputError(`--data: ${path} has no u.data`, "data");
  const format = await detectFormat(file);
  const loaded = await loadInteractionsFromFile(file, { format, onMalformed: "skip" });
  const { table } = loaded;
  const itemIds = Array.from({ length: table.items.size }, (_, index) => table.items.idAt(index));
  const metadata = await readTitlesAndGenres(file, format);
  const updatedAt = Date.now();
  const catalog = itemIds.map((itemId): CatalogItem => {
    const known = metadata.get(itemId);
    return {
      itemId,
      ...(known?.title === undefined ? {} : { title: known.title }),
      categories: known?.genres.length ? known.genres : ["uncategorized"],
      available: true,
      hidden: false,
      attributes: {},
      updatedAt,
    };
  });
  let earliest = Number.POSITIVE_INFINITY;
  let latest = Number.NEGATIVE_INFINITY;
  for (let row = 0; row < table.length; row++) {
    const seconds = table.timestamp[row] as number;
    if (Number.isNaN(seconds)) continue;
    earliest = Math.min(earliest, seconds);
    latest = Math.max(latest, seconds);
  }
  const span = latest > earliest ? latest - earliest : 0;
  const interactions: SeedInteraction[] = [];
  for (let row = 0; row < table.length; row++) {
    const weight = table.weight[row] as number;
    if (weight === 0) continue;
    const seconds = table.timestamp[row] as number;
    // Rows without a time keep their file order, spread over the same week.
    const share = Number.isNaN(seconds) || span === 0 ? row / table.length : (seconds - earliest) / span;
    interactions.push({
      userId: table.users.idAt(table.userIndex[row] as number),
      itemId: table.items.idAt(table.itemIndex[row] as number),
      type: weight > 0 ? "rate" : "dismiss",
      value: Math.abs(weight),
      timestamp: Math.round(share * LOADED_SPAN_MS),
    });
  }
  const skipped = loaded.skipped > 0 ? `, ${loaded.skipped} malformed rows skipped` : "";
  return {
    description: `${file} (${format}): ${table.users.size} users, ${catalog.length} items, ${interactions.length} interactions${skipped}`,
    catalog,
    interactions,
  };
}

async function detectFormat(file: string): Promise<InteractionFormat> {
  if (basename(file) === "u.data") return "movielens-100k";
  const handle = await open(file, "r");
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(256), 0, 256, 0);
    const firstLine = buffer.subarray(0, bytesRead).toString("utf8").split(/\r?\n/)[0] ?? "";
    if (firstLine.includes("movieId")) return "movielens-csv";
    if (firstLine.includes("\t")) return "movielens-100k";
    return "csv";
  } finally {
    await handle.close();
  }
}

interface ItemMetadata {
  readonly title: string | undefined;
  readonly genres: string[];
}

async function readTitlesAndGenres(
  file: string,
  format: InteractionFormat,
): Promise<ReadonlyMap<string, ItemMetadata>> {
  if (format === "movielens-100k") {
    const itemFile = join(dirname(file), "u.item");
    const genreFile = join(dirname(file), "u.genre");
    if (!existsSync(itemFile)) return new Map();
    const genreNames = existsSync(genreFile)
      ? (await readFile(genreFile, "latin1"))
          .split("\n")
          .filter((line) => line.includes("|"))
          .map((line) => line.split("|")[0] ?? "")
      : [];
    const items = new Map<string, ItemMetadata>();
    // u.item: id|title|release date|video release date|IMDb URL|19 genre flags. Latin-1, as GroupLens wrote it.
    for (const line of (await readFile(itemFile, "latin1")).split("\n")) {
      const fields = line.split("|");
      const itemId = fields[0];
      if (itemId === undefined || itemId === "" || fields.length < 6) continue;
      const flags = fields.slice(5);
      const genres = flags.flatMap((flag, index) =>
        flag.trim() === "1" && genreNames[index] !== undefined ? [categoryId(genreNames[index])] : [],
      );
      items.set(itemId, { title: fields[1], genres: genres.filter((genre) => genre !== "unknown") });
    }
    return items;
  }
  if (format === "movielens-csv") {
    const moviesFile = join(dirname(file), "movies.csv");
    if (!existsSync(moviesFile)) return new Map();
    const items = new Map<string, ItemMetadata>();
    for (const line of (await readFile(moviesFile, "utf8")).split(/\r?\n/).slice(1)) {
      // movieId,title,genres; a title with a comma is quoted.
      const match = /^(\d+),(?:"((?:[^"]|"")*)"|([^,]*)),(.*)$/.exec(line);
      if (match === null || match[1] === undefined) continue;
      const title = (match[2] ?? match[3] ?? "").replaceAll('""', '"');
      const genres = (match[4] ?? "")
        .split("|")
        .filter((genre) => genre !== "" && genre !== "(no genres listed)")
        .map(categoryId);
      items.set(match[1], { title, genres });
    }
    return items;
  }
  return new Map();
}

/** A genre as a category id (the API's id alphabet): `Children's` → `childrens`, `Sci-Fi` → `sci-fi`. */
function categoryId(genre: string): string {
  return genre
    .toLowerCase()
    .replace(/['’]/g, "")
    .replace(/[^a-z0-9._:@+=~-]+/g, "-")
    .replace(/^-+|-+$/g, "");
}
