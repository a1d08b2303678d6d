import { describe, expect, it } from "vitest";
import { SeededRandom } from "../../../layers/domain/random/seeded-random.ts";
import { instantiateInnerProductKernel } from "../../../layers/domain/scoring/wasm/inner-product-kernel.ts";
import { WasmVectorMatrix } from "../../../layers/domain/scoring/wasm/wasm-vector-matrix.ts";

const FLOAT32_UNIT_ROUNDOFF = 2 ** -24;

function gaussians(random: SeededRandom, length: number): Float32Array {
  return Float32Array.from({ length }, () => random.nextGaussian());
}

/**
 * Checks float32 scores against float64 inner products: a float32 sum of n products is within about
 * n·u·Σ|products| of the exact value (u the float32 unit roundoff), whatever order it adds them in.
 */
function expectInnerProducts(scores: Float32Array, rows: Float32Array, query: Float32Array): void {
  const dims = query.length;
  expect(scores).toHaveLength(rows.length / dims);
  for (let row = 0; row < scores.length; row++) {
    let exact = 0;
    let magnitude = 0;
    for (let d = 0; d < dims; d++) {
      const product = (rows[row * dims + d] as number) * (query[d] as number);
      exact += product;
      magnitude += Math.abs(product);
    }
    const bound = (dims + 2) * FLOAT32_UNIT_ROUNDOFF * magnitude + Number.MIN_VALUE;
    expect(Math.abs((scores[row] as number) - exact), `row ${row}`).toBeLessThanOrEqual(bound);
  }
}

describe("inner-product kernel (WebAssembly SIMD)", () => {
  // Dimensions that exercise the scalar tail alone, the 4-wide loop, the 16-wide loop and their mixes.
  const cases = [1, 3, 4, 7, 64, 128].flatMap((dims) => [0, 1, 1000].map((rows) => [dims, rows] as const));

  it.each(cases)("matches float64 inner products (dims %i, rows %i)", (dims, rowCount) => {
    const random = new SeededRandom(dims * 1000 + rowCount);
    const rows = gaussians(random, rowCount * dims);
    const query = gaussians(random, dims);
    const matrix = new WasmVectorMatrix(dims);
    matrix.reserve(rowCount);
    for (let row = 0; row < rowCount; row++) matrix.setRow(row, rows.subarray(row * dims, (row + 1) * dims));
    expectInnerProducts(matrix.innerProducts(query, rowCount), rows, query);
  });

  it("writes exactly one score per row at the pointers it is given, even unaligned ones", () => {
    const dims = 7;
    const rowCount = 5;
    const random = new SeededRandom(3);
    const rows = gaussians(random, rowCount * dims);
    const query = gaussians(random, dims);
    const memory = new WebAssembly.Memory({ initial: 1 });
    const kernel = instantiateInnerProductKernel(memory);
    const buffer = memory.buffer;
    // Byte offsets that are multiples of 4 but not of 16, for each of the three arrays.
    const queryAt = 4;
    const rowsAt = 36;
    const outAt = rowsAt + rows.byteLength + 8;
    new Float32Array(buffer, queryAt, dims).set(query);
    new Float32Array(buffer, rowsAt, rows.length).set(rows);
    const out = new Float32Array(buffer, outAt, rowCount + 1).fill(-7);
    kernel.innerProducts(rowCount, dims, rowsAt, queryAt, outAt);
    expectInnerProducts(out.subarray(0, rowCount), rows, query);
    expect(out[rowCount]).toBe(-7);
  });
});

describe("WasmVectorMatrix", () => {
  it("keeps every row through many grows of its memory", () => {
    const dims = 12;
    const random = new SeededRandom(8);
    const matrix = new WasmVectorMatrix(dims);
    const initialCapacity = matrix.capacity;
    const rowCount = 20_000;
    const rows = gaussians(random, rowCount * dims);
    for (let row = 0; row < rowCount; row++) {
      matrix.reserve(row + 1);
      matrix.setRow(row, rows.subarray(row * dims, (row + 1) * dims));
    }
    expect(initialCapacity).toBeLessThan(rowCount);
    expect(matrix.capacity).toBeGreaterThanOrEqual(rowCount);
    const query = gaussians(random, dims);
    expectInnerProducts(matrix.innerProducts(query, rowCount), rows, query);
  });

  it("scores a vector the same bits wherever it sits, so equal vectors tie exactly", () => {
    // 37 dimensions: the 16-wide loop, the 4-wide loop and the scalar tail all contribute.
    const dims = 37;
    const random = new SeededRandom(21);
    const vector = gaussians(random, dims);
    const query = gaussians(random, dims);
    const matrix = new WasmVectorMatrix(dims);
    matrix.reserve(50);
    for (let row = 0; row < 50; row++) matrix.setRow(row, row % 7 === 0 ? vector : gaussians(random, dims));
    matrix.copyRow(0, 49);
    const scores = matrix.innerProducts(query, 50);
    const expected = scores[0] as number;
    for (const row of [7, 14, 21, 28, 35, 42, 49]) expect(scores[row]).toBe(expected);
  });

  it("copies one row over another and refuses rows and queries that do not fit", () => {
    const matrix = new WasmVectorMatrix(2);
    matrix.reserve(2);
    matrix.setRow(0, Float32Array.from([1, 2]));
    matrix.setRow(1, Float32Array.from([3, 4]));
    matrix.copyRow(1, 0);
    expect([...matrix.innerProducts(Float32Array.from([1, 1]), 2)]).toEqual([7, 7]);
    expect(() => matrix.setRow(matrix.capacity, Float32Array.from([1, 1]))).toThrow(RangeError);
    expect(() => matrix.setRow(0, Float32Array.from([1]))).toThrow(RangeError);
    expect(() => matrix.innerProducts(Float32Array.from([1, 1, 1]), 1)).toThrow(RangeError);
    expect(() => matrix.innerProducts(Float32Array.from([1, 1]), matrix.capacity + 1)).toThrow(RangeError);
  });
});
