import { InvalidInputError } from "../errors/domain-errors.ts";
import { leaveLastOut } from "../evaluation/data-split.ts";
import type { PipelineDependencies } from "./pipeline-dependencies.ts";
import { requireRunId, writePreparedData } from "./run-workspace.ts";

export interface PreparedRun {
  /** `concluded` when this run already ended (its model active, archived or rejected): nothing left to do. */
  readonly status: "ready" | "concluded";
  /** The candidate's model version: the run id, so a retried or re-run run writes the same version. */
  readonly version: string;
  readonly interactions: number;
  readonly users: number;
  readonly items: number;
}

/**
 * Loads every interaction and splits it: each user's latest interaction is held out for the quality gate
 * (candidate and active model are scored on the same unseen rows), the rest is what the candidate trains on.
 */
export async function prepareTrainingData(
  deps: PipelineDependencies,
  input: { readonly runId: string },
): Promise<PreparedRun> {
  const version = requireRunId(input.runId);
  const existing = await deps.registry.get(version);
  if (existing !== undefined && existing.status !== "candidate") {
    return { status: "concluded", version, interactions: 0, users: existing.users, items: existing.items };
  }
  const table = await deps.interactions.load();
  if (table.length === 0) throw new InvalidInputError("no interactions to train on", "interactions");
  const { train, test } = leaveLastOut(table);
  await writePreparedData(deps.workspace, version, { train, holdout: test });
  return {
    status: "ready",
    version,
    interactions: table.length,
    users: table.users.size,
    items: table.items.size,
  };
}
