import { endianness } from "node:os";
import { CorruptDataError } from "../../../domain/errors/domain-errors.ts";

// Typed arrays use the platform's byte order. Stored vectors are little-endian on every platform (the model
// artifact's order too), so a big-endian host swaps bytes; a little-endian one copies them unchanged.
const HOST_IS_LITTLE_ENDIAN = endianness() === "LE";

/**
 * The little-endian bytes of a typed array, copied. Bytes are moved, never values, so every bit survives:
 * −0, subnormals and NaN payloads included (a DataView float round trip may canonicalise NaNs).
 */
export function toLittleEndianBytes(values: Float32Array | Float64Array): Uint8Array {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
  if (!HOST_IS_LITTLE_ENDIAN) swapEachGroup(bytes, values.BYTES_PER_ELEMENT);
  return bytes;
}

export function float32FromLittleEndian(bytes: Uint8Array, what: string): Float32Array {
  return new Float32Array(alignedCopy(bytes, Float32Array.BYTES_PER_ELEMENT, what));
}

export function float64FromLittleEndian(bytes: Uint8Array, what: string): Float64Array {
  return new Float64Array(alignedCopy(bytes, Float64Array.BYTES_PER_ELEMENT, what));
}

/** A fresh buffer (the SDK's Uint8Array may start at an offset a typed array cannot be laid over). */
function alignedCopy(bytes: Uint8Array, elementBytes: number, what: string): ArrayBuffer {
  if (bytes.byteLength % elementBytes !== 0) {
    throw new CorruptDataError(
      `${what}: ${bytes.byteLength} bytes is not a whole number of ${elementBytes}-byte values`,
    );
  }
  const copy = bytes.slice();
  if (!HOST_IS_LITTLE_ENDIAN) swapEachGroup(copy, elementBytes);
  return copy.buffer;
}

function swapEachGroup(bytes: Uint8Array, groupBytes: number): void {
  for (let start = 0; start < bytes.length; start += groupBytes) {
    bytes.subarray(start, start + groupBytes).reverse();
  }
}
