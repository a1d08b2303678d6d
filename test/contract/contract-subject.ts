import { afterEach, beforeEach } from "vitest";
import type { ManualClock } from "./manual-clock.ts";

/**
 * What a contract suite's factory returns for one test: the adapter under test and how to release it.
 * The factory is called before every test; it may build a fresh adapter or hand out a shared one.
 */
export interface ContractSubject<Port> {
  readonly subject: Port;
  /**
   * The clock the adapter reads, when tests may move it (build the adapter with `clock: clock.now`).
   * Leave it out when the backing service keeps its own time (Redis TTLs, for instance): the behaviours that
   * need time to pass are then not checked, and everything else in those tests still is.
   */
  readonly clock?: ManualClock;
  cleanup(): Promise<void>;
}

/**
 * Registers an awaited setup and teardown around every test of the enclosing describe, and returns an
 * accessor for the current subject. Teardown runs even when the test fails.
 */
export function useContractSubject<Subject extends { cleanup(): Promise<void> }>(
  makeSubject: () => Promise<Subject>,
): () => Subject {
  let current: Subject | undefined;
  beforeEach(async () => {
    current = await makeSubject();
  });
  afterEach(async () => {
    const finished = current;
    current = undefined;
    await finished?.cleanup();
  });
  return () => {
    if (current === undefined) throw new Error("the contract subject is only available inside a test");
    return current;
  };
}

/** The time the adapter sees: its manual clock when it has one, the wall clock otherwise. */
export function nowOf(subject: { readonly clock?: ManualClock }): number {
  return subject.clock?.now() ?? Date.now();
}
