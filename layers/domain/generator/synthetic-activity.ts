import { InvalidInputError } from "../errors/domain-errors.ts";
import { EVENT_TYPES, type EventType } from "../interactions/event-types.ts";
import { SeededRandom } from "../random/seeded-random.ts";
import { AliasTable } from "./alias-table.ts";
import {
  buildCatalogModel,
  requirePositiveInteger,
  requireSeed,
  type SyntheticCatalogModel,
  streamSeed,
} from "./synthetic-catalog.ts";

export interface SyntheticInteractionOptions {
  readonly users: number;
  readonly items: number;
  /** Exact number of rows to produce; at least `users`, since every user gets one. */
  readonly interactions: number;
  /** Any integer; its low 32 bits select the random streams. */
  readonly seed: number;
  /** Latent taste clusters = item categories. @default min(20, items) */
  readonly clusters?: number;
  /** Epoch seconds of the first day. Fixed by default so output depends on the options alone. @default 2024-01-01T00:00:00Z */
  readonly startTime?: number;
  /** Length of the period the events fall in. @default 90 */
  readonly days?: number;
}

export interface ResolvedSyntheticOptions {
  readonly users: number;
  readonly items: number;
  readonly interactions: number;
  readonly seed: number;
  readonly clusters: number | undefined;
  readonly startTime: number;
  readonly days: number;
}

export const DEFAULT_START_TIME = 1_704_067_200;
export const DEFAULT_DAYS = 90;
/** Bounds that keep every timestamp a plausible epoch-seconds integer (years 1970 to about 2400). */
const MAX_START_TIME = 10_000_000_000;
const MAX_DAYS = 36_500;
const ACTIVITY_STREAM = 2;

// Event type codes are positions in EVENT_TYPES.
export const VIEW = EVENT_TYPES.indexOf("view");
export const CLICK = EVENT_TYPES.indexOf("click");
export const ADD_TO_CART = EVENT_TYPES.indexOf("add_to_cart");
export const PURCHASE = EVENT_TYPES.indexOf("purchase");
export const RATE = EVENT_TYPES.indexOf("rate");
export const DISMISS = EVENT_TYPES.indexOf("dismiss");

export function eventTypeOfCode(code: number): EventType {
  return EVENT_TYPES[code] as EventType;
}

/** Spread of per-user activity (log-normal σ): median user ≈ mean / 2, the busiest ≈ 100× the median. */
const ACTIVITY_SIGMA = 1.2;
/** Where a user's next item comes from. */
const SINGLE_TASTE_HOME_SHARE = 0.8;
const DUAL_TASTE_PRIMARY_SHARE = 0.55;
const DUAL_TASTE_SECONDARY_SHARE = 0.25;
const SECOND_TASTE_PROBABILITY = 0.35;
/** The funnel: every engagement starts with a view (or, rarely, a dismiss) and may go further. */
const DISMISS_PROBABILITY = 0.02;
const RATE_AFTER_VIEW_PROBABILITY = 0.08;
const CLICK_AFTER_VIEW_PROBABILITY = 0.3;
const CART_AFTER_CLICK_PROBABILITY = 0.3;
const PURCHASE_AFTER_CART_PROBABILITY = 0.5;
/** Cumulative rating distributions (1..5): liked clusters rate high, the rest of the catalog lower. */
const RATING_CDF_IN_TASTE = [0.03, 0.1, 0.3, 0.65, 1];
const RATING_CDF_OUT_OF_TASTE = [0.1, 0.25, 0.6, 0.85, 1];
/** Relative activity per UTC hour: quiet nights, a lunch bump and an evening peak. */
const HOURLY_ACTIVITY = [
  2, 1.2, 0.8, 0.6, 0.6, 0.8, 1.5, 2.5, 3.5, 4, 4.2, 4.5, 5, 4.8, 4.5, 4.5, 4.8, 5.5, 6.5, 7.5, 8, 7, 5, 3.5,
];
const SECONDS_PER_DAY = 86_400;

