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

describe("FoldInSolver exact paths", () => {
  it("the WebAssembly solve agrees with the JavaScript solve, for short and for very long histories", async () => {
    const { solveExactRow, SolverScratch } = await import("../../../layers/domain/als/least-squares-step.ts");
    const { withRidge, gramMatrix } = await import("../../../layers/domain/linalg/gram-matrix.ts");
    const { SeededRandom } = await import("../../../layers/domain/random/seeded-random.ts");
    const f = 12;
    const items = 6000;
    const random = new SeededRandom(21);
    const itemFactors = Float32Array.from({ length: items * f }, () => random.nextGaussian() * 0.2);
    const gram = Float32Array.from(gramMatrix(itemFactors, items, f));
    const solver = new FoldInSolver({
      factors: f,
      itemFactors,
      gram,
      regularization: 0.1,
      alpha: 2,
      cgSteps: 3,
    });
    const ridge = withRidge(Float64Array.from(gram), f, 0.1);
    // 40 items takes the WebAssembly path; 5000 (over its 4096 limit) the JavaScript one.
    for (const length of [40, 5000]) {
      const indices = Int32Array.from({ length }, (_, i) => (i * 7) % items).sort();
      const weights = Float32Array.from({ length }, (_, i) => (i % 9 === 0 ? -1 : 1 + (i % 4)));
      const scratch = new SolverScratch(f);
      solveExactRow(itemFactors, ridge, f, 2, indices, weights, 0, length, scratch);
      const vector = solver.foldIn(indices, weights);
      for (let k = 0; k < f; k++) expect(vector[k]).toBeCloseTo(scratch.x[k] as number, 5);
    }
  });
});
