import type { WorkloadAssumptions } from "./workload-model.ts";

/**
 * The byte size of each DynamoDB item Flywheel writes, by DynamoDB's own rules (Developer Guide, "Item
 * sizes and formats"): every attribute counts its name's UTF-8 bytes plus its value; a string its UTF-8
 * bytes, a binary its bytes, a number about one byte per two significant digits plus one, a boolean or
 * null one byte, a list or map 3 bytes plus one byte per element plus the elements. Units follow from the
 * size: a write is 1 WRU per started KB, a strongly consistent read 1 RRU per started 4 KB, a
 * transactional request twice that. Storage adds 100 bytes of index overhead per item.
 *
 * The shapes are read from the adapters that write them; each function names its file.
 */

export const WRITE_UNIT_BYTES = 1024;
export const READ_UNIT_BYTES = 4096;
export const STORAGE_OVERHEAD_BYTES_PER_ITEM = 100;

const stringAttribute = (name: string, bytes: number): number => name.length + bytes;
const numberAttribute = (name: string, significantDigits: number): number =>
  name.length + Math.ceil(significantDigits / 2) + 1;
const binaryAttribute = (name: string, bytes: number): number => name.length + bytes;
const listOfStrings = (name: string, count: number, bytesEach: number): number =>
  name.length + 3 + count * (bytesEach + 1);

/** Epoch milliseconds (13 digits) and epoch seconds (10 digits). */
const EPOCH_MS_DIGITS = 13;
const EPOCH_S_DIGITS = 10;
/** `newModelVersion` (layers/domain/model/model-version.ts): "20250601t000000z-1a2b3c4d". */
const MODEL_VERSION_BYTES = 25;
/** A sortableNumberKey (layers/adapters/aws/dynamodb/sortable-number-key.ts): 16 hex digits. */
const SORTABLE_KEY_BYTES = 16;

/** Write units of one item (a Put or an Update bills the larger image; both are this size). */
export function writeUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / WRITE_UNIT_BYTES));
}

/** Strongly consistent read units of one item (GetItem, or one key of a BatchGetItem). */
export function readUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / READ_UNIT_BYTES));
}

/** A strongly consistent Query bills the items it returns together, rounded up to 4 KB (at least 1 unit). */
export function queryReadUnits(totalBytes: number): number {
  return Math.max(1, Math.ceil(totalBytes / READ_UNIT_BYTES));
}

/** An interaction record (layers/adapters/aws/dynamodb/dynamodb-interaction-log.ts, `itemsOf`). */
export function interactionRecordBytes(a: WorkloadAssumptions): number {
  return (
    stringAttribute("pk", "USER#".length + a.idBytes) +
    stringAttribute("sk", SORTABLE_KEY_BYTES + 1 + a.eventIdBytes) +
    stringAttribute("eventId", a.eventIdBytes) +
    stringAttribute("userId", a.idBytes) +
    stringAttribute("itemId", a.idBytes) +
    stringAttribute("type", "click".length) +
    numberAttribute("weight", 2) +
    numberAttribute("occurredAt", EPOCH_MS_DIGITS) +
    // Present on attributed events only; counted on every record, which keeps the size an upper bound.
    stringAttribute("recommendationId", a.eventIdBytes) +
    numberAttribute("expiresAtSeconds", EPOCH_S_DIGITS)
  );
}

/** The per-event dedupe marker written in the same transaction (same file, `markerKey`). */
export function interactionMarkerBytes(a: WorkloadAssumptions): number {
  return (
    stringAttribute("pk", "EVENT#".length + a.eventIdBytes) +
    stringAttribute("sk", "EVENT".length) +
    numberAttribute("expiresAtSeconds", EPOCH_S_DIGITS)
  );
}