export function resolveSyntheticOptions(options: SyntheticInteractionOptions): ResolvedSyntheticOptions {
  const users = requirePositiveInteger(options.users, "users");
  const items = requirePositiveInteger(options.items, "items");
  const interactions = requirePositiveInteger(options.interactions, "interactions");
  if (interactions < users) {
    throw new InvalidInputError(
      `interactions (${interactions}) must be at least users (${users}): every user gets one`,
      "interactions",
    );
  }
  const startTime = options.startTime ?? DEFAULT_START_TIME;
  if (typeof startTime !== "number" || !(startTime >= 0 && startTime <= MAX_START_TIME)) {
    throw new InvalidInputError(
      `startTime must be epoch seconds between 0 and ${MAX_START_TIME}, got ${String(startTime)}`,
      "startTime",
    );
  }
  const days = requirePositiveInteger(options.days ?? DEFAULT_DAYS, "days");
  if (days > MAX_DAYS) throw new InvalidInputError(`days must be at most ${MAX_DAYS}, got ${days}`, "days");
  return {
    users,
    items,
    interactions,
    seed: requireSeed(options.seed),
    clusters: options.clusters,
    startTime: Math.floor(startTime),
    days,
  };
}

/**
 * Generates the interactions of one user at a time into reusable typed arrays (no per-row objects),
 * users in index order, each user's rows in time order. Everything is drawn from one seeded stream, so
 * the output is a pure function of the options.
 */
export class SyntheticActivityEngine {
  readonly options: ResolvedSyntheticOptions;
  readonly catalog: SyntheticCatalogModel;
  /** Rows per user; sums to options.interactions exactly. */
  readonly userActivity: Int32Array;
  /** The current user's rows, valid up to the count generateUser returned. */
  readonly batchItem: Int32Array;
  readonly batchType: Uint8Array;
  /** 1..5 for rate events, 0 for events without a value. */
  readonly batchValue: Uint8Array;
  readonly batchTimestamp: Float64Array;
  private readonly random: SeededRandom;
  private readonly globalPicker: AliasTable;
  private readonly clusterPickers: readonly AliasTable[];
  private readonly tastePicker: AliasTable;
  private readonly hourPicker: AliasTable;
  private readonly batchEngagement: Int32Array;
  private readonly batchOffset: Float64Array;
  private readonly engagementTime: Float64Array;
  private nextUser = 0;

  constructor(options: SyntheticInteractionOptions) {
    this.options = resolveSyntheticOptions(options);
    const { users, items, interactions, seed, clusters } = this.options;
    this.catalog = buildCatalogModel({ items, clusters, seed });
    this.random = new SeededRandom(streamSeed(seed, ACTIVITY_STREAM));
    const catalog = this.catalog;
    this.globalPicker = new AliasTable(catalog.popularity);
    this.clusterPickers = catalog.clusterItems.map(
      (members) => new AliasTable(Array.from(members, (item) => catalog.popularity[item] as number)),
    );
    // Bigger categories have more fans.
    this.tastePicker = new AliasTable(catalog.clusterItems.map((members) => members.length));
    this.hourPicker = new AliasTable(HOURLY_ACTIVITY);
    this.userActivity = this.drawUserActivity(users, interactions);
    let largest = 0;
    for (let u = 0; u < users; u++) largest = Math.max(largest, this.userActivity[u] as number);
    this.batchItem = new Int32Array(largest);
    this.batchType = new Uint8Array(largest);
    this.batchValue = new Uint8Array(largest);
    this.batchTimestamp = new Float64Array(largest);
    this.batchEngagement = new Int32Array(largest);
    this.batchOffset = new Float64Array(largest);
    this.engagementTime = new Float64Array(largest);
  }

  get users(): number {
    return this.options.users;
  }

  /**
   * Heavy-tailed activity: one interaction each, the rest shared in proportion to log-normal weights,
   * rounded along the running total so the sum is exact and no user is off by more than one.
   */
  private drawUserActivity(users: number, interactions: number): Int32Array {
    const weights = new Float64Array(users);
    let total = 0;
    for (let u = 0; u < users; u++) {
      const w = Math.exp(ACTIVITY_SIGMA * this.random.nextGaussian());
      weights[u] = w;
      total += w;
    }
    const extra = interactions - users;
    const activity = new Int32Array(users);
    let cumulative = 0;
    let assigned = 0;
    for (let u = 0; u < users; u++) {
      cumulative += (extra * (weights[u] as number)) / total;
      const upTo = u === users - 1 ? extra : Math.min(extra, Math.round(cumulative));
      activity[u] = 1 + upTo - assigned;
      assigned = upTo;
    }
    return activity;
  }

