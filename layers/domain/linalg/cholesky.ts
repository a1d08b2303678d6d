/**
 * Solves A x = b for a symmetric positive-definite A (n × n, row-major) by Cholesky decomposition.
 * `a` is overwritten with the factor L (lower triangle); `b` is overwritten with x.
 * Returns false when A is not positive definite (a pivot ≤ 0), leaving b unspecified.
 */
export function choleskySolveInPlace(a: Float64Array, b: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    const rowJ = j * n;
    let diag = a[rowJ + j] as number;
    for (let k = 0; k < j; k++) {
      const l = a[rowJ + k] as number;
      diag -= l * l;
    }
    if (!(diag > 0)) return false;
    const ljj = Math.sqrt(diag);
    a[rowJ + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const rowI = i * n;
      let s = a[rowI + j] as number;
      for (let k = 0; k < j; k++) s -= (a[rowI + k] as number) * (a[rowJ + k] as number);
      a[rowI + j] = s / ljj;
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
