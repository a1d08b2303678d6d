/**
 * Accumulates Σ yᵢ yᵢᵀ over rows [start, end) of a row-major n × f matrix into `out` (f × f, row-major),
 * filling the full symmetric matrix. `out` is added to, not cleared, so partial sums can be combined.
 */
export function accumulateGram(
  matrix: Float32Array,
  factors: number,
  start: number,
  end: number,
  out: Float64Array,
): void {
  const f = factors;
  for (let row = start; row < end; row++) {
    const o = row * f;
    for (let a = 0; a < f; a++) {
      const va = matrix[o + a] as number;
      if (va === 0) continue;
      const outRow = a * f;
      for (let b = a; b < f; b++)
        out[outRow + b] = (out[outRow + b] as number) + va * (matrix[o + b] as number);
    }
  }
}

/** Mirrors the upper triangle (as accumulated by accumulateGram) into the lower one. */
export function symmetrizeUpper(out: Float64Array, factors: number): void {
  const f = factors;
  for (let a = 0; a < f; a++) {
    for (let b = a + 1; b < f; b++) out[b * f + a] = out[a * f + b] as number;
  }
}

/** YᵀY of a row-major n × f matrix, computed on the calling thread. */
export function gramMatrix(matrix: Float32Array, rows: number, factors: number): Float64Array {
  const out = new Float64Array(factors * factors);
  accumulateGram(matrix, factors, 0, rows, out);
  symmetrizeUpper(out, factors);
  return out;
}

/** G + λI, as a fresh array. */
export function withRidge(gram: Float64Array, factors: number, lambda: number): Float64Array {
  const out = Float64Array.from(gram);
  for (let a = 0; a < factors; a++) out[a * factors + a] = (out[a * factors + a] as number) + lambda;
  return out;
}
