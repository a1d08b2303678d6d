import type { BatchRecommendations, HistoryWeight } from "../../ports/batch-rec-store.ts";
import { CorruptDataError } from "../errors/domain-errors.ts";
import { rowsGroupedByUser } from "../interactions/interaction-table.ts";
import { decodeModel } from "../model/model-artifact.ts";
import { FactorRecommender } from "../recommenders/factor-recommender.ts";
import type { PipelineDependencies } from "./pipeline-dependencies.ts";
import { batchFileKey, readPreparedData, requireRunId } from "./run-workspace.ts";

/** One user's entry in a batch file: who, and what training saw of them (strongest first). */
interface BatchFileUser {
  readonly userId: string;
  readonly history: readonly HistoryWeight[];
}

/** Writes in one BatchRecStore call (the DynamoDB adapter splits into 25-item BatchWriteItem requests). */
const PUT_MANY_SIZE = 100;

/**
 * Splits the users into batch files (the items of the Map state): each lists its users with their
 * aggregated training weights, so a publisher needs the model and its file, not the whole table.
 * Writing the same files again (a retry) writes the same bytes.
 */
export async function planBatchRecs(
  deps: PipelineDependencies,
  input: { readonly runId: string; readonly version: string },
): Promise<{ readonly batchFiles: readonly string[]; readonly users: number }> {
  const runId = requireRunId(input.runId);
  const { train } = await readPreparedData(deps.workspace, runId);
  const { start, rows } = rowsGroupedByUser(train);
  const users: BatchFileUser[] = [];
  for (let user = 0; user < train.users.size; user++) {
    const from = start[user] as number;
    const to = start[user + 1] as number;
    if (to === from) continue;
    const weightByItem = new Map<number, number>();
    for (let i = from; i < to; i++) {
      const row = rows[i] as number;
      const item = train.itemIndex[row] as number;
      weightByItem.set(item, (weightByItem.get(item) ?? 0) + (train.weight[row] as number));
    }
    const history = [...weightByItem]
      .map(([item, weight]) => ({ itemId: train.items.idAt(item), weight }))
      .sort((a, b) => b.weight - a.weight || (a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0))
      .slice(0, deps.settings.historyLimit);
    users.push({ userId: train.users.idAt(user), history });
  }
  const batchFiles: string[] = [];
  for (let n = 0; n * deps.settings.usersPerBatchFile < users.length; n++) {
    const key = batchFileKey(runId, n);
    const part = users.slice(n * deps.settings.usersPerBatchFile, (n + 1) * deps.settings.usersPerBatchFile);
    await deps.workspace.put(key, new TextEncoder().encode(JSON.stringify(part)));
    batchFiles.push(key);
  }
  return { batchFiles, users: users.length };
}

/**
 * Publishes one batch file: each user's top list from the candidate (items they trained on left out),
 * with their history and a TTL. Keyed by user, so a retried file overwrites the same entries.
 */
export async function publishBatchFile(
  deps: PipelineDependencies,
  input: { readonly runId: string; readonly version: string; readonly batchFile: string },
): Promise<{ readonly users: number; readonly skipped: number }> {
  requireRunId(input.runId);
  const version = requireRunId(input.version);
  const recommender = new FactorRecommender(decodeModel(await deps.models.getFiles(version)));
  const users = parseBatchFile(input.batchFile, await deps.workspace.get(input.batchFile));
  const generatedAt = deps.clock();
  const expiresAt = generatedAt + deps.settings.batchRecTtlSeconds * 1000;
  const entries: BatchRecommendations[] = [];
  let skipped = 0;
  for (const { userId, history } of users) {
    if (recommender.userIndex(userId) === undefined) {
      skipped++;
      continue;
    }
    const items = recommender.recommendForUser(
      userId,
      deps.settings.batchRecsPerUser,
      history.map((entry) => entry.itemId),
    );
    entries.push({ userId, modelVersion: version, items, generatedAt, expiresAt, history });
  }
  for (let i = 0; i < entries.length; i += PUT_MANY_SIZE) {
    await deps.batchRecs.putMany(entries.slice(i, i + PUT_MANY_SIZE));
  }
  return { users: entries.length, skipped };
}

function parseBatchFile(key: string, bytes: Uint8Array): BatchFileUser[] {
  const parsed = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  const valid =
    Array.isArray(parsed) &&
    parsed.every(
      (entry) =>
        typeof entry?.userId === "string" &&
        Array.isArray(entry.history) &&
        entry.history.every(
          (h: unknown) =>
            typeof (h as HistoryWeight)?.itemId === "string" &&
            typeof (h as HistoryWeight)?.weight === "number",
        ),
    );
  if (!valid) throw new CorruptDataError(`${key}: not a batch file (an array of {userId, history})`);
  return parsed as BatchFileUser[];
}
