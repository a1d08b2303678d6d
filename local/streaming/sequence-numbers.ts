/**
 * Kinesis sequence numbers are decimal strings of up to 128 digits: they compare as big integers, never
 * as strings (lengths differ) or as doubles (they lose the low digits).
 */
export function compareSequenceNumbers(a: string, b: string): number {
  const difference = BigInt(a) - BigInt(b);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}

/** Whether `value` is a well-formed sequence number (what GetShardIterator would accept). */
export function isSequenceNumber(value: string): boolean {
  return /^(0|[1-9]\d{0,128})$/.test(value);
}
