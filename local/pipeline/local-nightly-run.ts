import { pipelineDependenciesFromEnvironment } from "../../functions/pipeline/pipeline-dependencies-from-environment.ts";
import type { PipelineDependencies } from "../../layers/domain/pipeline/pipeline-dependencies.ts";
import { pipelineSettings } from "../../layers/domain/pipeline/pipeline-settings.ts";
import { localSparkTrainer } from "./local-spark-trainer.ts";
import {
  type NightlyInput,
  type NightlyRunOptions,
  type NightlyRunResult,
  runNightlyCycle,
} from "./run-nightly.ts";

export interface LocalNightlyOptions extends NightlyRunOptions {
  /** Overrides of the pipeline settings (smaller models for demos and tests). */
  readonly settings?: Parameters<typeof pipelineSettings>[0];
  /** Receives the Spark job's log lines on a `spark` run. */
  readonly sparkLog?: (line: string) => void;
}

/**
 * One nightly cycle against whatever the environment names (the local cloud, LocalStack, or AWS itself):
 * the pipeline Lambdas' own adapters, built from the same variables the training stack sets, driven by the
 * real state machine definition. TrainOnSpark runs the Spark job in local mode.
 */
export async function runLocalNightly(
  input: NightlyInput,
  options: LocalNightlyOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ readonly result: NightlyRunResult; readonly deps: PipelineDependencies }> {
  const fromEnvironment = pipelineDependenciesFromEnvironment(env);
  const deps: PipelineDependencies =
    options.settings === undefined
      ? fromEnvironment
      : { ...fromEnvironment, settings: pipelineSettings(options.settings) };
  const result = await runNightlyCycle(deps, input, {
    ...options,
    sparkTrainer:
      options.sparkTrainer ??
      localSparkTrainer(options.sparkLog === undefined ? {} : { log: options.sparkLog }),
  });
  return { result, deps };
}
