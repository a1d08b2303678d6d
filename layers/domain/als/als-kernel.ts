import type { CsrMatrix } from "../matrix/csr-matrix.ts";
import { SolverScratch, solveRowsCholesky } from "./least-squares-step.ts";
import type { AlsWasmKernels } from "./wasm/wasm-kernels.ts";

/**
 * The state one ALS training run shares between the coordinating thread and its workers. The arrays the
 * WebAssembly kernels read and write live in one shared wasm memory (`memory`); the rest are
 * SharedArrayBuffer-backed. Work is cut into fixed chunks (the same for any thread count) and partial sums
 * are combined in chunk order, so results do not depend on which thread ran which chunk.
 */
export interface AlsSharedState {
  readonly memory: WebAssembly.Memory;
  readonly kernelModule: WebAssembly.Module;
  readonly userItems: CsrMatrix;
  readonly itemUsers: CsrMatrix;
  readonly userFactors: Float32Array;
  readonly itemFactors: Float32Array;
  readonly factors: number;
  readonly alpha: number;
  readonly cgSteps: number;
  readonly solver: "cg" | "cholesky";
  /** YᵀY + λI of the fixed side for the current half-step, float64 (Cholesky solver, loss). */
  readonly ridgeGram: Float64Array;
  /** The same in float32, for the CG kernel. */
  readonly ridgeGram32: Float32Array;
  /** One f × f partial Gram matrix per chunk. */
  readonly gramPartials: Float32Array;
  /** One partial loss per chunk. */
  readonly lossPartials: Float64Array;
  readonly userChunks: Int32Array;
  readonly itemChunks: Int32Array;
  /** Next chunk to claim (index 0), for dynamic scheduling across workers. */
  readonly chunkCounter: Int32Array;
  /** Per-thread CG scratch (4 · f floats each) inside `memory`. */
  readonly kernelScratch: Float32Array;
}

/** What one thread holds for running chunks: its kernel instance and scratch space. */
export interface AlsThreadContext {
  readonly kernels: AlsWasmKernels;
  readonly scratch: SolverScratch;
  /** Byte offset of this thread's CG scratch in the shared memory. */
  readonly kernelScratchPointer: number;
}

export type AlsSide = "users" | "items";

export type AlsTask =
  /** Re-solve every row of `side` against the other side's factors. */
  | { readonly kind: "solve"; readonly side: AlsSide }
  /** Partial YᵀY of `side`'s factors, per chunk. */
  | { readonly kind: "gram"; readonly side: AlsSide }
  /** Partial implicit-ALS objective over user rows (ridgeGram must hold the items' YᵀY + λI). */
  | { readonly kind: "loss" };

export function chunkCount(state: AlsSharedState, task: AlsTask): number {
  const side = task.kind === "loss" ? "users" : task.side;
  return (side === "users" ? state.userChunks : state.itemChunks).length - 1;
}

export function threadContext(
  state: AlsSharedState,
  kernels: AlsWasmKernels,
  threadIndex: number,
): AlsThreadContext {
  const floats = 4 * state.factors;
  return {
    kernels,
    scratch: new SolverScratch(state.factors),
    kernelScratchPointer: state.kernelScratch.byteOffset + threadIndex * floats * 4,
  };
}

