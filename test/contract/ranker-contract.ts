import { describe, expect, it } from "vitest";
import { DependencyError } from "../../layers/domain/errors/domain-errors.ts";
import type { Ranker } from "../../layers/ports/ranker.ts";
import type { ScoredItem } from "../../layers/ports/scored-item.ts";
import { type ContractSubject, useContractSubject } from "./contract-subject.ts";

export interface RankerContractSubject extends ContractSubject<Ranker> {
  /** A ranker of the same kind whose backend fails (an endpoint that is down or unknown). */
  readonly failingSubject: Ranker;
}

/** Generous, so a real endpoint on an emulator answers well within it; tests never assert on time. */
const TIMEOUT_MS = 5_000;

const CANDIDATES: readonly ScoredItem[] = [
  { itemId: "item-1", score: 0.9 },
  { itemId: "item-2", score: 0.5 },
  { itemId: "item-ü ✓", score: 0.5 },
  { itemId: "item-4", score: -0.25 },
];

export function describeRankerContract(
  adapterName: string,
  makeSubject: () => Promise<RankerContractSubject>,
): void {
  describe(`Ranker contract: ${adapterName}`, () => {
    const current = useContractSubject(makeSubject);

    it("returns one finite score per candidate, in candidate order", async () => {
      const scores = await current().subject.score("user-1", CANDIDATES, TIMEOUT_MS);
      expect(scores).toHaveLength(CANDIDATES.length);
      for (const score of scores) expect(Number.isFinite(score)).toBe(true);
    });

    it("is deterministic: the same request gives the same scores, also in another order", async () => {
      const { subject } = current();
      const first = await subject.score("user-1", CANDIDATES, TIMEOUT_MS);
      expect(await subject.score("user-1", CANDIDATES, TIMEOUT_MS)).toEqual(first);
      const reversed = await subject.score("user-1", [...CANDIDATES].reverse(), TIMEOUT_MS);
      expect(reversed).toEqual([...first].reverse());
    });

    it("scores no candidates as an empty list", async () => {
      expect(await current().subject.score("user-1", [], TIMEOUT_MS)).toEqual([]);
    });

    it("fails with DependencyError when the timeout leaves no time to answer", async () => {
      await expect(current().subject.score("user-1", CANDIDATES, 0)).rejects.toBeInstanceOf(DependencyError);
    });

    it("fails with DependencyError when its backend fails", async () => {
      await expect(current().failingSubject.score("user-1", CANDIDATES, TIMEOUT_MS)).rejects.toBeInstanceOf(
        DependencyError,
      );
    });
  });
}
