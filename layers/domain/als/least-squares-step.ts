import { choleskySolveInPlace } from "../linalg/cholesky.ts";
import { addScaledRow, addScaledRowTo, dot64, dotRow, matVec64 } from "../linalg/dense-kernels.ts";
import type { CsrMatrix } from "../matrix/csr-matrix.ts";

/**
 * One half of an implicit-ALS sweep: re-solve the rows [start, end) of X against the fixed factors Y.
 *
 * For row u with observed weights w_ui, preference p_ui = 1 when w > 0 and 0 when w < 0 (a "not wanted"
 * signal), and confidence c_ui = 1 + alpha·|w_ui|; unobserved entries have p = 0, c = 1. Row u solves
 *   (YᵀY + λI + Σ_i (c_ui − 1) y_i y_iᵀ) x_u = Σ_i c_ui p_ui y_i,
 * never forming the per-row matrix in the CG path (the `implicit` library's approach), so the cost
 * is O(f² + nnz·f) per CG step.
 *
 * `ridgeGram` is YᵀY + λI (f × f, row-major, float64).
 */
export interface LeastSquaresStep {
  readonly matrix: CsrMatrix;
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly ridgeGram: Float64Array;
  readonly factors: number;
  readonly alpha: number;
}

/** Scratch buffers, allocated once per thread and reused for every row. */
export class SolverScratch {
  readonly r: Float64Array;
  readonly p: Float64Array;
  readonly ap: Float64Array;
  readonly x: Float64Array;
  readonly a: Float64Array;

  constructor(factors: number) {
    this.r = new Float64Array(factors);
    this.p = new Float64Array(factors);
    this.ap = new Float64Array(factors);
    this.x = new Float64Array(factors);
    this.a = new Float64Array(factors * factors);
  }
}

/** Conjugate-gradient updates warm-started from the current row of X, `cgSteps` steps per row. */
export function solveRowsConjugateGradient(
  step: LeastSquaresStep,
  cgSteps: number,
  start: number,
  end: number,
  scratch: SolverScratch,
): void {
  const { matrix, x: X, y: Y, ridgeGram: G, factors: f, alpha } = step;
  const { indptr, indices, data } = matrix;
  const { r, p, ap, x } = scratch;
  for (let u = start; u < end; u++) {
    const xo = u * f;
    for (let k = 0; k < f; k++) x[k] = X[xo + k] as number;
    // r = b − A x, with A x = G x + Σ (c−1)(y·x) y and b = Σ c·p y.
    matVec64(G, x, r, f);
    for (let k = 0; k < f; k++) r[k] = -(r[k] as number);
    const rowStart = indptr[u] as number;
    const rowEnd = indptr[u + 1] as number;
    for (let q = rowStart; q < rowEnd; q++) {
      const yo = (indices[q] as number) * f;
      const w = data[q] as number;
      const score = dotRow(Y, yo, x, f);
      const extra = alpha * (w > 0 ? w : -w);
      addScaledRow(w > 0 ? 1 + extra - extra * score : -extra * score, Y, yo, r, f);
    }
    let rsOld = 0;
    for (let k = 0; k < f; k++) {
      const rk = r[k] as number;
      p[k] = rk;
      rsOld += rk * rk;
    }
    if (rsOld < 1e-20) continue;
    for (let it = 0; it < cgSteps; it++) {
      matVec64(G, p, ap, f);
      for (let q = rowStart; q < rowEnd; q++) {
        const yo = (indices[q] as number) * f;
        const w = data[q] as number;
        addScaledRow(alpha * (w > 0 ? w : -w) * dotRow(Y, yo, p, f), Y, yo, ap, f);
      }
      const pAp = dot64(p, 0, ap, f);
      if (!(pAp > 0)) break;
      const stepSize = rsOld / pAp;
      let rsNew = 0;
      for (let k = 0; k < f; k++) {
        x[k] = (x[k] as number) + stepSize * (p[k] as number);
        const rk = (r[k] as number) - stepSize * (ap[k] as number);
        r[k] = rk;
        rsNew += rk * rk;
      }
      if (rsNew < 1e-20) break;
      const beta = rsNew / rsOld;
      for (let k = 0; k < f; k++) p[k] = (r[k] as number) + beta * (p[k] as number);
      rsOld = rsNew;
    }
    for (let k = 0; k < f; k++) X[xo + k] = x[k] as number;
  }
}

/** The exact solve of every row (builds and factors the f × f system per row). For tests and fold-in. */
export function solveRowsCholesky(
  step: LeastSquaresStep,
  start: number,
  end: number,
  scratch: SolverScratch,
): void {
  const { matrix, x: X, y: Y, factors: f } = step;
  const { indptr, indices, data } = matrix;
  for (let u = start; u < end; u++) {
    const rowStart = indptr[u] as number;
    const rowEnd = indptr[u + 1] as number;
    solveExactRow(Y, step.ridgeGram, f, step.alpha, indices, data, rowStart, rowEnd, scratch);
    const xo = u * f;
    for (let k = 0; k < f; k++) X[xo + k] = scratch.x[k] as number;
  }
}

/**
 * Builds A = G + Σ (c−1) y yᵀ and b = Σ c·p y for the entries [rowStart, rowEnd) of (indices, weights)
 * and solves A x = b into scratch.x. Shared by the training step and the real-time fold-in.
 */
export function solveExactRow(
  Y: Float32Array,
  ridgeGram: Float64Array,
  f: number,
  alpha: number,
  indices: Int32Array,
  weights: Float32Array,
  rowStart: number,
  rowEnd: number,
  scratch: SolverScratch,
): void {
  const { a: A, x: b } = scratch;
  A.set(ridgeGram);
  b.fill(0);
  for (let q = rowStart; q < rowEnd; q++) {
    const yo = (indices[q] as number) * f;
    const w = weights[q] as number;
    const extra = alpha * (w > 0 ? w : -w);
    // Rank-1 update of the upper triangle, A += extra · y yᵀ; mirrored below once all rows are in.
    for (let i = 0; i < f; i++) {
      const scaled = extra * (Y[yo + i] as number);
      if (scaled !== 0) addScaledRowTo(A, i * f + i, scaled, Y, yo + i, f - i);
    }
    if (w > 0) addScaledRow(1 + extra, Y, yo, b, f);
  }
  for (let i = 0; i < f; i++) {
    for (let j = i + 1; j < f; j++) A[j * f + i] = A[i * f + j] as number;
  }
  if (!choleskySolveInPlace(A, b, f)) {
    // Only reachable with λ = 0 and a degenerate item set; a zero vector is the safe, neutral answer.
    b.fill(0);
  }
}
