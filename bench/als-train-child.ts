// Runs in a fresh process (spawned by als-bench.ts) so that its peak RSS is the trainer's alone: loads the
// interactions, writes the confidence matrix for the `implicit` reference, trains, prints figures as JSON.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { resolveAlsParameters } from "../layers/domain/als/als-parameters.ts";
import { trainAls } from "../layers/domain/als/als-trainer.ts";
import { loadInteractionsFromFile } from "../layers/domain/interactions/interaction-loader.ts";
import { csrFromInteractions } from "../layers/domain/matrix/csr-matrix.ts";

const [input, matrixDir, configJson] = process.argv.slice(2);
if (input === undefined || matrixDir === undefined || configJson === undefined) {
  throw new Error("usage: als-train-child.ts INPUT MATRIX_DIR CONFIG_JSON");
}
const config = JSON.parse(configJson) as {
  factors: number;
  iterations: number;
  threads: number;
  regularization: number;
  alpha: number;
  cgSteps: number;
};

let started = performance.now();
const { table } = await loadInteractionsFromFile(input, { format: "csv" });
const matrix = csrFromInteractions(table);
const loadSeconds = (performance.now() - started) / 1000;

// The reference gets the same confidences: implicit's solver reads c = value (p = 1) or c = −value (p = 0),
// so c = 1 + alpha·|w| with the sign of w reproduces our objective exactly.
const confidences = Float32Array.from(matrix.data, (w) => Math.sign(w) * (1 + config.alpha * Math.abs(w)));
await writeFile(join(matrixDir, "indptr.i32"), matrix.indptr);
await writeFile(join(matrixDir, "indices.i32"), matrix.indices);
await writeFile(join(matrixDir, "confidence.f32"), confidences);
await writeFile(
  join(matrixDir, "shape.json"),
  JSON.stringify({ rows: matrix.rows, cols: matrix.cols, nnz: matrix.indices.length }),
);

started = performance.now();
const result = await trainAls(matrix, resolveAlsParameters({ ...config, solver: "cg", seed: 42 }));
const trainSeconds = (performance.now() - started) / 1000;
console.log(
  JSON.stringify({
    loadSeconds,
    trainSeconds,
    iterationSeconds: result.iterationSeconds,
    users: matrix.rows,
    items: matrix.cols,
    nnz: matrix.indices.length,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  }),
);