/** A user profile (layers/adapters/aws/dynamodb/dynamodb-profile-store.ts, `put`); ~100 B of attributes assumed. */
export function profileBytes(a: WorkloadAssumptions, factors: number): number {
  return (
    stringAttribute("userId", a.idBytes) +
    binaryAttribute("vector", 4 * factors) +
    stringAttribute("modelVersion", MODEL_VERSION_BYTES) +
    numberAttribute("interactionCount", 3) +
    numberAttribute("lastInteractionAt", EPOCH_MS_DIGITS) +
    "attributes".length +
    3 +
    100 +
    numberAttribute("updatedAt", EPOCH_MS_DIGITS) +
    numberAttribute("revision", 4)
  );
}

/** A nightly entry (layers/adapters/aws/dynamodb/dynamodb-batch-rec-store.ts, `putMany`). */
export function batchRecommendationsBytes(a: WorkloadAssumptions, historyLength: number): number {
  return (
    stringAttribute("userId", a.idBytes) +
    stringAttribute("modelVersion", MODEL_VERSION_BYTES) +
    listOfStrings("itemIds", a.batchRecsPerUser, a.idBytes) +
    binaryAttribute("scores", 8 * a.batchRecsPerUser) +
    numberAttribute("generatedAt", EPOCH_MS_DIGITS) +
    numberAttribute("expiresAt", EPOCH_MS_DIGITS) +
    numberAttribute("expiresAtSeconds", EPOCH_S_DIGITS) +
    (historyLength > 0
      ? listOfStrings("historyItemIds", Math.ceil(historyLength), a.idBytes) +
        binaryAttribute("historyWeights", 4 * Math.ceil(historyLength))
      : 0)
  );
}

/**
 * A catalog item (layers/adapters/aws/dynamodb/dynamodb-item-catalog.ts, `itemToStore`); a 40-byte title,
 * 16-byte category names and ~150 B of attributes assumed.
 */
export function catalogItemBytes(a: WorkloadAssumptions): number {
  return (
    stringAttribute("itemId", a.idBytes) +
    stringAttribute("title", 40) +
    listOfStrings("categories", a.categoriesPerItem, 16) +
    "available".length +
    1 +
    "hidden".length +
    1 +
    "attributes".length +
    3 +
    150 +
    numberAttribute("updatedAt", EPOCH_MS_DIGITS)
  );
}

/** A served list (layers/adapters/aws/dynamodb/dynamodb-recommendation-log.ts, `recordServed`). */
export function servedListBytes(a: WorkloadAssumptions): number {
  return (
    stringAttribute("pk", "SERVED#".length + a.eventIdBytes) +
    stringAttribute("sk", "SERVED".length) +
    stringAttribute("recommendationId", a.eventIdBytes) +
    stringAttribute("userId", a.idBytes) +
    stringAttribute("source", "realtime".length) +
    stringAttribute("modelVersion", MODEL_VERSION_BYTES) +
    listOfStrings("itemIds", a.listLimit, a.idBytes) +
    numberAttribute("servedAt", EPOCH_MS_DIGITS) +
    numberAttribute("expiresAtSeconds", EPOCH_S_DIGITS)
  );
}

/** A feedback marker (same file, `recordFeedback`); an impression's event id is "<uuid>.impression". */
export function feedbackMarkerBytes(a: WorkloadAssumptions): number {
  return (
    stringAttribute("pk", "FEEDBACK#".length + a.eventIdBytes + ".impression".length) +
    stringAttribute("sk", "FEEDBACK".length) +
    stringAttribute("recommendationId", a.eventIdBytes) +
    stringAttribute("kind", "impression".length) +
    numberAttribute("expiresAtSeconds", EPOCH_S_DIGITS)
  );
}

/** A feedback counter (same file): pk COUNTERS#<shard>, sk ["source","version"], three counts. */
export function feedbackCounterBytes(): number {
  return (
    stringAttribute("pk", "COUNTERS#7".length) +
    stringAttribute("sk", `["realtime",""]`.length + MODEL_VERSION_BYTES) +
    stringAttribute("source", "realtime".length) +
    stringAttribute("modelVersion", MODEL_VERSION_BYTES) +
    numberAttribute("impressions", 12) +
    numberAttribute("clicks", 12) +
    numberAttribute("conversions", 12)
  );
}
