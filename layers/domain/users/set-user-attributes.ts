import type { Clock } from "../../ports/clock.ts";
import type { ProfileStore, UserProfile } from "../../ports/profile-store.ts";
import type { Attributes } from "../catalog/attributes-schema.ts";
import { ConflictError } from "../errors/domain-errors.ts";

export interface UserAttributeDependencies {
  readonly profiles: ProfileStore;
  readonly clock: Clock;
}

/**
 * How often a write that lost to a concurrent one (the stream folding in the user's clicks) is read and
 * tried again before the caller gets the ConflictError (409).
 */
export const MAX_ATTRIBUTE_WRITE_ATTEMPTS = 5;

/**
 * PUT /v1/users/{userId}: replaces the user's attributes and keeps everything else of the profile (the taste
 * vector, its model version, the interaction counters). A user without a profile gets one with no vector
 * yet. Each write is conditional on the revision it read, so it can never undo a fold-in that landed in
 * between; it reads again and retries instead.
 */
export async function setUserAttributes(
  deps: UserAttributeDependencies,
  userId: string,
  attributes: Attributes,
): Promise<UserProfile> {
  for (let attempt = 1; ; attempt++) {
    const current = await deps.profiles.get(userId);
    const updatedAt = deps.clock();
    const next: Omit<UserProfile, "revision"> =
      current === undefined
        ? {
            userId,
            vector: null,
            modelVersion: null,
            interactionCount: 0,
            lastInteractionAt: null,
            attributes,
            updatedAt,
          }
        : {
            userId,
            vector: current.vector,
            modelVersion: current.modelVersion,
            interactionCount: current.interactionCount,
            lastInteractionAt: current.lastInteractionAt,
            attributes,
            updatedAt,
          };
    try {
      return await deps.profiles.put(next, { expectedRevision: current?.revision ?? 0 });
    } catch (error) {
      if (!(error instanceof ConflictError) || attempt >= MAX_ATTRIBUTE_WRITE_ATTEMPTS) throw error;
    }
  }
}
