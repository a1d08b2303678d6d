/**
 * Small dense kernels for the ALS hot loops. Dot products use four independent accumulators: a single
 * running sum is bound by the latency of floating-point addition, four keep the FPU busy. Each function
 * takes one fixed pair of array types, so V8 keeps every call site monomorphic (mixing Float32Array
 * and Float64Array arguments in one function made the loops several times slower when measured).
 * Callers pass offsets instead of subarrays to avoid allocation.
 */

/** Σ y[yo + k] · x[k] for k < n: a float32 factor row against a float64 work vector. */
export function dotRow(y: Float32Array, yo: number, x: Float64Array, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  const end4 = n - (n & 3);
  for (; k < end4; k += 4) {
    s0 += (y[yo + k] as number) * (x[k] as number);
    s1 += (y[yo + k + 1] as number) * (x[k + 1] as number);
    s2 += (y[yo + k + 2] as number) * (x[k + 2] as number);
    s3 += (y[yo + k + 3] as number) * (x[k + 3] as number);
  }
  for (; k < n; k++) s0 += (y[yo + k] as number) * (x[k] as number);
  return s0 + s1 + s2 + s3;
}

/** out[k] += scale · y[yo + k] for k < n. */
export function addScaledRow(scale: number, y: Float32Array, yo: number, out: Float64Array, n: number): void {
  let k = 0;
  const end4 = n - (n & 3);
  for (; k < end4; k += 4) {
    out[k] = (out[k] as number) + scale * (y[yo + k] as number);
    out[k + 1] = (out[k + 1] as number) + scale * (y[yo + k + 1] as number);
    out[k + 2] = (out[k + 2] as number) + scale * (y[yo + k + 2] as number);
    out[k + 3] = (out[k + 3] as number) + scale * (y[yo + k + 3] as number);
  }
  for (; k < n; k++) out[k] = (out[k] as number) + scale * (y[yo + k] as number);
}

/** out[oo + k] += scale · y[yo + k] for k < n: a float32 row segment into a float64 matrix row. */
export function addScaledRowTo(
  out: Float64Array,
  oo: number,
  scale: number,
  y: Float32Array,
  yo: number,
  n: number,
): void {
  let k = 0;
  const end4 = n - (n & 3);
  for (; k < end4; k += 4) {
    out[oo + k] = (out[oo + k] as number) + scale * (y[yo + k] as number);
    out[oo + k + 1] = (out[oo + k + 1] as number) + scale * (y[yo + k + 1] as number);
    out[oo + k + 2] = (out[oo + k + 2] as number) + scale * (y[yo + k + 2] as number);
    out[oo + k + 3] = (out[oo + k + 3] as number) + scale * (y[yo + k + 3] as number);
  }
  for (; k < n; k++) out[oo + k] = (out[oo + k] as number) + scale * (y[yo + k] as number);
}

/** Σ a[ao + k] · b[k] for k < n, both float64. */
export function dot64(a: Float64Array, ao: number, b: Float64Array, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  const end4 = n - (n & 3);
  for (; k < end4; k += 4) {
    s0 += (a[ao + k] as number) * (b[k] as number);
    s1 += (a[ao + k + 1] as number) * (b[k + 1] as number);
    s2 += (a[ao + k + 2] as number) * (b[k + 2] as number);
    s3 += (a[ao + k + 3] as number) * (b[k + 3] as number);
  }
  for (; k < n; k++) s0 += (a[ao + k] as number) * (b[k] as number);
  return s0 + s1 + s2 + s3;
}

/** out = M · v for a row-major n × n float64 matrix M. */
export function matVec64(m: Float64Array, v: Float64Array, out: Float64Array, n: number): void {
  for (let a = 0; a < n; a++) out[a] = dot64(m, a * n, v, n);
}
