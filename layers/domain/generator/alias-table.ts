import type { SeededRandom } from "../random/seeded-random.ts";

/**
 * Walker's alias method (Vose's construction): after O(n) set-up, draws an index with probability
 * proportional to its weight in O(1), from a single uniform number.
 */
export class AliasTable {
  readonly size: number;
  private readonly threshold: Float64Array;
  private readonly alias: Int32Array;

  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    if (n === 0) throw new RangeError("an alias table needs at least one weight");
    let total = 0;
    for (let i = 0; i < n; i++) {
      const w = weights[i] as number;
      if (!(w >= 0) || !Number.isFinite(w))
        throw new RangeError(`weight ${i} is ${w}; weights must be finite and ≥ 0`);
      total += w;
    }
    if (total <= 0) throw new RangeError("alias table weights sum to zero");
    this.size = n;
    this.threshold = new Float64Array(n);
    this.alias = new Int32Array(n);
    const scaled = new Float64Array(n);
    const small = new Int32Array(n);
    const large = new Int32Array(n);
    let smallCount = 0;
    let largeCount = 0;
    for (let i = 0; i < n; i++) {
      const p = ((weights[i] as number) * n) / total;
      scaled[i] = p;
      if (p < 1) small[smallCount++] = i;
      else large[largeCount++] = i;
    }
    while (smallCount > 0 && largeCount > 0) {
      const s = small[--smallCount] as number;
      const l = large[largeCount - 1] as number;
      this.threshold[s] = scaled[s] as number;
      this.alias[s] = l;
      const remaining = (scaled[l] as number) + (scaled[s] as number) - 1;
      scaled[l] = remaining;
      if (remaining < 1) {
        largeCount--;
        small[smallCount++] = l;
      }
    }
    // Whatever is left is 1 up to rounding error.
    while (largeCount > 0) {
      const l = large[--largeCount] as number;
      this.threshold[l] = 1;
      this.alias[l] = l;
    }
    while (smallCount > 0) {
      const s = small[--smallCount] as number;
      this.threshold[s] = 1;
      this.alias[s] = s;
    }
  }

  /** An index drawn with probability weight[index] / Σ weight. */
  sample(random: SeededRandom): number {
    const u = random.next() * this.size;
    const column = Math.floor(u);
    return u - column < (this.threshold[column] as number) ? column : (this.alias[column] as number);
  }
}
