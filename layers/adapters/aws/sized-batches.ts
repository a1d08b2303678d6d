/**
 * Splits items, in order, into batches of at most `maxItems` items and `maxBytes` bytes (by each item's
 * `bytes`). An item larger than `maxBytes` on its own still gets a batch of its own: callers reject oversized
 * items before batching. Kinesis PutRecords and Kafka sends are both cut this way.
 */
export function sizedBatches<T extends { readonly bytes: number }>(
  items: readonly T[],
  maxItems: number,
  maxBytes: number,
): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let currentBytes = 0;
  for (const item of items) {
    if (current.length > 0 && (current.length === maxItems || currentBytes + item.bytes > maxBytes)) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(item);
    currentBytes += item.bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
