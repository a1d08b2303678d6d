import { type AlsParameters, resolveAlsParameters } from "../../layers/domain/als/als-parameters.ts";
import type { CliOptions } from "../cli-arguments.ts";

export const ALS_OPTIONS_HELP = `  --factors N          latent dimensions
  --iterations N       ALS sweeps
  --regularization X   L2 penalty
  --alpha X            confidence = 1 + alpha · weight
  --solver cg|cholesky conjugate gradient (default) or the exact solve
  --cg-steps N         conjugate-gradient steps per sweep
  --threads N          worker threads (default: 2, or the cores available if fewer)
  --seed N             initialisation seed`;

/** ALS hyper-parameters from the command line over the shipped defaults. */
export function alsParametersFrom(options: CliOptions, defaultThreads: number): AlsParameters {
  const solver = options.string("solver");
  return resolveAlsParameters({
    factors: options.integer("factors", 1, 4096),
    iterations: options.integer("iterations", 0, 10_000),
    regularization: options.number("regularization"),
    alpha: options.number("alpha"),
    cgSteps: options.integer("cg-steps", 1, 1000),
    threads: options.integer("threads", 1, 256) ?? defaultThreads,
    seed: options.integer("seed", 0, 2 ** 32 - 1),
    ...(solver === undefined ? {} : { solver: solver as AlsParameters["solver"] }),
  } as Partial<AlsParameters>);
}