/** Runs chunk `chunk` of `task`. Safe to call concurrently for different chunks. */
export function runAlsChunk(
  state: AlsSharedState,
  task: AlsTask,
  chunk: number,
  context: AlsThreadContext,
): void {
  const f = state.factors;
  if (task.kind === "gram") {
    const bounds = task.side === "users" ? state.userChunks : state.itemChunks;
    const matrix = task.side === "users" ? state.userFactors : state.itemFactors;
    const partial = state.gramPartials.subarray(chunk * f * f, (chunk + 1) * f * f);
    partial.fill(0);
    context.kernels.gramRows(
      matrix.byteOffset,
      f,
      bounds[chunk] as number,
      bounds[chunk + 1] as number,
      partial.byteOffset,
    );
    return;
  }
  if (task.kind === "loss") {
    state.lossPartials[chunk] = userRowsLoss(
      state,
      state.userChunks[chunk] as number,
      state.userChunks[chunk + 1] as number,
    );
    return;
  }
  const users = task.side === "users";
  const matrix = users ? state.userItems : state.itemUsers;
  const x = users ? state.userFactors : state.itemFactors;
  const y = users ? state.itemFactors : state.userFactors;
  const bounds = users ? state.userChunks : state.itemChunks;
  const start = bounds[chunk] as number;
  const end = bounds[chunk + 1] as number;
  if (state.solver === "cholesky") {
    solveRowsCholesky(
      { matrix, x, y, ridgeGram: state.ridgeGram, factors: f, alpha: state.alpha },
      start,
      end,
      context.scratch,
    );
    return;
  }
  context.kernels.cgRows(
    matrix.indptr.byteOffset,
    matrix.indices.byteOffset,
    matrix.data.byteOffset,
    x.byteOffset,
    y.byteOffset,
    state.ridgeGram32.byteOffset,
    f,
    state.alpha,
    state.cgSteps,
    start,
    end,
    context.kernelScratchPointer,
  );
}

/**
 * Σ over users in [start, end) of Σ_i c_ui (p_ui − x_u·y_i)² + λ‖x_u‖², using
 * Σ_i (x·y_i)² = xᵀ(YᵀY)x so the unobserved cells cost O(f²) per user, not O(items·f).
 */
function userRowsLoss(state: AlsSharedState, start: number, end: number): number {
  const { userItems, userFactors: X, itemFactors: Y, ridgeGram: G, factors: f, alpha } = state;
  const { indptr, indices, data } = userItems;
  let loss = 0;
  for (let u = start; u < end; u++) {
    const xo = u * f;
    // xᵀ(YᵀY + λI)x covers every cell with confidence 1 and preference 0, plus the user's L2 term.
    for (let a = 0; a < f; a++) {
      const go = a * f;
      let s = 0;
      for (let k = 0; k < f; k++) s += (G[go + k] as number) * (X[xo + k] as number);
      loss += s * (X[xo + a] as number);
    }
    for (let q = indptr[u] as number; q < (indptr[u + 1] as number); q++) {
      const yo = (indices[q] as number) * f;
      const w = data[q] as number;
      let score = 0;
      for (let k = 0; k < f; k++) score += (Y[yo + k] as number) * (X[xo + k] as number);
      const extra = alpha * (w > 0 ? w : -w);
      // Observed cell: c(p − s)² = s² + extra·s² (+ c(1 − 2s) when p = 1); s² is already counted above.
      loss += extra * score * score;
      if (w > 0) loss += (1 + extra) * (1 - 2 * score);
    }
  }
  return loss;
}

/**
 * Cuts rows into `count` contiguous chunks of about equal cost, where a row costs f² (the Gram product)
 * plus nnz·f (its observed entries), the shape of one CG step.
 */
export function balancedChunks(matrix: CsrMatrix, factors: number, count: number): Int32Array {
  const rows = matrix.rows;
  const chunks = Math.max(1, Math.min(count, rows));
  const rowCost = (r: number): number =>
    factors * factors + ((matrix.indptr[r + 1] as number) - (matrix.indptr[r] as number)) * factors;
  let total = 0;
  for (let r = 0; r < rows; r++) total += rowCost(r);
  const bounds = new Int32Array(chunks + 1);
  let chunk = 1;
  let acc = 0;
  for (let r = 0; r < rows && chunk < chunks; r++) {
    acc += rowCost(r);
    if (acc >= (total * chunk) / chunks) bounds[chunk++] = r + 1;
  }
  while (chunk <= chunks) bounds[chunk++] = rows;
  return bounds;
}
