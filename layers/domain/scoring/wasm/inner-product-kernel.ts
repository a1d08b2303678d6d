import { readFileSync } from "node:fs";

/** The export of inner-product-kernel.wat; pointers are byte offsets into the memory it was given. */
export interface InnerProductKernel {
  /** out[r] = Σ matrix[r·dims + d]·query[d] over d < dims, for every row r < rows, in float32. */
  innerProducts(rows: number, dims: number, matrix: number, query: number, out: number): void;
}

let compiled: WebAssembly.Module | undefined;

/** The compiled kernel module, compiled once per thread on first use. */
export function innerProductModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(readFileSync(new URL("./inner-product-kernel.wasm", import.meta.url)));
  return compiled;
}

/** One instance per memory: the module imports its memory, so each owner of a memory gets its own. */
export function instantiateInnerProductKernel(memory: WebAssembly.Memory): InnerProductKernel {
  const instance = new WebAssembly.Instance(innerProductModule(), { env: { memory } });
  return instance.exports as unknown as InnerProductKernel;
}
