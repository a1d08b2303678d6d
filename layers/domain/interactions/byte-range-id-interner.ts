import type { IdIndex } from "./id-index.ts";

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;
/** Each slot packs [hash, id index + 1 (0 = empty), arena offset, byte length], so a probe touches one cache line. */
const SLOT_INTS = 4;

/**
 * Interns ids read straight out of a byte buffer (bytes[start, end), UTF-8) into an IdIndex. Known ids are
 * found by hashing and comparing bytes in place, so the loader's hot path decodes and allocates nothing per
 * row; only a new id is decoded to a string and added to the index.
 */
export class ByteRangeIdInterner {
  private readonly index: IdIndex;
  private count = 0;
  /** Open addressing with linear probing. */
  private slots = new Int32Array(2048 * SLOT_INTS);
  private mask = 2047;
  /** The bytes of every id, back to back. */
  private arena = new Uint8Array(1 << 16);
  private arenaUsed = 0;
  private lastIndex = -1;
  private lastOffset = 0;
  private lastLength = -1;

  constructor(index: IdIndex) {
    this.index = index;
    for (const id of index.ids()) {
      const bytes = Buffer.from(id, "utf8");
      this.intern(bytes, 0, bytes.length);
    }
  }

  intern(bytes: Buffer, start: number, end: number): number {
    const length = end - start;
    // Files are often grouped by user: the id just seen is the likeliest next one, and checking it skips the hash.
    if (length === this.lastLength && this.sameBytes(this.lastOffset, bytes, start, length))
      return this.lastIndex;
    let hash = FNV_OFFSET;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ (bytes[i] as number), FNV_PRIME);
    const slots = this.slots;
    const mask = this.mask;
    let slot = hash & mask;
    for (;;) {
      const base = slot * SLOT_INTS;
      const entry = slots[base + 1] as number;
      if (entry === 0) break;
      const offset = slots[base + 2] as number;
      if (
        slots[base] === hash &&
        slots[base + 3] === length &&
        this.sameBytes(offset, bytes, start, length)
      ) {
        return this.remember(entry - 1, offset, length);
      }
      slot = (slot + 1) & mask;
    }
    return this.add(bytes, start, end, hash, slot);
  }

  private remember(index: number, offset: number, length: number): number {
    this.lastIndex = index;
    this.lastOffset = offset;
    this.lastLength = length;
    return index;
  }

  private sameBytes(offset: number, bytes: Buffer, start: number, length: number): boolean {
    const arena = this.arena;
    for (let k = 0; k < length; k++) {
      if (arena[offset + k] !== bytes[start + k]) return false;
    }
    return true;
  }

  private add(bytes: Buffer, start: number, end: number, hash: number, slot: number): number {
    const id = bytes.toString("utf8", start, end);
    const added = this.index.intern(id);
    if (added !== this.count) {
      throw new Error(`id index changed behind the interner: "${id}" got ${added}, expected ${this.count}`);
    }
    const length = end - start;
    while (this.arenaUsed + length > this.arena.length) {
      const arena = new Uint8Array(this.arena.length * 2);
      arena.set(this.arena);
      this.arena = arena;
    }
    this.arena.set(bytes.subarray(start, end), this.arenaUsed);
    const base = slot * SLOT_INTS;
    this.slots[base] = hash;
    this.slots[base + 1] = added + 1;
    this.slots[base + 2] = this.arenaUsed;
    this.slots[base + 3] = length;
    this.remember(added, this.arenaUsed, length);
    this.arenaUsed += length;
    this.count++;
    // Keep the load factor at or below one half so probes stay short.
    if (this.count * 2 > this.mask + 1) this.rehash();
    return added;
  }

  private rehash(): void {
    const old = this.slots;
    const capacity = (this.mask + 1) * 2;
    const slots = new Int32Array(capacity * SLOT_INTS);
    const mask = capacity - 1;
    for (let base = 0; base < old.length; base += SLOT_INTS) {
      if (old[base + 1] === 0) continue;
      let slot = (old[base] as number) & mask;
      while (slots[slot * SLOT_INTS + 1] !== 0) slot = (slot + 1) & mask;
      slots.set(old.subarray(base, base + SLOT_INTS), slot * SLOT_INTS);
    }
    this.slots = slots;
    this.mask = mask;
  }
}
