import { describe, expect, it } from "vitest";
import { DependencyError } from "../../../layers/domain/errors/domain-errors.ts";
import { eventually } from "./wait-until.ts";

// The polling helper the local-cloud tests wait with: no emulator needed.
describe("eventually", () => {
  it("reads again after a retryable dependency failure, until the state is reached", async () => {
    const answers: Array<number | Error> = [1, new DependencyError("dynamodb", "read: timed out"), 2, 3];
    const read = async () => {
      const next = answers.shift();
      if (next instanceof Error) throw next;
      return next ?? 3;
    };
    await expect(eventually(read, (value) => value === 3, 5_000)).resolves.toBe(3);
    expect(answers).toEqual([]);
  });

  it("fails at once on any other error", async () => {
    let reads = 0;
    const read = async (): Promise<number> => {
      reads += 1;
      throw new TypeError("a bug, not a slow emulator");
    };
    await expect(eventually(read, () => true, 5_000)).rejects.toThrow(TypeError);
    const notRetryable = async (): Promise<number> => {
      throw new DependencyError("dynamodb", "access denied", { retryable: false });
    };
    await expect(eventually(notRetryable, () => true, 5_000)).rejects.toThrow(/access denied/);
    expect(reads).toBe(1);
  });

  it("names the last failure when the deadline passes while reads fail", async () => {
    const read = async (): Promise<number> => {
      throw new DependencyError("dynamodb", "read: timed out");
    };
    await expect(eventually(read, () => true, 300)).rejects.toThrow(
      /timed out after 300 ms waiting until the expected state \(the last read failed: dynamodb: read: timed out\)/,
    );
  });
});
