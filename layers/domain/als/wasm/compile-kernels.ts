import { readFile, writeFile } from "node:fs/promises";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";

// Compiles every hand-written WAT kernel of the project to its .wasm with wabt (a dev dependency). The
// binaries are committed so that nothing is compiled at run time; test/unit/als/wasm-kernels.test.ts fails
// if any of them drifts from its source. One script for all kernels, so `npm run build:wasm` is the only step.

/** A WAT source and the committed binary it compiles to. */
export interface KernelSource {
  readonly watPath: string;
  readonly wasmPath: string;
}

function kernelBeside(relativeWatPath: string): KernelSource {
  const watUrl = new URL(relativeWatPath, import.meta.url);
  return {
    watPath: fileURLToPath(watUrl),
    wasmPath: fileURLToPath(new URL(relativeWatPath.replace(/\.wat$/, ".wasm"), import.meta.url)),
  };
}

/** ALS training and fold-in (shared memory, used by worker threads). */
export const ALS_KERNELS = kernelBeside("./als-kernels.wat");
/** The exact k-NN scan of the embedded vector index. */
export const INNER_PRODUCT_KERNEL = kernelBeside("../../scoring/wasm/inner-product-kernel.wat");
export const KERNEL_SOURCES: readonly KernelSource[] = [ALS_KERNELS, INNER_PRODUCT_KERNEL];

const FEATURES = { simd: true, threads: true, bulk_memory: true };

export async function compileKernel(kernel: KernelSource): Promise<Uint8Array> {
  const { default: initWabt } = await import("wabt");
  const wabt = await initWabt();
  const source = await readFile(kernel.watPath, "utf8");
  const module = wabt.parseWat(basename(kernel.watPath), source, FEATURES);
  try {
    // wabt's typings omit validate's feature argument; without it shared memory fails to validate.
    (module.validate as (features: typeof FEATURES) => void)(FEATURES);
    return module.toBinary({ log: false, write_debug_names: false }).buffer;
  } finally {
    module.destroy();
  }
}

if (import.meta.main) {
  for (const kernel of KERNEL_SOURCES) {
    const binary = await compileKernel(kernel);
    await writeFile(kernel.wasmPath, binary);
    console.log(`wrote ${kernel.wasmPath} (${binary.length} bytes)`);
  }
}
