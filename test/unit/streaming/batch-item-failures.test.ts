import { describe, expect, it } from "vitest";
import { judgeBatchResponse } from "../../../local/streaming/batch-item-failures.ts";

// Sequence numbers of different lengths: "99" < "100" as numbers, not as strings.
const batch = ["97", "98", "99", "100", "101"];

describe("judgeBatchResponse", () => {
  it.each([
    ["nothing", undefined],
    ["null", null],
    ["an object without batchItemFailures", { status: "ok" }],
    ["a null list", { batchItemFailures: null }],
    ["an empty list", { batchItemFailures: [] }],
    ["a string", "done"],
  ])("takes %s as a complete success", (_, response) => {
    expect(judgeBatchResponse(response, batch)).toEqual({ kind: "complete-success" });
  });

  it("points at the lowest reported sequence number, compared as a number", () => {
    const response = {
      batchItemFailures: [{ itemIdentifier: "101" }, { itemIdentifier: "100" }, { itemIdentifier: "99" }],
    };
    expect(judgeBatchResponse(response, batch)).toEqual({ kind: "partial-failure", firstFailedIndex: 2 });
  });

  it("accepts the first record as the failure (nothing succeeded)", () => {
    expect(judgeBatchResponse({ batchItemFailures: [{ itemIdentifier: "97" }] }, batch)).toEqual({
      kind: "partial-failure",
      firstFailedIndex: 0,
    });
  });

  it.each([
    ["an empty itemIdentifier", { batchItemFailures: [{ itemIdentifier: "" }] }, /empty itemIdentifier/],
    ["a null itemIdentifier", { batchItemFailures: [{ itemIdentifier: null }] }, /no itemIdentifier/],
    ["a wrong key name", { batchItemFailures: [{ sequenceNumber: "99" }] }, /no itemIdentifier/],
    ["a number instead of a string", { batchItemFailures: [{ itemIdentifier: 99 }] }, /no itemIdentifier/],
    [
      "a sequence number not in the batch",
      { batchItemFailures: [{ itemIdentifier: "42" }] },
      /not the sequence number/,
    ],
    ["a list that is not an array", { batchItemFailures: { itemIdentifier: "99" } }, /not an array/],
  ])("takes %s as a failure of the whole batch", (_, response, reason) => {
    const verdict = judgeBatchResponse(response, batch);
    expect(verdict.kind).toBe("invalid");
    expect(verdict.kind === "invalid" ? verdict.reason : "").toMatch(reason);
  });

  it("fails the whole batch when one entry of several is invalid", () => {
    const response = { batchItemFailures: [{ itemIdentifier: "99" }, { itemIdentifier: "" }] };
    expect(judgeBatchResponse(response, batch).kind).toBe("invalid");
  });
});
