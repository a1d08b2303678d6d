import type { BatchRecStore } from "../../ports/batch-rec-store.ts";
import type { Cache } from "../../ports/cache.ts";
import type { InteractionLog } from "../../ports/interaction-log.ts";
import type { ProfileStore } from "../../ports/profile-store.ts";

/** Every store that keeps something about one user and serves it back. */
export interface UserErasureDependencies {
  readonly profiles: ProfileStore;
  readonly interactions: InteractionLog;
  readonly batchRecs: BatchRecStore;
  readonly cache: Cache;
}

/**
 * DELETE /v1/users/{userId}: erases the profile (taste vector and attributes), the recent interactions,
 * the nightly recommendations and every cached list of the user. Idempotent: erasing an unknown user, or
 * erasing twice, is not an error, so a retry after a failure completes the job.
 *
 * The stores are erased side by side and each is tried even if another fails, so a dead dependency leaves
 * as little behind as possible; the first failure is then thrown (a DependencyError, 503: retry). The cache
 * goes last, so that a list cached from the erased data while the stores were being cleared goes too.
 *
 * Not erased here: events still in flight on the stream (the stream handler may write a fresh profile from
 * them), the raw event archive in S3 and the served-recommendation log, which have no per-user delete.
 */
export async function eraseUser(deps: UserErasureDependencies, userId: string): Promise<void> {
  const stores = await Promise.allSettled([
    deps.profiles.delete(userId),
    deps.interactions.deleteUser(userId),
    deps.batchRecs.delete(userId),
  ]);
  const cache = await Promise.allSettled([deps.cache.deleteUser(userId)]);
  const failure = [...stores, ...cache].find((outcome) => outcome.status === "rejected");
  if (failure !== undefined) throw failure.reason;
}
