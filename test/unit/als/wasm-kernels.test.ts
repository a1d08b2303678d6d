import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { describe, expect, it } from "vitest";
import { SolverScratch, solveRowsConjugateGradient } from "../../../layers/domain/als/least-squares-step.ts";
import { compileKernel, KERNEL_SOURCES } from "../../../layers/domain/als/wasm/compile-kernels.ts";
import {
  alsKernelModule,
  instantiateKernels,
  WasmArena,
} from "../../../layers/domain/als/wasm/wasm-kernels.ts";
import { gramMatrix, withRidge } from "../../../layers/domain/linalg/gram-matrix.ts";
import { SeededRandom } from "../../../layers/domain/random/seeded-random.ts";
import { randomInteractionMatrix } from "../../support/random-matrix.ts";

describe("committed WebAssembly binaries", () => {
  // Every kernel that `npm run build:wasm` compiles: the ALS kernels and the vector index's scan.
  it.each(KERNEL_SOURCES.map((kernel) => [basename(kernel.wasmPath), kernel] as const))(
    "%s is exactly what its WAT source compiles to",
    async (_name, kernel) => {
      const committed = new Uint8Array(await readFile(kernel.wasmPath));
      expect(Buffer.from(await compileKernel(kernel)).equals(Buffer.from(committed))).toBe(true);
    },
  );
});

describe("WebAssembly ALS kernels", () => {
  // Factor counts that exercise the 16-wide loop, the 4-wide loop and the scalar tail.
  it.each([16, 7, 13, 64])("cgRows matches the JavaScript reference step (f = %i)", (f) => {
    const matrix = randomInteractionMatrix({ users: 40, items: 30, perUser: 5, seed: f, negativeShare: 0.1 });
    const random = new SeededRandom(99);
    const y = Float32Array.from({ length: matrix.cols * f }, () => random.nextGaussian() * 0.3);
    const x0 = Float32Array.from({ length: matrix.rows * f }, () => random.nextGaussian() * 0.1);
    const ridge = withRidge(gramMatrix(y, matrix.cols, f), f, 0.1);
    const alpha = 3;
    const steps = 3;

    const expected = Float32Array.from(x0);
    solveRowsConjugateGradient(
      { matrix, x: expected, y, ridgeGram: ridge, factors: f, alpha },
      steps,
      0,
      matrix.rows,
      new SolverScratch(f),
    );

    const nnz = matrix.indices.length;
    const arena = new WasmArena(
      WasmArena.bytesFor([
        (matrix.rows + 1) * 4,
        nnz * 4,
        nnz * 4,
        x0.byteLength,
        y.byteLength,
        f * f * 4,
        16 * f,
      ]),
    );
    const place = <T extends Int32Array | Float32Array>(source: T, make: (n: number) => T): T => {
      const view = make(source.length);
      view.set(source as never);
      return view;
    };
    const indptr = place(matrix.indptr, (n) => arena.int32(n));
    const indices = place(matrix.indices, (n) => arena.int32(n));
    const data = place(matrix.data, (n) => arena.float32(n));
    const x = place(x0, (n) => arena.float32(n));
    const yw = place(y, (n) => arena.float32(n));
    const g = place(Float32Array.from(ridge), (n) => arena.float32(n));
    const scratch = arena.float32(4 * f);
    const kernels = instantiateKernels(alsKernelModule(), arena.memory);
    kernels.cgRows(
      indptr.byteOffset,
      indices.byteOffset,
      data.byteOffset,
      x.byteOffset,
      yw.byteOffset,
      g.byteOffset,
      f,
      alpha,
      steps,
      0,
      matrix.rows,
      scratch.byteOffset,
    );

    let maxDiff = 0;
    let maxValue = 0;
    for (let i = 0; i < x.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs((x[i] as number) - (expected[i] as number)));
      maxValue = Math.max(maxValue, Math.abs(expected[i] as number));
    }
    // float32 SIMD against the float64 reference: agreement to float32 rounding, relative to the values.
    expect(maxDiff).toBeLessThan(1e-4 * Math.max(1, maxValue));
    expect(maxValue).toBeGreaterThan(0);
  });

  it("gramRows accumulates the full YᵀY", () => {
    const f = 5;
    const rows = 9;
    const random = new SeededRandom(5);
    const source = Float32Array.from({ length: rows * f }, () => random.nextGaussian());
    const arena = new WasmArena(WasmArena.bytesFor([source.byteLength, f * f * 4]));
    const m = arena.float32(source.length);
    m.set(source);
    const out = arena.float32(f * f);
    instantiateKernels(alsKernelModule(), arena.memory).gramRows(m.byteOffset, f, 0, rows, out.byteOffset);
    const expected = gramMatrix(source, rows, f);
    for (let i = 0; i < f * f; i++) expect(out[i]).toBeCloseTo(expected[i] as number, 4);
  });
});
