import { InvalidInputError } from "../errors/domain-errors.ts";
import { withRidge } from "../linalg/gram-matrix.ts";
import { SolverScratch, solveExactRow, solveRowsConjugateGradient } from "./least-squares-step.ts";
import { type AlsWasmKernels, alsKernelModule, instantiateKernels, WasmArena } from "./wasm/wasm-kernels.ts";

/** Interactions per fold-in that the WebAssembly path takes; longer histories use the JavaScript solve. */
const WASM_MAX_INTERACTIONS = 4096;

/** The item factors, Gram matrix and scratch of one model, laid out in wasm memory once per solver. */
interface WasmFoldIn {
  readonly kernels: AlsWasmKernels;
  readonly itemFactors: Float32Array;
  readonly ridgeGram: Float64Array;
  readonly indices: Int32Array;
  readonly weights: Float32Array;
  readonly a: Float64Array;
  readonly b: Float64Array;
}

/** What fold-in needs from a trained model: fixed item factors, their Gram matrix and the hyper-parameters. */
export interface FoldInBasis {
  readonly factors: number;
  readonly itemFactors: Float32Array;
  /** YᵀY without regularization (as stored in the model artifact). */
  readonly gram: Float32Array;
  readonly regularization: number;
  readonly alpha: number;
  readonly cgSteps: number;
}

export interface FoldInOptions {
  /**
   * `cholesky` (default) solves the user's least-squares problem exactly — the minimiser that every
   * ALS user step moves towards. `cg` runs the training step's conjugate-gradient updates, warm-started
   * from `initial` (the stored vector) or zero.
   */
  readonly solver?: "cholesky" | "cg";
  readonly initial?: Float32Array;
}

/**
 * Computes user taste vectors against a fixed model. Holds YᵀY + λI and scratch space, so one instance
 * serves many users with no allocation beyond the result. Not safe to share across threads.
 */
export class FoldInSolver {
  private readonly basis: FoldInBasis;
  private readonly ridgeGram: Float64Array;
  private readonly scratch: SolverScratch;
  private readonly itemCount: number;
  private readonly wasm: WasmFoldIn;

  constructor(basis: FoldInBasis) {
    const f = basis.factors;
    if (basis.gram.length !== f * f) throw new InvalidInputError(`gram must be ${f}×${f}`, "gram");
    if (basis.itemFactors.length % f !== 0)
      throw new InvalidInputError("item factors are not a multiple of factors", "itemFactors");
    this.basis = basis;
    this.itemCount = basis.itemFactors.length / f;
    this.ridgeGram = withRidge(Float64Array.from(basis.gram), f, basis.regularization);
    this.scratch = new SolverScratch(f);
    this.wasm = layOutWasmFoldIn(basis, this.ridgeGram);
  }

  /**
   * The user's vector from their interactions: item indices into the model and raw weights (the same
   * event-type weights as training). Repeated items are summed, as the trainer's matrix sums them.
   */
  foldIn(items: ArrayLike<number>, weights: ArrayLike<number>, options: FoldInOptions = {}): Float32Array {
    if (items.length !== weights.length)
      throw new InvalidInputError("items and weights differ in length", "weights");
    const { indices, values } = this.aggregate(items, weights);
    const f = this.basis.factors;
    if (options.solver === "cg") {
      const x = options.initial ? Float32Array.from(options.initial) : new Float32Array(f);
      if (x.length !== f) throw new InvalidInputError(`initial vector must have ${f} dimensions`, "initial");
      solveRowsConjugateGradient(
        {
          matrix: {
            rows: 1,
            cols: this.itemCount,
            indptr: Int32Array.of(0, indices.length),
            indices,
            data: values,
          },
          x,
          y: this.basis.itemFactors,
          ridgeGram: this.ridgeGram,
          factors: f,
          alpha: this.basis.alpha,
        },
        this.basis.cgSteps,
        0,
        1,
        this.scratch,
      );
      return x;
    }
    if (indices.length <= WASM_MAX_INTERACTIONS) return this.solveExactInWasm(indices, values);
    solveExactRow(
      this.basis.itemFactors,
      this.ridgeGram,
      f,
      this.basis.alpha,
      indices,
      values,
      0,
      indices.length,
      this.scratch,
    );
    return Float32Array.from(this.scratch.x);
  }

  /** The same exact solve as solveExactRow, in float64 WebAssembly SIMD (several times faster). */
  private solveExactInWasm(indices: Int32Array, values: Float32Array): Float32Array {
    const w = this.wasm;
    w.indices.set(indices);
    w.weights.set(values);
    const solved = w.kernels.solveExactRow(
      w.itemFactors.byteOffset,
      w.indices.byteOffset,
      w.weights.byteOffset,
      indices.length,
      w.ridgeGram.byteOffset,
      this.basis.factors,
      this.basis.alpha,
      w.a.byteOffset,
      w.b.byteOffset,
    );
    // Only reachable with λ = 0 and a degenerate item set; a zero vector is the safe, neutral answer.
    return solved === 1 ? Float32Array.from(w.b) : new Float32Array(this.basis.factors);
  }

  /**
   * Sums repeated items and drops zero totals, as the trainer's matrix does. Sorting a copy of the indices
   * (a typed-array sort, no Map or object per item) keeps this cheap on the real-time path.
   */
  private aggregate(
    items: ArrayLike<number>,
    weights: ArrayLike<number>,
  ): { indices: Int32Array; values: Float32Array } {
    const n = items.length;
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const item = items[i] as number;
      const weight = weights[i] as number;
      if (!Number.isInteger(item) || item < 0 || item >= this.itemCount) {
        throw new InvalidInputError(
          `item index ${item} is outside the model (0..${this.itemCount - 1})`,
          "items",
        );
      }
      if (!Number.isFinite(weight)) throw new InvalidInputError(`weight ${weight} is not finite`, "weights");
      order[i] = i;
    }
    order.sort((a, b) => (items[a] as number) - (items[b] as number) || a - b);
    const indices = new Int32Array(n);
    const values = new Float32Array(n);
    let count = 0;
    for (let p = 0; p < n; ) {
      const item = items[order[p] as number] as number;
      let sum = 0;
      while (p < n && items[order[p] as number] === item) sum += weights[order[p++] as number] as number;
      if (sum !== 0) {
        indices[count] = item;
        values[count] = sum;
        count++;
      }
    }
    return { indices: indices.subarray(0, count), values: values.subarray(0, count) };
  }
}

function layOutWasmFoldIn(basis: FoldInBasis, ridgeGram: Float64Array): WasmFoldIn {
  const f = basis.factors;
  const arena = new WasmArena(
    WasmArena.bytesFor([
      basis.itemFactors.byteLength,
      ridgeGram.byteLength,
      WASM_MAX_INTERACTIONS * 4,
      WASM_MAX_INTERACTIONS * 4,
      f * f * 8,
      f * 8,
    ]),
  );
  const itemFactors = arena.float32(basis.itemFactors.length);
  itemFactors.set(basis.itemFactors);
  const ridge = arena.float64(ridgeGram.length);
  ridge.set(ridgeGram);
  return {
    kernels: instantiateKernels(alsKernelModule(), arena.memory),
    itemFactors,
    ridgeGram: ridge,
    indices: arena.int32(WASM_MAX_INTERACTIONS),
    weights: arena.float32(WASM_MAX_INTERACTIONS),
    a: arena.float64(f * f),
    b: arena.float64(f),
  };
}
