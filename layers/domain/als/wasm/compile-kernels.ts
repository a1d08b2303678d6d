import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

// Compiles als-kernels.wat to als-kernels.wasm with wabt (a dev dependency). The binary is committed so
// that nothing is compiled at run time; test/unit/als/wasm-kernels.test.ts fails if the two drift apart.
export const WAT_PATH = fileURLToPath(new URL("./als-kernels.wat", import.meta.url));
export const WASM_PATH = fileURLToPath(new URL("./als-kernels.wasm", import.meta.url));

const FEATURES = { simd: true, threads: true, bulk_memory: true };

export async function compileKernels(): Promise<Uint8Array> {
  const { default: initWabt } = await import("wabt");
  const wabt = await initWabt();
  const source = await readFile(WAT_PATH, "utf8");
  const module = wabt.parseWat("als-kernels.wat", source, FEATURES);
  try {
    // wabt's typings omit validate's feature argument; without it shared memory fails to validate.
    (module.validate as (features: typeof FEATURES) => void)(FEATURES);
    return module.toBinary({ log: false, write_debug_names: false }).buffer;
  } finally {
    module.destroy();
  }
}

if (import.meta.main) {
  const binary = await compileKernels();
  await writeFile(WASM_PATH, binary);
  console.log(`wrote ${WASM_PATH} (${binary.length} bytes)`);
}
