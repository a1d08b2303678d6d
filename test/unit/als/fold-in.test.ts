import { describe, expect, it } from "vitest";
import { resolveAlsParameters } from "../../../layers/domain/als/als-parameters.ts";
import { trainAls } from "../../../layers/domain/als/als-trainer.ts";
import { FoldInSolver } from "../../../layers/domain/als/fold-in.ts";
import { InvalidInputError } from "../../../layers/domain/errors/domain-errors.ts";
import { randomInteractionMatrix } from "../../support/random-matrix.ts";

const matrix = randomInteractionMatrix({ users: 150, items: 80, perUser: 8, seed: 3, negativeShare: 0.05 });

function userRow(u: number): { items: Int32Array; weights: Float32Array } {
  const start = matrix.indptr[u] as number;
  const end = matrix.indptr[u + 1] as number;
  return { items: matrix.indices.slice(start, end), weights: matrix.data.slice(start, end) };
}

describe("FoldInSolver", async () => {
  const params = resolveAlsParameters({
    factors: 10,
    iterations: 6,
    regularization: 0.08,
    alpha: 3,
    solver: "cholesky",
  });
  const trained = await trainAls(matrix, params);
  const solver = new FoldInSolver({
    factors: params.factors,
    itemFactors: trained.itemFactors,
    gram: trained.gram,
    regularization: params.regularization,
    alpha: params.alpha,
    cgSteps: params.cgSteps,
  });

  it("reproduces every trained user vector (Cholesky mode) within 1e-4", () => {
    for (let u = 0; u < matrix.rows; u++) {
      const { items, weights } = userRow(u);
      const vector = solver.foldIn(items, weights);
      for (let k = 0; k < params.factors; k++) {
        expect(
          Math.abs((vector[k] as number) - (trained.userFactors[u * params.factors + k] as number)),
        ).toBeLessThan(1e-4);
      }
    }
  });

  it("sums repeated items as the training matrix does", () => {
    const { items, weights } = userRow(5);
    const split = solver.foldIn(
      [...items, ...items],
      [...weights].flatMap((w) => [w / 2]).concat([...weights].map((w) => w / 2)),
    );
    const whole = solver.foldIn(items, weights);
    for (let k = 0; k < params.factors; k++) expect(split[k]).toBeCloseTo(whole[k] as number, 5);
  });

  it("moves the vector towards a newly clicked item", () => {
    const { items, weights } = userRow(9);
    const before = solver.foldIn(items, weights);
    const target = [...Array(matrix.cols).keys()].find((i) => !items.includes(i)) ?? 0;
    const after = solver.foldIn([...items, target], [...weights, 8]);
    const score = (v: Float32Array): number => {
      let s = 0;
      for (let k = 0; k < params.factors; k++)
        s += (v[k] as number) * (trained.itemFactors[target * params.factors + k] as number);
      return s;
    };
    expect(score(after)).toBeGreaterThan(score(before));
  });

  it("in CG mode, warm-started from the trained vector, stays close to it", () => {
    const { items, weights } = userRow(1);
    const initial = trained.userFactors.slice(params.factors, 2 * params.factors);
    const vector = solver.foldIn(items, weights, { solver: "cg", initial });
    for (let k = 0; k < params.factors; k++)
      expect(Math.abs((vector[k] as number) - (initial[k] as number))).toBeLessThan(1e-3);
  });

  it("gives the zero-history user a zero vector and rejects items outside the model", () => {
    expect([...solver.foldIn([], [])].every((x) => x === 0)).toBe(true);
    expect(() => solver.foldIn([matrix.cols], [1])).toThrow(InvalidInputError);
    expect(() => solver.foldIn([0], [Number.NaN])).toThrow(InvalidInputError);
    expect(() => solver.foldIn([0, 1], [1])).toThrow(InvalidInputError);
  });
});
