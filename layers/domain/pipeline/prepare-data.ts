import { InvalidInputError } from "../errors/domain-errors.ts";
import { collectTrainingData } from "./collect-training-data.ts";
import type { PipelineDependencies } from "./pipeline-dependencies.ts";
import {
  holdoutEventIdsKey,
  recentExportKey,
  requireRunId,
  runPrefix,
  writePreparedData,
} from "./run-workspace.ts";

export interface PreparedRun {
  /** `concluded` when this run already ended (its model active, archived or rejected): nothing left to do. */
  readonly status: "ready" | "concluded";
  /** The candidate's model version: the run id, so a retried or re-run run writes the same version. */
  readonly version: string;
  readonly interactions: number;
  readonly users: number;
  readonly items: number;
  /**
   * The Spark job's arguments for this run (TrainOnSpark passes them as EntryPointArguments): the archive,
   * the run's export of recent events, the held-out events to leave out, where to write the model. Built
   * here so the job trains on exactly the rows the embedded trainer would, with the same parameters.
   */
  readonly sparkArguments: readonly string[];
}

/**
 * Reads the archive and the recent export once, and writes the run's inputs to its workspace: the training
 * part and the held-out part (each user's latest positive interaction: candidate and active model are scored
 * on the same unseen rows), the recent events as the Spark job's export file, and the held-out event ids.
 */
export async function prepareTrainingData(
  deps: PipelineDependencies,
  input: { readonly runId: string },
): Promise<PreparedRun> {
  const version = requireRunId(input.runId);
  const existing = await deps.registry.get(version);
  if (existing !== undefined && existing.status !== "candidate") {
    return {
      status: "concluded",
      version,
      interactions: 0,
      users: existing.users,
      items: existing.items,
      sparkArguments: [],
    };
  }
  const data = await collectTrainingData(deps.interactions);
  if (data.train.length === 0) throw new InvalidInputError("no interactions to train on", "interactions");
  const encoder = new TextEncoder();
  await deps.workspace.put(recentExportKey(version), encoder.encode(data.recentExport));
  const excluded = data.holdoutEventIds.length === 0 ? "" : `${data.holdoutEventIds.join("\n")}\n`;
  await deps.workspace.put(holdoutEventIdsKey(version), encoder.encode(excluded));
  // Last: the prepared parts are what a retried step checks for.
  await writePreparedData(deps.workspace, version, { train: data.train, holdout: data.holdout });
  return {
    status: "ready",
    version,
    interactions: data.train.length + data.holdout.length,
    users: data.train.users.size,
    items: data.train.items.size,
    sparkArguments: sparkArguments(deps, version),
  };
}

function sparkArguments(deps: PipelineDependencies, version: string): string[] {
  const { als, batchRecsPerUser } = deps.settings;
  const archive = deps.interactions.archiveLocation;
  return [
    ...(archive === undefined ? [] : ["--archive", archive]),
    ...["--recent", deps.workspace.locationOf(recentExportKey(version))],
    ...["--exclude-events", deps.workspace.locationOf(holdoutEventIdsKey(version))],
    ...["--out", deps.workspace.locationOf(`${runPrefix(version)}/spark`)],
    ...["--model-out", deps.models.locationOf(version)],
    ...["--version", version],
    // The gate scores the candidate on the prepared holdout; the job's own split would only cost time.
    ...["--holdout", "0"],
    ...["--factors", String(als.factors), "--iterations", String(als.iterations)],
    ...["--regularization", String(als.regularization), "--alpha", String(als.alpha)],
    ...["--seed", String(als.seed), "--top-n", String(batchRecsPerUser)],
  ];
}
