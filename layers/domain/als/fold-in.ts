import { InvalidInputError } from "../errors/domain-errors.ts";
import { withRidge } from "../linalg/gram-matrix.ts";
import { SolverScratch, solveExactRow, solveRowsConjugateGradient } from "./least-squares-step.ts";

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

  constructor(basis: FoldInBasis) {
    const f = basis.factors;
    if (basis.gram.length !== f * f) throw new InvalidInputError(`gram must be ${f}×${f}`, "gram");
    if (basis.itemFactors.length % f !== 0)
      throw new InvalidInputError("item factors are not a multiple of factors", "itemFactors");
    this.basis = basis;
    this.itemCount = basis.itemFactors.length / f;
    this.ridgeGram = withRidge(Float64Array.from(basis.gram), f, basis.regularization);
    this.scratch = new SolverScratch(f);
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

  private aggregate(
    items: ArrayLike<number>,
    weights: ArrayLike<number>,
  ): { indices: Int32Array; values: Float32Array } {
    const sums = new Map<number, number>();
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as number;
      const weight = weights[i] as number;
      if (!Number.isInteger(item) || item < 0 || item >= this.itemCount) {
        throw new InvalidInputError(
          `item index ${item} is outside the model (0..${this.itemCount - 1})`,
          "items",
        );
      }
      if (!Number.isFinite(weight)) throw new InvalidInputError(`weight ${weight} is not finite`, "weights");
      sums.set(item, (sums.get(item) ?? 0) + weight);
    }
    const entries = [...sums.entries()].filter(([, w]) => w !== 0).sort((a, b) => a[0] - b[0]);
    return {
      indices: Int32Array.from(entries, ([item]) => item),
      values: Float32Array.from(entries, ([, w]) => w),
    };
  }
}
