import { readFileSync } from "node:fs";

/** The exported functions of als-kernels.wat (pointers are byte offsets into the shared memory). */
export interface AlsWasmKernels {
  cgRows(
    indptr: number,
    indices: number,
    data: number,
    x: number,
    y: number,
    ridgeGram: number,
    factors: number,
    alpha: number,
    cgSteps: number,
    start: number,
    end: number,
    scratch: number,
  ): void;
  gramRows(matrix: number, factors: number, start: number, end: number, out: number): void;
  /** Exact solve of one row in float64 (fold-in); x is left in `b`. Returns 0 when A is not positive definite. */
  solveExactRow(
    y: number,
    indices: number,
    weights: number,
    count: number,
    ridgeGram: number,
    factors: number,
    alpha: number,
    a: number,
    b: number,
  ): number;
}

let compiled: WebAssembly.Module | undefined;

/** The compiled kernel module (compiled once per thread; a Module can also be posted to workers). */
export function alsKernelModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(readFileSync(new URL("./als-kernels.wasm", import.meta.url)));
  return compiled;
}

export function instantiateKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): AlsWasmKernels {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as AlsWasmKernels;
}

const PAGE = 65536;
const ALIGN = 16;

/**
 * A shared WebAssembly memory sized once for a whole training run, handed out by a bump allocator.
 * Every array the kernels touch lives here, so its byteOffset is the pointer the kernels take, and workers
 * see the same bytes. It never grows (growing would detach the views).
 */
export class WasmArena {
  readonly memory: WebAssembly.Memory;
  private next = ALIGN;
  private readonly size: number;

  constructor(bytes: number) {
    const pages = Math.ceil((bytes + ALIGN) / PAGE);
    if (pages > 65536)
      throw new RangeError(`training data needs ${bytes} bytes, over the 4 GiB of a wasm32 memory`);
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    this.size = pages * PAGE;
  }

  /** Bytes a set of arrays needs, including alignment padding. */
  static bytesFor(byteLengths: readonly number[]): number {
    return byteLengths.reduce((sum, length) => sum + Math.ceil(length / ALIGN) * ALIGN + ALIGN, 0);
  }

  float32(length: number): Float32Array {
    return new Float32Array(this.memory.buffer, this.take(length * 4), length);
  }

  float64(length: number): Float64Array {
    return new Float64Array(this.memory.buffer, this.take(length * 8), length);
  }

  int32(length: number): Int32Array {
    return new Int32Array(this.memory.buffer, this.take(length * 4), length);
  }

  private take(bytes: number): number {
    const at = this.next;
    this.next = at + Math.ceil(bytes / ALIGN) * ALIGN + ALIGN;
    if (this.next > this.size) throw new RangeError("wasm arena exhausted");
    return at;
  }
}
