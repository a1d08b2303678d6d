/** A user's real-time state: their taste vector and the model it belongs to. */
export interface UserProfile {
  readonly userId: string;
  /** The folded-in taste vector; null until the user has interactions the model knows. */
  readonly vector: Float32Array | null;
  /** The model version the vector was computed against (vectors of other versions are not comparable). */
  readonly modelVersion: string | null;
  /** Interactions counted into the profile, and the time of the latest. */
  readonly interactionCount: number;
  readonly lastInteractionAt: number | null;
  /** Client-supplied attributes (PUT /v1/users/{id}), e.g. locale or segment. */
  readonly attributes: Readonly<Record<string, string>>;
  readonly updatedAt: number;
  /** Increases by one on every write; used for optimistic concurrency. 0 for a profile not yet stored. */
  readonly revision: number;
}

export interface ProfileWriteOptions {
  /**
   * Write only if the stored revision equals this (0 = only if absent). A mismatch throws ConflictError,
   * so two concurrent fold-ins of one user cannot lose an update.
   */
  readonly expectedRevision?: number;
}

export interface ProfileStore {
  get(userId: string): Promise<UserProfile | undefined>;
  /**
   * The profiles of many users in one go (the stream handler reads a whole batch's users), each exactly as
   * `get` would return it and as fresh: keyed by user id, unknown ids absent, an id named twice read once.
   * An empty list answers an empty map without calling the store.
   */
  getMany(userIds: readonly string[]): Promise<Map<string, UserProfile>>;
  /** Stores the profile with revision = previous + 1 and returns what was stored. */
  put(profile: Omit<UserProfile, "revision">, options?: ProfileWriteOptions): Promise<UserProfile>;
  /** Erases the profile (DELETE /v1/users/{id}); deleting an absent one is not an error. */
  delete(userId: string): Promise<void>;
}
