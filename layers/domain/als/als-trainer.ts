import { gramMatrix } from "../linalg/gram-matrix.ts";
import { type CsrMatrix, transposeCsr } from "../matrix/csr-matrix.ts";
import { SeededRandom } from "../random/seeded-random.ts";
import { type AlsExecutor, inlineExecutor, workerExecutor } from "./als-executor.ts";
import { type AlsSharedState, type AlsSide, balancedChunks } from "./als-kernel.ts";
import type { AlsParameters } from "./als-parameters.ts";
import { alsKernelModule, WasmArena } from "./wasm/wasm-kernels.ts";

/** Chunks per side: fixed, so that results are identical for any thread count. */
const CHUNKS = 128;

export interface AlsIterationProgress {
  /** 1-based. */
  readonly iteration: number;
  readonly iterations: number;
  readonly seconds: number;
  /** The objective normalised by the total confidence, when `computeLoss` was asked for. */
  readonly loss?: number;
}

export interface AlsTrainingOptions {
  readonly computeLoss?: boolean;
  readonly onIteration?: (progress: AlsIterationProgress) => void;
}

export interface AlsFactors {
  readonly userFactors: Float32Array;
  readonly itemFactors: Float32Array;
  /** YᵀY of the final item factors (no regularization), row-major f × f. */
  readonly gram: Float32Array;
  readonly losses: readonly number[];
  readonly iterationSeconds: readonly number[];
}

/**
 * Implicit ALS on a user × item matrix of raw weights. Each iteration solves the items against the users,
 * then the users against the items, so the final user vectors are exactly what a fold-in against the final
 * item factors computes (with the Cholesky solver).
 */
export async function trainAls(
  userItems: CsrMatrix,
  params: AlsParameters,
  options: AlsTrainingOptions = {},
): Promise<AlsFactors> {
  const state = layOutState(userItems, params);
  const totalConfidence = userItems.rows * userItems.cols + sumAbs(userItems.data) * params.alpha;
  const executor: AlsExecutor =
    params.threads > 1 ? await workerExecutor(state, params.threads) : inlineExecutor(state);
  const losses: number[] = [];
  const iterationSeconds: number[] = [];
  try {
    for (let iteration = 1; iteration <= params.iterations; iteration++) {
      const started = performance.now();
      await loadRidgeGram(executor, state, "users", params.regularization);
      await executor.run({ kind: "solve", side: "items" });
      await loadRidgeGram(executor, state, "items", params.regularization);
      await executor.run({ kind: "solve", side: "users" });
      const seconds = (performance.now() - started) / 1000;
      iterationSeconds.push(seconds);
      let loss: number | undefined;
      if (options.computeLoss) {
        // ridgeGram still holds the items' YᵀY + λI, which the loss needs.
        await executor.run({ kind: "loss" });
        let total = 0;
        for (let c = 0; c < state.lossPartials.length; c++) total += state.lossPartials[c] as number;
        total += params.regularization * sumSquares(state.itemFactors);
        loss = total / totalConfidence;
        losses.push(loss);
      }
      options.onIteration?.({
        iteration,
        iterations: params.iterations,
        seconds,
        ...(loss === undefined ? {} : { loss }),
      });
    }
    const itemFactors = Float32Array.from(state.itemFactors);
    return {
      userFactors: Float32Array.from(state.userFactors),
      itemFactors,
      // Exact (float64) YᵀY for fold-in; the float32 per-chunk sums are good enough only inside training.
      gram: Float32Array.from(gramMatrix(itemFactors, userItems.cols, params.factors)),
      losses,
      iterationSeconds,
    };
  } finally {
    await executor.close();
  }
}

/** Places the matrices, factors and scratch space in one shared wasm memory. */
function layOutState(source: CsrMatrix, params: AlsParameters): AlsSharedState {
  const f = params.factors;
  const transposed = transposeCsr(source);
  const rows = source.rows;
  const cols = source.cols;
  const nnz = source.indices.length;
  const threads = params.threads;
  const arena = new WasmArena(
    WasmArena.bytesFor([
      (rows + 1) * 4,
      nnz * 4,
      nnz * 4,
      (cols + 1) * 4,
      nnz * 4,
      nnz * 4,
      rows * f * 4,
      cols * f * 4,
      f * f * 4,
      CHUNKS * f * f * 4,
      threads * 4 * f * 4,
    ]),
  );
  const place = (matrix: CsrMatrix): CsrMatrix => {
    const indptr = arena.int32(matrix.indptr.length);
    const indices = arena.int32(matrix.indices.length);
    const data = arena.float32(matrix.data.length);
    indptr.set(matrix.indptr);
    indices.set(matrix.indices);
    data.set(matrix.data);
    return { rows: matrix.rows, cols: matrix.cols, indptr, indices, data };
  };
  const userItems = place(source);
  const itemUsers = place(transposed);
  const userFactors = arena.float32(rows * f);
  const itemFactors = arena.float32(cols * f);
  fillInitialFactors(userFactors, params.seed);
  fillInitialFactors(itemFactors, params.seed + 1);
  return {
    memory: arena.memory,
    kernelModule: alsKernelModule(),
    userItems,
    itemUsers,
    userFactors,
    itemFactors,
    factors: f,
    alpha: params.alpha,
    cgSteps: params.cgSteps,
    solver: params.solver,
    ridgeGram: new Float64Array(new SharedArrayBuffer(f * f * 8)),
    ridgeGram32: arena.float32(f * f),
    gramPartials: arena.float32(CHUNKS * f * f),
    lossPartials: new Float64Array(new SharedArrayBuffer(CHUNKS * 8)),
    userChunks: balancedChunks(userItems, f, CHUNKS),
    itemChunks: balancedChunks(itemUsers, f, CHUNKS),
    chunkCounter: new Int32Array(new SharedArrayBuffer(4)),
    kernelScratch: arena.float32(threads * 4 * f),
  };
}

/** Computes YᵀY + λI of `side`'s factors into the state, summing chunk partials in chunk order. */
async function loadRidgeGram(
  executor: AlsExecutor,
  state: AlsSharedState,
  side: AlsSide,
  lambda: number,
): Promise<void> {
  await executor.run({ kind: "gram", side });
  const f = state.factors;
  const size = f * f;
  const chunks = (side === "users" ? state.userChunks : state.itemChunks).length - 1;
  const out = state.ridgeGram;
  out.fill(0);
  for (let c = 0; c < chunks; c++) {
    const offset = c * size;
    for (let k = 0; k < size; k++) out[k] = (out[k] as number) + (state.gramPartials[offset + k] as number);
  }
  // The kernel fills the whole matrix; averaging the two triangles keeps it exactly symmetric.
  for (let a = 0; a < f; a++) {
    for (let b = a + 1; b < f; b++) {
      const mean = ((out[a * f + b] as number) + (out[b * f + a] as number)) / 2;
      out[a * f + b] = mean;
      out[b * f + a] = mean;
    }
    out[a * f + a] = (out[a * f + a] as number) + lambda;
  }
  state.ridgeGram32.set(out);
}

/** Small uniform values in [0, 0.01), as the `implicit` library starts. */
function fillInitialFactors(out: Float32Array, seed: number): void {
  const random = new SeededRandom(seed);
  for (let i = 0; i < out.length; i++) out[i] = random.next() * 0.01;
}

function sumAbs(values: Float32Array): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += Math.abs(values[i] as number);
  return s;
}

function sumSquares(values: Float32Array): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += (values[i] as number) ** 2;
  return s;
}
