/**
 * Solves A x = b for a symmetric positive-definite A (n × n, row-major) by Cholesky decomposition.
 * `a` is overwritten with the factor L (lower triangle); `b` is overwritten with x.
 * Returns false when A is not positive definite (a pivot ≤ 0), leaving b unspecified.
 * The inner products run with four accumulators (see dense-kernels.ts): this solve sits on the real-time
 * fold-in path, where it is most of the cost.
 */
export function choleskySolveInPlace(a: Float64Array, b: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    const rowJ = j * n;
    const diag = (a[rowJ + j] as number) - rowDot(a, rowJ, rowJ, j);
    if (!(diag > 0)) return false;
    const ljj = Math.sqrt(diag);
    a[rowJ + j] = ljj;
    const inverse = 1 / ljj;
    for (let i = j + 1; i < n; i++) {
      const rowI = i * n;
      a[rowI + j] = ((a[rowI + j] as number) - rowDot(a, rowI, rowJ, j)) * inverse;
    }
  }
  // Forward substitution: L y = b.
  for (let i = 0; i < n; i++) {
    const rowI = i * n;
    let s = b[i] as number;
    for (let k = 0; k < i; k++) s -= (a[rowI + k] as number) * (b[k] as number);
    b[i] = s / (a[rowI + i] as number);
  }
  // Back substitution: Lᵀ x = y.
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i] as number;
    for (let k = i + 1; k < n; k++) s -= (a[k * n + i] as number) * (b[k] as number);
    b[i] = s / (a[i * n + i] as number);
  }
  return true;
}

/** Σ a[r1 + k] · a[r2 + k] for k < length. */
function rowDot(a: Float64Array, r1: number, r2: number, length: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  const end4 = length - (length & 3);
  for (; k < end4; k += 4) {
    s0 += (a[r1 + k] as number) * (a[r2 + k] as number);
    s1 += (a[r1 + k + 1] as number) * (a[r2 + k + 1] as number);
    s2 += (a[r1 + k + 2] as number) * (a[r2 + k + 2] as number);
    s3 += (a[r1 + k + 3] as number) * (a[r2 + k + 3] as number);
  }
  for (; k < length; k++) s0 += (a[r1 + k] as number) * (a[r2 + k] as number);
  return s0 + s1 + s2 + s3;
}
