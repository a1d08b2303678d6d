import { DEFAULT_ALS_PARAMETERS } from "../als/als-parameters.ts";
import { InvalidInputError } from "../errors/domain-errors.ts";
import type { PipelineSettings } from "./pipeline-dependencies.ts";

export const DEFAULT_PIPELINE_SETTINGS: PipelineSettings = Object.freeze({
  als: DEFAULT_ALS_PARAMETERS,
  vectorChunkSize: 500,
  vectorChunkAttempts: 3,
  keepPreviousIndices: 2,
  usersPerBatchFile: 1000,
  batchRecsPerUser: 50,
  batchRecTtlSeconds: 2 * 24 * 3600,
  historyLimit: 500,
  evaluationK: 10,
});

/** The defaults with `overrides` applied; a count that is not a positive integer is refused now. */
export function pipelineSettings(overrides: Partial<PipelineSettings> = {}): PipelineSettings {
  const settings: PipelineSettings = { ...DEFAULT_PIPELINE_SETTINGS, ...overrides };
  for (const field of [
    "vectorChunkSize",
    "vectorChunkAttempts",
    "usersPerBatchFile",
    "batchRecsPerUser",
    "batchRecTtlSeconds",
    "historyLimit",
    "evaluationK",
  ] as const) {
    const value = settings[field];
    if (!Number.isInteger(value) || value < 1)
      throw new InvalidInputError(`${field} must be an integer ≥ 1, got ${value}`, field);
  }
  if (!Number.isInteger(settings.keepPreviousIndices) || settings.keepPreviousIndices < 0) {
    throw new InvalidInputError(
      `keepPreviousIndices must be an integer ≥ 0, got ${settings.keepPreviousIndices}`,
      "keepPreviousIndices",
    );
  }
  return settings;
}
