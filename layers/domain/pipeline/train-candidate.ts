import { NotFoundError } from "../errors/domain-errors.ts";
import { encodeModel } from "../model/model-artifact.ts";
import { trainFactorModel } from "../model/train-factor-model.ts";
import type { PipelineDependencies } from "./pipeline-dependencies.ts";
import { readPreparedData, requireRunId } from "./run-workspace.ts";

export interface TrainedCandidate {
  readonly version: string;
  readonly artifactLocation: string;
  /** False when the artifact was already stored (a retried step): nothing was trained again. */
  readonly trained: boolean;
}

/**
 * The embedded (TypeScript) trainer: trains implicit ALS on the prepared training part and stores the
 * artifact under the run's version. The Spark job is the other implementation of this step and writes the
 * same artifact to the same place (docs/model-format.md), so every later step reads either.
 */
export async function trainCandidate(
  deps: PipelineDependencies,
  input: { readonly runId: string; readonly version: string },
): Promise<TrainedCandidate> {
  const runId = requireRunId(input.runId);
  const version = requireRunId(input.version);
  if (await hasArtifact(deps, version)) {
    return { version, artifactLocation: deps.models.locationOf(version), trained: false };
  }
  const { train } = await readPreparedData(deps.workspace, runId);
  const { model } = await trainFactorModel(train, deps.settings.als, { version });
  const artifactLocation = await deps.models.putFiles(version, encodeModel(model));
  return { version, artifactLocation, trained: true };
}

async function hasArtifact(deps: PipelineDependencies, version: string): Promise<boolean> {
  try {
    await deps.models.getFiles(version);
    return true;
  } catch (error) {
    if (error instanceof NotFoundError) return false;
    throw error;
  }
}
