const scratch = new DataView(new ArrayBuffer(8));

/**
 * A fixed-width (16 hex digit) string whose lexicographic order is the numeric order of the finite double
 * it encodes, so a sort key can start with a time and DynamoDB's byte-wise key order is time order. The
 * IEEE 754 bits are made sortable the usual way: negative numbers have every bit flipped, others only
 * the sign bit. Times are normally whole milliseconds, but nothing here relies on that.
 */
export function sortableNumberKey(value: number): string {
  // −0 and +0 are the same time.
  scratch.setFloat64(0, value === 0 ? 0 : value);
  let high = scratch.getUint32(0);
  let low = scratch.getUint32(4);
  if (high >>> 31 === 1) {
    high = ~high >>> 0;
    low = ~low >>> 0;
  } else {
    high = (high | 0x80000000) >>> 0;
  }
  return high.toString(16).padStart(8, "0") + low.toString(16).padStart(8, "0");
}
