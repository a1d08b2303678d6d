import type { ArchiveStore } from "../../ports/archive-store.ts";
import { CorruptDataError, InvalidInputError } from "../errors/domain-errors.ts";
import { IdIndex } from "../interactions/id-index.ts";
import type { InteractionTable } from "../interactions/interaction-table.ts";

/**
 * A run id doubles as the model version, the `items-<version>` index suffix and a path segment, so it is
 * lowercase letters, digits and dashes (newModelVersion produces such ids).
 */
const RUN_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,79}$/;

export function requireRunId(runId: string): string {
  if (!RUN_ID_PATTERN.test(runId)) {
    throw new InvalidInputError(
      `runId must be 1–80 lowercase letters, digits or dashes, starting with a letter or digit; got ${JSON.stringify(runId)}`,
      "runId",
    );
  }
  return runId;
}

export const runPrefix = (runId: string): string => `pipeline-runs/${requireRunId(runId)}`;
const idsKey = (runId: string) => `${runPrefix(runId)}/prepared/ids.json`;
const columnsKey = (runId: string, part: PreparedPart) => `${runPrefix(runId)}/prepared/${part}.bin`;
export const batchFileKey = (runId: string, n: number): string =>
  `${runPrefix(runId)}/batches/part-${String(n).padStart(5, "0")}.json`;
/** The run's export of recent events (JSON lines), the Spark job's `--recent` input. */
export const recentExportKey = (runId: string): string => `${runPrefix(runId)}/prepared/recent.jsonl`;
/** The held-out events' ids, one per line, the Spark job's `--exclude-events` input. */
export const holdoutEventIdsKey = (runId: string): string =>
  `${runPrefix(runId)}/prepared/holdout-event-ids.txt`;
export const failureKey = (runId: string): string => `${runPrefix(runId)}/failure.json`;

/** `train` is what the candidate learns from; `holdout` is each user's latest interaction, kept for the gate. */
export type PreparedPart = "train" | "holdout";

export interface PreparedData {
  readonly train: InteractionTable;
  readonly holdout: InteractionTable;
}

/** Writes both parts; they share one id index (the evaluation relies on it), stored once. */
export async function writePreparedData(
  store: ArchiveStore,
  runId: string,
  prepared: PreparedData,
): Promise<void> {
  const ids = { users: prepared.train.users.ids(), items: prepared.train.items.ids() };
  await store.put(columnsKey(runId, "train"), encodeColumns(prepared.train));
  await store.put(columnsKey(runId, "holdout"), encodeColumns(prepared.holdout));
  // Last: a reader that finds the ids finds both parts complete.
  await store.put(idsKey(runId), new TextEncoder().encode(JSON.stringify(ids)));
}

export async function readPreparedData(store: ArchiveStore, runId: string): Promise<PreparedData> {
  const ids = JSON.parse(new TextDecoder().decode(await store.get(idsKey(runId)))) as unknown;
  if (!isIdLists(ids)) throw new CorruptDataError(`${idsKey(runId)}: not {users: string[], items: string[]}`);
  const users = IdIndex.fromIds(ids.users);
  const items = IdIndex.fromIds(ids.items);
  return {
    train: decodeColumns(await store.get(columnsKey(runId, "train")), users, items),
    holdout: decodeColumns(await store.get(columnsKey(runId, "holdout")), users, items),
  };
}

function isIdLists(value: unknown): value is { users: string[]; items: string[] } {
  if (typeof value !== "object" || value === null) return false;
  const { users, items } = value as { users?: unknown; items?: unknown };
  const strings = (list: unknown) => Array.isArray(list) && list.every((id) => typeof id === "string");
  return strings(users) && strings(items);
}

// Layout: row count (uint32), then user indices (int32), item indices (int32), weights (float32),
// timestamps (float64), all little-endian, the float64 column 8-byte aligned.
const HEADER_BYTES = 8;

function encodeColumns(table: InteractionTable): Uint8Array {
  const n = table.length;
  const bytes = new Uint8Array(HEADER_BYTES + n * (4 + 4 + 4) + padding(n) + n * 8);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, n, true);
  let offset = HEADER_BYTES;
  for (let i = 0; i < n; i++, offset += 4) view.setInt32(offset, table.userIndex[i] as number, true);
  for (let i = 0; i < n; i++, offset += 4) view.setInt32(offset, table.itemIndex[i] as number, true);
  for (let i = 0; i < n; i++, offset += 4) view.setFloat32(offset, table.weight[i] as number, true);
  offset += padding(n);
  for (let i = 0; i < n; i++, offset += 8) view.setFloat64(offset, table.timestamp[i] as number, true);
  return bytes;
}

function decodeColumns(bytes: Uint8Array, users: IdIndex, items: IdIndex): InteractionTable {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < HEADER_BYTES) throw new CorruptDataError("prepared interactions: truncated header");
  const n = view.getUint32(0, true);
  if (bytes.byteLength !== HEADER_BYTES + n * 12 + padding(n) + n * 8)
    throw new CorruptDataError(`prepared interactions: ${bytes.byteLength} bytes do not hold ${n} rows`);
  const userIndex = new Int32Array(n);
  const itemIndex = new Int32Array(n);
  const weight = new Float32Array(n);
  const timestamp = new Float64Array(n);
  let offset = HEADER_BYTES;
  for (let i = 0; i < n; i++, offset += 4) userIndex[i] = view.getInt32(offset, true);
  for (let i = 0; i < n; i++, offset += 4) itemIndex[i] = view.getInt32(offset, true);
  for (let i = 0; i < n; i++, offset += 4) weight[i] = view.getFloat32(offset, true);
  offset += padding(n);
  for (let i = 0; i < n; i++, offset += 8) timestamp[i] = view.getFloat64(offset, true);
  for (let i = 0; i < n; i++) {
    if ((userIndex[i] as number) >= users.size || (itemIndex[i] as number) >= items.size)
      throw new CorruptDataError(`prepared interactions: row ${i} refers to an unknown id`);
  }
  return { users, items, length: n, userIndex, itemIndex, weight, timestamp };
}

const padding = (n: number) => ((n * 12) % 8 === 0 ? 0 : 4);
