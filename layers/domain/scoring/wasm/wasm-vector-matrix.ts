import { type InnerProductKernel, instantiateInnerProductKernel } from "./inner-product-kernel.ts";

const PAGE_BYTES = 65_536;
/** A wasm32 memory addresses at most 4 GiB. */
const MAX_PAGES = 65_536;
const ALIGN = 16;

/**
 * Row-major float32 vectors in a WebAssembly memory of their own, scored against a query by the SIMD
 * inner-product kernel in one call. The memory grows as rows are added (at least doubling, so n rows cost
 * O(n) copying in total; growing in place copies nothing at all).
 *
 * Layout: the query at 0, the rows after it, and one float32 score per row after the rows. The scores
 * move when the memory grows; they are scratch, rewritten by every scan.
 *
 * Unlike WasmArena (one fixed shared memory for a training run), this memory is not shared and grows,
 * so every view of it is re-made after a grow, which detaches the old buffer.
 */
export class WasmVectorMatrix {
  readonly dimensions: number;
  private readonly memory: WebAssembly.Memory;
  private readonly kernel: InnerProductKernel;
  private readonly rowBytes: number;
  private readonly rowsPointer: number;
  private rowCapacity = 0;
  private scoresPointer = 0;
  private query: Float32Array;
  private rows: Float32Array;
  private scores: Float32Array;

  constructor(dimensions: number, initialRows = 1) {
    if (!Number.isInteger(dimensions) || dimensions < 1) {
      throw new RangeError(`dimensions must be a positive integer, got ${dimensions}`);
    }
    this.dimensions = dimensions;
    this.rowBytes = dimensions * 4;
    this.rowsPointer = alignUp(this.rowBytes);
    this.memory = new WebAssembly.Memory({ initial: this.pagesFor(Math.max(1, initialRows)) });
    this.kernel = instantiateInnerProductKernel(this.memory);
    this.query = new Float32Array(0);
    this.rows = new Float32Array(0);
    this.scores = new Float32Array(0);
    this.layOut();
  }

  /** Rows that fit without growing. */
  get capacity(): number {
    return this.rowCapacity;
  }

  /** Makes room for `rows` rows, keeping every row already written. */
  reserve(rows: number): void {
    if (rows <= this.rowCapacity) return;
    if (this.pagesFor(rows) > MAX_PAGES) {
      throw new RangeError(
        `${rows} vectors of ${this.dimensions} dimensions do not fit in the 4 GiB of a wasm32 memory`,
      );
    }
    const pages = Math.min(this.pagesFor(Math.max(rows, this.rowCapacity * 2)), MAX_PAGES);
    this.memory.grow(pages - this.memory.buffer.byteLength / PAGE_BYTES);
    this.layOut();
  }

  setRow(row: number, vector: Float32Array): void {
    this.requireRow(row);
    if (vector.length !== this.dimensions) {
      throw new RangeError(`vector has ${vector.length} values, expected ${this.dimensions}`);
    }
    this.rows.set(vector, row * this.dimensions);
  }

  /** Overwrites row `to` with row `from`. */
  copyRow(from: number, to: number): void {
    this.requireRow(from);
    this.requireRow(to);
    const d = this.dimensions;
    this.rows.copyWithin(to * d, from * d, (from + 1) * d);
  }

  /**
   * The inner product of `query` with each of the first `rowCount` rows, as float32. The result is a view
   * of the matrix's scratch: valid until the next scan or reserve, and the caller may overwrite it.
   */
  innerProducts(query: Float32Array, rowCount: number): Float32Array {
    if (query.length !== this.dimensions) {
      throw new RangeError(`query has ${query.length} values, expected ${this.dimensions}`);
    }
    if (!Number.isInteger(rowCount) || rowCount < 0 || rowCount > this.rowCapacity) {
      throw new RangeError(`rowCount must be an integer from 0 to ${this.rowCapacity}, got ${rowCount}`);
    }
    this.query.set(query);
    this.kernel.innerProducts(rowCount, this.dimensions, this.rowsPointer, 0, this.scoresPointer);
    return this.scores.subarray(0, rowCount);
  }

  /** Pages for `rows` rows, the query and their scores, with room for aligning the scores. */
  private pagesFor(rows: number): number {
    return Math.ceil((this.rowsPointer + rows * (this.rowBytes + 4) + ALIGN) / PAGE_BYTES);
  }

  /** Fills the memory with as many rows as it holds and re-makes the views over its (new) buffer. */
  private layOut(): void {
    const buffer = this.memory.buffer;
    this.rowCapacity = Math.floor((buffer.byteLength - this.rowsPointer - ALIGN) / (this.rowBytes + 4));
    this.scoresPointer = alignUp(this.rowsPointer + this.rowCapacity * this.rowBytes);
    this.query = new Float32Array(buffer, 0, this.dimensions);
    this.rows = new Float32Array(buffer, this.rowsPointer, this.rowCapacity * this.dimensions);
    this.scores = new Float32Array(buffer, this.scoresPointer, this.rowCapacity);
  }

  private requireRow(row: number): void {
    if (!Number.isInteger(row) || row < 0 || row >= this.rowCapacity) {
      throw new RangeError(`row must be an integer from 0 to ${this.rowCapacity - 1}, got ${row}`);
    }
  }
}

function alignUp(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}