  /** Fills the batch arrays with user `user`'s rows (users must be generated in order 0, 1, …) and returns their count. */
  generateUser(user: number): number {
    // The draws of one user depend on everything drawn before, so a skipped or repeated user changes the output.
    if (user !== this.nextUser)
      throw new RangeError(`users are generated in order: expected ${this.nextUser}, got ${user}`);
    this.nextUser++;
    const random = this.random;
    const budget = this.userActivity[user] as number;
    const clusters = this.catalog.clusters;
    const primary = this.tastePicker.sample(random);
    let secondary = -1;
    if (clusters > 1 && random.next() < SECOND_TASTE_PROBABILITY) {
      secondary = this.tastePicker.sample(random);
      // A redraw of the same cluster moves to a neighbour: cheaper than rejection and just as plausible.
      if (secondary === primary) secondary = (primary + 1) % clusters;
    }

    const items = this.batchItem;
    const types = this.batchType;
    const values = this.batchValue;
    const engagement = this.batchEngagement;
    const offsets = this.batchOffset;
    let rows = 0;
    let engagements = 0;
    while (rows < budget) {
      let inTaste = true;
      let item: number;
      const source = random.next();
      if (secondary < 0 ? source < SINGLE_TASTE_HOME_SHARE : source < DUAL_TASTE_PRIMARY_SHARE) {
        item = this.pickFromCluster(primary);
      } else if (secondary >= 0 && source < DUAL_TASTE_PRIMARY_SHARE + DUAL_TASTE_SECONDARY_SHARE) {
        item = this.pickFromCluster(secondary);
      } else {
        item = this.globalPicker.sample(random);
        inTaste = false;
      }
      const e = engagements++;
      if (random.next() < DISMISS_PROBABILITY) {
        items[rows] = item;
        types[rows] = DISMISS;
        values[rows] = 0;
        engagement[rows] = e;
        offsets[rows] = 0;
        rows++;
        continue;
      }
      items[rows] = item;
      types[rows] = VIEW;
      values[rows] = 0;
      engagement[rows] = e;
      offsets[rows] = 0;
      rows++;
      let offset = 0;
      if (rows < budget && random.next() < RATE_AFTER_VIEW_PROBABILITY) {
        offset += 60 + random.next() * 3_540;
        items[rows] = item;
        types[rows] = RATE;
        values[rows] = drawRating(random, inTaste ? RATING_CDF_IN_TASTE : RATING_CDF_OUT_OF_TASTE);
        engagement[rows] = e;
        offsets[rows] = offset;
        rows++;
        continue;
      }
      if (rows >= budget || random.next() >= CLICK_AFTER_VIEW_PROBABILITY) continue;
      offset += 5 + random.next() * 115;
      this.appendStep(rows++, item, CLICK, e, offset);
      if (rows >= budget || random.next() >= CART_AFTER_CLICK_PROBABILITY) continue;
      offset += 30 + random.next() * 570;
      this.appendStep(rows++, item, ADD_TO_CART, e, offset);
      if (rows >= budget || random.next() >= PURCHASE_AFTER_CART_PROBABILITY) continue;
      offset += 60 + random.next() * 1_740;
      this.appendStep(rows++, item, PURCHASE, e, offset);
    }
    this.placeInTime(rows, engagements);
    return rows;
  }

  private appendStep(row: number, item: number, type: number, engagement: number, offset: number): void {
    this.batchItem[row] = item;
    this.batchType[row] = type;
    this.batchValue[row] = 0;
    this.batchEngagement[row] = engagement;
    this.batchOffset[row] = offset;
  }

  private pickFromCluster(cluster: number): number {
    const members = this.catalog.clusterItems[cluster] as Int32Array;
    return members[(this.clusterPickers[cluster] as AliasTable).sample(this.random)] as number;
  }

  /**
   * Each user is active over part of the period; engagements fall on random days of that window at
   * hours following the diurnal curve, in increasing order, and steps of a funnel follow their view.
   */
  private placeInTime(rows: number, engagements: number): void {
    const random = this.random;
    const { startTime, days } = this.options;
    const windowLength = (0.15 + 0.85 * random.next()) * days;
    const windowStart = random.next() * (days - windowLength);
    const times = this.engagementTime;
    for (let e = 0; e < engagements; e++) {
      const day = Math.floor(windowStart + random.next() * windowLength);
      const hour = this.hourPicker.sample(random);
      times[e] = startTime + day * SECONDS_PER_DAY + hour * 3_600 + random.next() * 3_600;
    }
    times.subarray(0, engagements).sort();
    for (let r = 0; r < rows; r++) {
      this.batchTimestamp[r] = Math.floor(
        (times[this.batchEngagement[r] as number] as number) + (this.batchOffset[r] as number),
      );
    }
  }
}

function drawRating(random: SeededRandom, cdf: readonly number[]): number {
  const u = random.next();
  for (let r = 0; r < cdf.length - 1; r++) if (u < (cdf[r] as number)) return r + 1;
  return cdf.length;
}
