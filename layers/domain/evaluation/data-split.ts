import { InvalidInputError } from "../errors/domain-errors.ts";
import { type InteractionTable, rowsGroupedByUser, selectRows } from "../interactions/interaction-table.ts";
import { SeededRandom } from "../random/seeded-random.ts";

/** Two tables over the same rows' id indices (the very same IdIndex objects as the input). */
export interface TrainTestSplit {
  readonly train: InteractionTable;
  readonly test: InteractionTable;
}

export interface StratifiedSplitOptions {
  /** The share of each user's interactions that goes to train, strictly between 0 and 1. @default 0.75 */
  readonly ratio?: number;
  /** @default 42 */
  readonly seed?: number;
}

/**
 * Per-user stratified random split, as Microsoft Recommenders' `python_stratified_split`
 * (current `_do_stratification`): each user's interactions are put in a random order and the first
 * `round(ratio × n)` go to train, the rest to test, where `round` is NumPy's round-half-to-even
 * (recommenders applies Python's `round` to a pandas Series, which rounds half to even).
 * No user is dropped or special-cased, so, with the default 0.75, a user with 1 interaction keeps it in
 * train (round(0.75) = 1), 2 interactions both stay in train (round(1.5) = 2), 3 split 2 / 1 and
 * 6 split 4 / 2 (round(4.5) = 4). Recommenders' optional `min_rating` filter is left to the caller.
 * The random order comes from {@link SeededRandom} (a Fisher–Yates shuffle per user, users in index order),
 * so the rows chosen are reproducible for a seed but are not the ones NumPy would pick.
 * Rows keep their input order within each output table.
 */
export function stratifiedSplit(
  table: InteractionTable,
  options: StratifiedSplitOptions = {},
): TrainTestSplit {
  const ratio = options.ratio ?? 0.75;
  const seed = options.seed ?? 42;
  if (!(Number.isFinite(ratio) && ratio > 0 && ratio < 1)) {
    throw new InvalidInputError(`ratio must be a number strictly between 0 and 1, got ${ratio}`, "ratio");
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 32 - 1) {
    throw new InvalidInputError(`seed must be an integer from 0 to ${2 ** 32 - 1}, got ${seed}`, "seed");
  }
  const random = new SeededRandom(seed);
  const { start, rows } = rowsGroupedByUser(table);
  const inTest = new Uint8Array(table.length);
  for (let user = 0; user < table.users.size; user++) {
    const from = start[user] as number;
    const to = start[user + 1] as number;
    if (to === from) continue;
    const userRows = random.shuffle(rows.subarray(from, to));
    const trainCount = roundHalfToEven(ratio * (to - from));
    for (let i = trainCount; i < userRows.length; i++) inTest[userRows[i] as number] = 1;
  }
  return partition(table, inTest);
}

/**
 * Leave-last-out: each user's latest interaction (by timestamp) goes to test, everything else to train.
 * A user with a single interaction stays entirely in train (testing on them would leave them nothing to
 * learn from). Rows with an unknown (NaN) timestamp are never taken as the latest, so a user whose rows
 * all lack a timestamp stays in train. Among rows sharing the latest timestamp, the last in table order
 * goes to test (input files are usually appended in time order).
 */
export function leaveLastOut(table: InteractionTable): TrainTestSplit {
  const { start, rows } = rowsGroupedByUser(table);
  const inTest = new Uint8Array(table.length);
  for (let user = 0; user < table.users.size; user++) {
    const from = start[user] as number;
    const to = start[user + 1] as number;
    if (to - from < 2) continue;
    let latestRow = -1;
    let latestTime = Number.NEGATIVE_INFINITY;
    // rows within a user are in ascending table order, so ≥ keeps the last of equal timestamps.
    for (let i = from; i < to; i++) {
      const row = rows[i] as number;
      const time = table.timestamp[row] as number;
      if (time >= latestTime) {
        latestTime = time;
        latestRow = row;
      }
    }
    if (latestRow >= 0) inTest[latestRow] = 1;
  }
  return partition(table, inTest);
}

/** Python 3 / NumPy rounding: halves go to the even neighbour. */
export function roundHalfToEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

function partition(table: InteractionTable, inTest: Uint8Array): TrainTestSplit {
  let testCount = 0;
  for (let row = 0; row < table.length; row++) testCount += inTest[row] as number;
  const trainRows = new Int32Array(table.length - testCount);
  const testRows = new Int32Array(testCount);
  let t = 0;
  let s = 0;
  for (let row = 0; row < table.length; row++) {
    if (inTest[row] === 1) testRows[s++] = row;
    else trainRows[t++] = row;
  }
  return { train: selectRows(table, trainRows), test: selectRows(table, testRows) };
}
