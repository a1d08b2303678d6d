import { compareSequenceNumbers } from "./sequence-numbers.ts";

/**
 * What a handler's return value means for its batch when ReportBatchItemFailures is on:
 * - `complete-success`: no failures reported; the whole batch is done.
 * - `partial-failure`: the records before `firstFailedIndex` are done; from it on, the batch failed.
 * - `invalid`: the report cannot be honoured, so the whole batch failed (AWS's "complete failure").
 */
export type BatchResponseVerdict =
  | { readonly kind: "complete-success" }
  | { readonly kind: "partial-failure"; readonly firstFailedIndex: number }
  | { readonly kind: "invalid"; readonly reason: string };

/**
 * Judges a handler's response against the sequence numbers of the batch it was given, as Lambda does for
 * Kinesis (services-kinesis-batchfailurereporting):
 * - nothing returned, or no / a null / an empty `batchItemFailures`: a complete success;
 * - an item whose `itemIdentifier` is missing (a wrong key name), null or empty: a complete failure;
 * - otherwise the record with the lowest reported sequence number is the checkpoint, and it and every
 *   record after it are retried.
 * AWS does not document a well-formed identifier that names no record of the batch; it is taken as a
 * complete failure here (so a bug in the handler loses nothing), as is a `batchItemFailures` that is not
 * an array.
 */
export function judgeBatchResponse(
  response: unknown,
  sequenceNumbers: readonly string[],
): BatchResponseVerdict {
  if (typeof response !== "object" || response === null || !("batchItemFailures" in response)) {
    return { kind: "complete-success" };
  }
  const failures = response.batchItemFailures;
  if (failures === null || failures === undefined) return { kind: "complete-success" };
  if (!Array.isArray(failures)) return { kind: "invalid", reason: "batchItemFailures is not an array" };
  if (failures.length === 0) return { kind: "complete-success" };

  const indexBySequence = new Map(sequenceNumbers.map((sequence, index) => [sequence, index]));
  let lowest: string | undefined;
  for (const failure of failures) {
    const identifier = itemIdentifierOf(failure);
    if (identifier === undefined) {
      return { kind: "invalid", reason: "a batchItemFailures entry has no itemIdentifier" };
    }
    if (identifier === "")
      return { kind: "invalid", reason: "a batchItemFailures entry has an empty itemIdentifier" };
    if (!indexBySequence.has(identifier)) {
      return {
        kind: "invalid",
        reason: `itemIdentifier ${JSON.stringify(identifier)} is not the sequence number of a record in the batch`,
      };
    }
    if (lowest === undefined || compareSequenceNumbers(identifier, lowest) < 0) lowest = identifier;
  }
  const firstFailedIndex = lowest === undefined ? undefined : indexBySequence.get(lowest);
  if (firstFailedIndex === undefined) return { kind: "complete-success" };
  return { kind: "partial-failure", firstFailedIndex };
}

/** The entry's itemIdentifier when it is a string; undefined when the key is missing, null or not a string. */
function itemIdentifierOf(failure: unknown): string | undefined {
  if (typeof failure !== "object" || failure === null || !("itemIdentifier" in failure)) return undefined;
  const identifier = failure.itemIdentifier;
  return typeof identifier === "string" ? identifier : undefined;
}
