import type { InteractionTable } from "../interactions/interaction-table.ts";

/**
 * Compressed sparse rows. Arrays may be backed by a SharedArrayBuffer so worker threads read them without copies.
 * Row r's entries are indices[indptr[r] .. indptr[r+1]) with values in data at the same positions,
 * column indices ascending within a row.
 */
export interface CsrMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly data: Float32Array;
}

export interface CsrOptions {
  /** Back the arrays with SharedArrayBuffer (for worker threads). */
  readonly shared?: boolean;
}

function int32(length: number, shared: boolean): Int32Array {
  return shared ? new Int32Array(new SharedArrayBuffer(length * 4)) : new Int32Array(length);
}

function float32(length: number, shared: boolean): Float32Array {
  return shared ? new Float32Array(new SharedArrayBuffer(length * 4)) : new Float32Array(length);
}

/**
 * Builds the user × item matrix from interactions; repeated (user, item) pairs are summed.
 * Rows with weight exactly 0 after summing are dropped (impressions do not train).
 */
export function csrFromInteractions(table: InteractionTable, options: CsrOptions = {}): CsrMatrix {
  return csrFromTriples(
    table.users.size,
    table.items.size,
    table.userIndex,
    table.itemIndex,
    table.weight,
    table.length,
    options,
  );
}

export function csrFromTriples(
  rows: number,
  cols: number,
  rowOf: Int32Array,
  colOf: Int32Array,
  values: Float32Array,
  length: number,
  options: CsrOptions = {},
): CsrMatrix {
  const shared = options.shared ?? false;
  // Counting sort by row, then by column within a row, so duplicates sit together.
  const rowCounts = new Int32Array(rows + 1);
  for (let i = 0; i < length; i++) {
    const slot = (rowOf[i] as number) + 1;
    rowCounts[slot] = (rowCounts[slot] as number) + 1;
  }
  for (let r = 0; r < rows; r++) rowCounts[r + 1] = (rowCounts[r + 1] as number) + (rowCounts[r] as number);
  const cursor = rowCounts.slice(0, rows);
  const sortedCols = new Int32Array(length);
  const sortedVals = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    const r = rowOf[i] as number;
    const at = cursor[r] as number;
    sortedCols[at] = colOf[i] as number;
    sortedVals[at] = values[i] as number;
    cursor[r] = at + 1;
  }
  const indptr = int32(rows + 1, shared);
  const tmpIndices = new Int32Array(length);
  const tmpData = new Float32Array(length);
  let nnz = 0;
  const order: number[] = [];
  for (let r = 0; r < rows; r++) {
    const start = rowCounts[r] as number;
    const end = rowCounts[r + 1] as number;
    order.length = 0;
    for (let p = start; p < end; p++) order.push(p);
    order.sort((a, b) => (sortedCols[a] as number) - (sortedCols[b] as number));
    let k = 0;
    while (k < order.length) {
      const col = sortedCols[order[k] as number] as number;
      let sum = 0;
      while (k < order.length && sortedCols[order[k] as number] === col) {
        sum += sortedVals[order[k] as number] as number;
        k++;
      }
      if (sum !== 0) {
        tmpIndices[nnz] = col;
        tmpData[nnz] = sum;
        nnz++;
      }
    }
    indptr[r + 1] = nnz;
  }
  const indices = int32(nnz, shared);
  const data = float32(nnz, shared);
  indices.set(tmpIndices.subarray(0, nnz));
  data.set(tmpData.subarray(0, nnz));
  return { rows, cols, indptr, indices, data };
}

/** The transpose (item × user), columns ascending within each row. */
export function transposeCsr(matrix: CsrMatrix, options: CsrOptions = {}): CsrMatrix {
  const shared = options.shared ?? false;
  const { rows, cols, indptr, indices, data } = matrix;
  const nnz = indices.length;
  const tIndptr = int32(cols + 1, shared);
  for (let p = 0; p < nnz; p++) {
    const slot = (indices[p] as number) + 1;
    tIndptr[slot] = (tIndptr[slot] as number) + 1;
  }
  for (let c = 0; c < cols; c++) tIndptr[c + 1] = (tIndptr[c + 1] as number) + (tIndptr[c] as number);
  const cursor = tIndptr.slice(0, cols);
  const tIndices = int32(nnz, shared);
  const tData = float32(nnz, shared);
  for (let r = 0; r < rows; r++) {
    for (let p = indptr[r] as number; p < (indptr[r + 1] as number); p++) {
      const c = indices[p] as number;
      const at = cursor[c] as number;
      tIndices[at] = r;
      tData[at] = data[p] as number;
      cursor[c] = at + 1;
    }
  }
  return { rows: cols, cols: rows, indptr: tIndptr, indices: tIndices, data: tData };
}

export function rowNnz(matrix: CsrMatrix, row: number): number {
  return (matrix.indptr[row + 1] as number) - (matrix.indptr[row] as number);
}
