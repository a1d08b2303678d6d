import { describe, expect, it } from "vitest";
import { resolveAlsParameters } from "../../../layers/domain/als/als-parameters.ts";
import { trainAls } from "../../../layers/domain/als/als-trainer.ts";
import { gramMatrix } from "../../../layers/domain/linalg/gram-matrix.ts";
import { randomInteractionMatrix } from "../../support/random-matrix.ts";

const matrix = randomInteractionMatrix({ users: 120, items: 60, perUser: 6, seed: 7, negativeShare: 0.05 });

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

describe("trainAls", () => {
  it.each(["cholesky", "cg"] as const)("lowers the loss every iteration (%s)", async (solver) => {
    const params = resolveAlsParameters({ factors: 8, iterations: 8, regularization: 0.1, alpha: 4, solver });
    const result = await trainAls(matrix, params, { computeLoss: true });
    expect(result.losses).toHaveLength(8);
    for (let i = 1; i < result.losses.length; i++) {
      expect(result.losses[i] as number).toBeLessThan(result.losses[i - 1] as number);
    }
  });

  it("returns factors of the right shape and the Gram matrix of the final item factors", async () => {
    const params = resolveAlsParameters({ factors: 6, iterations: 3 });
    const result = await trainAls(matrix, params);
    expect(result.userFactors).toHaveLength(matrix.rows * 6);
    expect(result.itemFactors).toHaveLength(matrix.cols * 6);
    const expected = Float32Array.from(gramMatrix(result.itemFactors, matrix.cols, 6));
    expect(maxAbsDiff(result.gram, expected)).toBeLessThan(1e-5);
    expect(result.userFactors.every(Number.isFinite)).toBe(true);
  });

  it("is deterministic for a seed, and the same on one thread and on two", async () => {
    const params = resolveAlsParameters({ factors: 8, iterations: 4, seed: 11 });
    const first = await trainAls(matrix, params);
    const again = await trainAls(matrix, params);
    const threaded = await trainAls(matrix, { ...params, threads: 2 });
    expect(maxAbsDiff(first.userFactors, again.userFactors)).toBe(0);
    expect(maxAbsDiff(first.itemFactors, again.itemFactors)).toBe(0);
    expect(maxAbsDiff(first.userFactors, threaded.userFactors)).toBe(0);
    expect(maxAbsDiff(first.itemFactors, threaded.itemFactors)).toBe(0);
    const otherSeed = await trainAls(matrix, { ...params, seed: 12 });
    expect(maxAbsDiff(first.itemFactors, otherSeed.itemFactors)).toBeGreaterThan(0);
  });

  it("conjugate gradient with many steps converges to the exact solve", async () => {
    const base = { factors: 6, iterations: 5, regularization: 0.1, alpha: 2 };
    const exact = await trainAls(matrix, resolveAlsParameters({ ...base, solver: "cholesky" }));
    const cg = await trainAls(matrix, resolveAlsParameters({ ...base, solver: "cg", cgSteps: 30 }));
    expect(maxAbsDiff(exact.userFactors, cg.userFactors)).toBeLessThan(1e-3);
  });

  it("scores a user's own items above the rest after training", async () => {
    const params = resolveAlsParameters({ factors: 8, iterations: 10, regularization: 0.05, alpha: 10 });
    const result = await trainAls(matrix, params);
    let ownAverage = 0;
    let ownCount = 0;
    let otherAverage = 0;
    let otherCount = 0;
    for (let u = 0; u < matrix.rows; u++) {
      const own = new Set<number>();
      for (let q = matrix.indptr[u] as number; q < (matrix.indptr[u + 1] as number); q++) {
        if ((matrix.data[q] as number) > 0) own.add(matrix.indices[q] as number);
      }
      for (let i = 0; i < matrix.cols; i++) {
        let s = 0;
        for (let k = 0; k < 8; k++)
          s += (result.userFactors[u * 8 + k] as number) * (result.itemFactors[i * 8 + k] as number);
        if (own.has(i)) {
          ownAverage += s;
          ownCount++;
        } else {
          otherAverage += s;
          otherCount++;
        }
      }
    }
    expect(ownAverage / ownCount).toBeGreaterThan(3 * (otherAverage / otherCount));
  });
});
