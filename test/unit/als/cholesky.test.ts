import { describe, expect, it } from "vitest";
import { choleskySolveInPlace } from "../../../layers/domain/linalg/cholesky.ts";

describe("choleskySolveInPlace", () => {
  it("solves a hand-computed 3×3 system", () => {
    // A = [[4,2,0],[2,5,1],[0,1,3]], x = [1,2,3] → b = A x = [8,15,11].
    const a = Float64Array.of(4, 2, 0, 2, 5, 1, 0, 1, 3);
    const b = Float64Array.of(8, 15, 11);
    expect(choleskySolveInPlace(a, b, 3)).toBe(true);
    expect([...b].map((v) => Number(v.toFixed(10)))).toEqual([1, 2, 3]);
  });

  it("reports a matrix that is not positive definite", () => {
    expect(choleskySolveInPlace(Float64Array.of(1, 2, 2, 1), Float64Array.of(1, 1), 2)).toBe(false);
  });
});
