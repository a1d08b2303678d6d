"""Trains the `implicit` library's CPU ALS on the matrix als-train-child.ts wrote, with the same factors,
threads, regularization, CG steps (implicit fixes them at 3) and iterations, and prints one JSON object with
its per-iteration times."""

import json
import os
import resource
import sys
import time

# implicit parallelises over rows itself; a BLAS thread pool on top of it only contends for the cores.
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["MKL_NUM_THREADS"] = "1"

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
import implicit  # noqa: E402
from implicit.cpu.als import AlternatingLeastSquares  # noqa: E402


def main() -> None:
    matrix_dir, config_json = sys.argv[1], sys.argv[2]
    config = json.loads(config_json)
    if config["cgSteps"] != 3:
        raise SystemExit("implicit's CPU ALS always runs 3 conjugate-gradient steps; compare with cgSteps 3")
    with open(os.path.join(matrix_dir, "shape.json")) as f:
        shape = json.load(f)
    indptr = np.fromfile(os.path.join(matrix_dir, "indptr.i32"), dtype=np.int32)
    indices = np.fromfile(os.path.join(matrix_dir, "indices.i32"), dtype=np.int32)
    data = np.fromfile(os.path.join(matrix_dir, "confidence.f32"), dtype=np.float32)
    user_items = sp.csr_matrix((data, indices, indptr), shape=(shape["rows"], shape["cols"]))

    times = []
    last = [time.perf_counter()]

    def on_iteration(_iteration, _elapsed, _loss):
        now = time.perf_counter()
        times.append(now - last[0])
        last[0] = now

    model = AlternatingLeastSquares(
        factors=config["factors"],
        iterations=config["iterations"],
        regularization=config["regularization"],
        alpha=1.0,  # confidences are already 1 + alpha·w
        use_cg=True,  # implicit's CPU solver runs a fixed 3 CG steps, our default (checked above)
        num_threads=config["threads"],
        calculate_training_loss=False,
        random_state=42,
    )
    started = time.perf_counter()
    last[0] = started
    model.fit(user_items, show_progress=False, callback=on_iteration)
    print(
        json.dumps(
            {
                "version": implicit.__version__,
                "trainSeconds": time.perf_counter() - started,
                "iterationSeconds": times,
                "peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            }
        )
    )


if __name__ == "__main__":
    main()
