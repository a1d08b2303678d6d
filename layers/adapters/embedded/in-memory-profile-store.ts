import { ConflictError, InvalidInputError } from "../../domain/errors/domain-errors.ts";
import type { ProfileStore, ProfileWriteOptions, UserProfile } from "../../ports/profile-store.ts";
import { requireNonEmptyText } from "./argument-checks.ts";
import { DYNAMODB_ITEM_LIMIT_BYTES, estimateStoredBytes, requireWithinItemLimit } from "./item-size-limit.ts";

export interface InMemoryProfileStoreOptions {
  /** @default 400 KiB, DynamoDB's item limit */
  readonly maxItemBytes?: number;
}

/** User profiles in a Map. Lost on restart; the single-machine default. */
export class InMemoryProfileStore implements ProfileStore {
  private readonly profiles = new Map<string, UserProfile>();
  private readonly maxItemBytes: number;

  constructor(options: InMemoryProfileStoreOptions = {}) {
    this.maxItemBytes = options.maxItemBytes ?? DYNAMODB_ITEM_LIMIT_BYTES;
  }

  async get(userId: string): Promise<UserProfile | undefined> {
    const stored = this.profiles.get(userId);
    return stored === undefined ? undefined : copyProfile(stored, stored.revision);
  }

  async getMany(userIds: readonly string[]): Promise<Map<string, UserProfile>> {
    const found = new Map<string, UserProfile>();
    for (const userId of userIds) {
      const stored = this.profiles.get(userId);
      if (stored !== undefined && !found.has(userId)) found.set(userId, copyProfile(stored, stored.revision));
    }
    return found;
  }

  async put(profile: Omit<UserProfile, "revision">, options: ProfileWriteOptions = {}): Promise<UserProfile> {
    const userId = requireNonEmptyText(profile.userId, "userId");
    if (profile.vector !== null && !(profile.vector instanceof Float32Array)) {
      throw new InvalidInputError("vector must be a Float32Array or null", "vector");
    }
    const { vector, ...rest } = profile;
    requireWithinItemLimit(
      "profile",
      userId,
      estimateStoredBytes(rest, vector?.byteLength ?? 0),
      this.maxItemBytes,
    );
    const currentRevision = this.profiles.get(userId)?.revision ?? 0;
    const expected = options.expectedRevision;
    if (expected !== undefined && expected !== currentRevision) {
      throw new ConflictError(
        `profile ${JSON.stringify(userId)} is at revision ${currentRevision}, the write expected ${expected}`,
      );
    }
    // Built field by field: a caller spreading a profile it read must not smuggle in its old revision.
    const stored = copyProfile(profile, currentRevision + 1);
    this.profiles.set(userId, stored);
    return copyProfile(stored, stored.revision);
  }

  async delete(userId: string): Promise<void> {
    this.profiles.delete(userId);
  }
}

/** A copy that shares no mutable state (vector, attributes) with its source. */
function copyProfile(profile: Omit<UserProfile, "revision">, revision: number): UserProfile {
  return {
    userId: profile.userId,
    // slice() on the same element type copies bytes, so even NaN payloads and −0 survive.
    vector: profile.vector === null ? null : profile.vector.slice(),
    modelVersion: profile.modelVersion,
    interactionCount: profile.interactionCount,
    lastInteractionAt: profile.lastInteractionAt,
    attributes: { ...profile.attributes },
    updatedAt: profile.updatedAt,
    revision,
  };
}
