import type { BatchRecommendations, BatchRecStore } from "../../ports/batch-rec-store.ts";
import type { Cache } from "../../ports/cache.ts";
import type { Clock } from "../../ports/clock.ts";
import type { StreamEvent } from "../../ports/event-bus.ts";
import { type InteractionLog, RECENT_INTERACTIONS_RETENTION_MS } from "../../ports/interaction-log.ts";
import type { ProfileStore, UserProfile } from "../../ports/profile-store.ts";
import type { FeedbackKind, RecommendationLog } from "../../ports/recommendation-log.ts";
import type { TrendingCounters, TrendingIncrement } from "../../ports/trending-counters.ts";
import { forEachConcurrently } from "../concurrency/for-each-concurrently.ts";
import { ConflictError } from "../errors/domain-errors.ts";
import { servedListOf } from "../events/impression-event.ts";
import { interactionOfEvent } from "../events/interaction-of-event.ts";
import {
  DEFAULT_EVENT_WEIGHTS,
  type EventType,
  type EventWeights,
  eventWeight,
} from "../interactions/event-types.ts";
import type { ActiveModelSource } from "./active-model.ts";
import type { ItemCategories } from "./item-categories.ts";
import { userTasteVector } from "./user-taste-vector.ts";

/** An event with its place in the stream (a Kinesis sequence number or a Kafka partition:offset). */
export interface PositionedEvent {
  readonly position: string;
  readonly event: StreamEvent;
}

export interface StreamingDependencies {
  readonly interactionLog: InteractionLog;
  readonly profiles: ProfileStore;
  readonly trending: TrendingCounters;
  readonly cache: Cache;
  readonly recommendationLog: RecommendationLog;
  readonly batchRecs: BatchRecStore;
  readonly categories: ItemCategories;
  readonly model: ActiveModelSource;
  readonly clock: Clock;
  /** @default the shipped event-weights.json */
  readonly eventWeights?: EventWeights;
  /** Events older than this are archived and attributed but not appended, folded in or trended. @default 48 h */
  readonly retentionMs?: number;
  /** Users processed at once: their reads and writes overlap. @default 16 */
  readonly userConcurrency?: number;
  /** Reports a failed step; the batch goes on with the other users. */
  readonly onError?: (step: string, error: unknown) => void;
  /** Told how long each user's fold-in took, for metrics; the domain itself keeps no figures. */
  readonly onTiming?: (timing: StepTiming) => void;
}

/** How long one computation of the batch took, in milliseconds of the process's monotonic clock. */
export interface StepTiming {
  /** `fold-in`: one user's least-squares solve against the active model (userTasteVector). */
  readonly step: "fold-in";
  readonly milliseconds: number;
}

export interface BatchOutcome {
  /** Positions whose effects did not all complete: the caller reports them so the stream re-delivers. */
  readonly failedPositions: readonly string[];
  readonly events: number;
  readonly users: number;
  /** Events the log already held (a re-delivery): every effect was re-applied idempotently. */
  readonly redelivered: number;
  /** Events older than the retention: archived and attributed only. */
  readonly tooOld: number;
  /** Profiles whose vector was folded in against the active model. */
  readonly foldedIn: number;
}

/** Which feedback counter an event with a recommendationId moves. */
const FEEDBACK_OF_TYPE: Partial<Record<EventType, FeedbackKind>> = {
  impression: "impression",
  click: "click",
  add_to_cart: "conversion",
  purchase: "conversion",
};

const PROFILE_WRITE_ATTEMPTS = 4;

/**
 * Applies one delivered batch of events: the streaming path's real-time learning step.
 *
 * Kinesis and Kafka deliver at least once, so every effect is idempotent in its own store, keyed by event
 * id, atomically with the effect — and every effect is applied for every event delivered, new or not. A
 * handler killed half-way through a batch is simply re-delivered the batch, and what had already been
 * done is done again without changing anything:
 * 1. the interaction log stores each eventId once (conditional write with a per-event marker);
 * 2. the user's taste vector is recomputed from the stored state (log + nightly history), not incremented;
 * 3. trending counters skip event ids they have counted;
 * 4. the user's cached recommendations are dropped (idempotent by nature);
 * 5. a served list (an impression event from the serving path) is recorded by its recommendation id;
 * 6. feedback (impression, click, conversion on a recommendationId) counts once per event id.
 *
 * Events are grouped by user, so each user's vector is solved once per batch. The order of events does not
 * matter: the log is ordered by event time, fold-in sums weights, trending buckets by event time. A user
 * whose steps fail has all of their positions reported; other users' effects stand.
 */
export async function processStreamBatch(
  deps: StreamingDependencies,
  delivered: readonly PositionedEvent[],
): Promise<BatchOutcome> {
  const now = deps.clock();
  const weights = deps.eventWeights ?? DEFAULT_EVENT_WEIGHTS;
  const retentionMs = deps.retentionMs ?? RECENT_INTERACTIONS_RETENTION_MS;
  const failed = new Set<string>();
  const positionsOf = new Map<string, string[]>();
  const firstOfId = new Map<string, StreamEvent>();
  for (const { position, event } of delivered) {
    const positions = positionsOf.get(event.eventId);
    if (positions === undefined) {
      positionsOf.set(event.eventId, [position]);
      firstOfId.set(event.eventId, event);
    } else positions.push(position);
  }
  const events = [...firstOfId.values()];
  const failEvents = (step: string, failedEvents: Iterable<StreamEvent>, error: unknown): void => {
    deps.onError?.(step, error);
    for (const event of failedEvents)
      for (const position of positionsOf.get(event.eventId) ?? []) failed.add(position);
  };

  // Impressions are feedback only: they train nothing and are not interactions of the user.
  const interactions = events.filter((event) => event.type !== "impression");
  const current = interactions.filter((event) => event.timestamp > now - retentionMs);
  const tooOld = interactions.length - current.length;
  const byUser = groupBy(current, (event) => event.userId);

  // 1. The log first: fold-in reads it back.
  let redelivered = 0;
  let logged = true;
  try {
    const appended = await deps.interactionLog.append(
      current.map((event) => interactionOfEvent(event, weights)),
    );
    redelivered = appended.duplicates.length;
  } catch (error) {
    logged = false;
    failEvents("append interactions", current, error);
  }

  // 2 and 4, per user.
  let foldedIn = 0;
  if (logged && byUser.size > 0) {
    let model: Awaited<ReturnType<ActiveModelSource["current"]>>;
    let modelFailed = false;
    try {
      model = await deps.model.current();
    } catch (error) {
      modelFailed = true;
      failEvents("load the active model", current, error);
    }
    // One batched read of the users' profiles and nightly entries, then one log query and at most one
    // conditional write per user.
    let prefetched:
      | { profiles: Map<string, UserProfile>; batches: Map<string, BatchRecommendations> }
      | undefined;
    if (!modelFailed) {
      const userIds = [...byUser.keys()];
      try {
        const [profiles, batches] = await Promise.all([
          deps.profiles.getMany(userIds),
          model === undefined ? new Map<string, BatchRecommendations>() : deps.batchRecs.getMany(userIds),
        ]);
        prefetched = { profiles, batches };
      } catch (error) {
        failEvents("read profiles", current, error);
      }
    }
    if (prefetched !== undefined) {
      const { profiles, batches } = prefetched;
      await forEachConcurrently([...byUser], deps.userConcurrency ?? 16, async ([userId, userEvents]) => {
        try {
          const folded = await updateProfile(deps, {
            userId,
            userEvents,
            model,
            stored: profiles.get(userId),
            batch: batches.get(userId),
            now,
          });
          if (folded) foldedIn++;
          await deps.cache.deleteUser(userId);
        } catch (error) {
          failEvents("update a profile", userEvents, error);
        }
      });
    }
  }

  // 3. Trending, by event time; unknown items count at once, without categories.
  const trendable = interactions.filter((event) => eventWeight(event.type, event.value, weights) > 0);
  if (trendable.length > 0) {
    try {
      const categories = await deps.categories.of(trendable.map((event) => event.itemId));
      const increments: TrendingIncrement[] = trendable.map((event) => ({
        eventId: event.eventId,
        itemId: event.itemId,
        categories: categories.get(event.itemId) ?? [],
        at: event.timestamp,
        weight: eventWeight(event.type, event.value, weights),
      }));
      await deps.trending.increment(increments);
    } catch (error) {
      failEvents("count trending", trendable, error);
    }
  }

  // 5. Served lists, logged by the serving path as impression events: record them first, so the impression
  // (and any click that follows) can be attributed. recordServed is keyed by the recommendation id.
  const servedLists = events.flatMap((event) => {
    const served = servedListOf(event);
    return served === undefined ? [] : [{ event, served }];
  });
  const unrecorded = new Set<string>();
  await forEachConcurrently(servedLists, deps.userConcurrency ?? 16, async ({ event, served }) => {
    try {
      await deps.recommendationLog.recordServed(served);
    } catch (error) {
      unrecorded.add(event.eventId);
      failEvents("record a served list", [event], error);
    }
  });

  // 6. Feedback on served lists (CTR by source and model version), old events included.
  const feedback = events.filter(
    (event) =>
      event.recommendationId !== undefined &&
      FEEDBACK_OF_TYPE[event.type] !== undefined &&
      !unrecorded.has(event.eventId),
  );
  await forEachConcurrently(feedback, deps.userConcurrency ?? 16, async (event) => {
    const kind = FEEDBACK_OF_TYPE[event.type];
    if (event.recommendationId === undefined || kind === undefined) return;
    try {
      await deps.recommendationLog.recordFeedback(event.recommendationId, kind, event.eventId);
    } catch (error) {
      failEvents("record feedback", [event], error);
    }
  });

  return {
    failedPositions: delivered.map(({ position }) => position).filter((position) => failed.has(position)),
    events: events.length,
    users: byUser.size,
    redelivered,
    tooOld,
    foldedIn,
  };
}

interface ProfileUpdate {
  readonly userId: string;
  readonly userEvents: readonly StreamEvent[];
  readonly model: Awaited<ReturnType<ActiveModelSource["current"]>>;
  /** The profile as read at the start of the batch (re-read after a lost conditional write). */
  readonly stored: UserProfile | undefined;
  readonly batch: BatchRecommendations | undefined;
  readonly now: number;
}

/** Recomputes and stores the user's profile; true when a vector was folded in. */
async function updateProfile(deps: StreamingDependencies, update: ProfileUpdate): Promise<boolean> {
  const { userId, userEvents, model, batch, now } = update;
  const recent = await deps.interactionLog.recentByUser(userId);
  const foldInStarted = performance.now();
  const taste = model === undefined ? undefined : userTasteVector({ model, recent, batch });
  if (taste !== undefined)
    deps.onTiming?.({ step: "fold-in", milliseconds: performance.now() - foldInStarted });
  const latest = Math.max(...userEvents.map((event) => event.timestamp));
  let stored = update.stored;
  for (let attempt = 1; ; attempt++) {
    const lastInteractionAt = Math.max(stored?.lastInteractionAt ?? Number.NEGATIVE_INFINITY, latest);
    const next = {
      userId,
      // Without a model the previous vector stays: it is still the best estimate serving has.
      vector: taste?.vector ?? (model === undefined ? (stored?.vector ?? null) : null),
      modelVersion: taste === undefined ? (stored?.modelVersion ?? null) : (model?.version ?? null),
      interactionCount: recent.length,
      lastInteractionAt,
      attributes: stored?.attributes ?? {},
      updatedAt: now,
    };
    // A re-delivered batch recomputes the same state: skip the write, so a replay leaves the stored
    // profile exactly as it was (revision and updatedAt included) and costs no write capacity.
    if (stored !== undefined && sameLearnedState(stored, next)) return taste?.vector != null;
    try {
      await deps.profiles.put(next, { expectedRevision: stored?.revision ?? 0 });
      return taste?.vector != null;
    } catch (error) {
      // Someone else (PUT /v1/users, another delivery) wrote in between: read again and retry.
      if (!(error instanceof ConflictError) || attempt >= PROFILE_WRITE_ATTEMPTS) throw error;
      stored = await deps.profiles.get(userId);
    }
  }
}

function sameLearnedState(
  stored: Pick<UserProfile, "vector" | "modelVersion" | "interactionCount" | "lastInteractionAt">,
  next: Pick<UserProfile, "vector" | "modelVersion" | "interactionCount" | "lastInteractionAt">,
): boolean {
  if (
    stored.modelVersion !== next.modelVersion ||
    stored.interactionCount !== next.interactionCount ||
    stored.lastInteractionAt !== next.lastInteractionAt
  )
    return false;
  if (stored.vector === null || next.vector === null) return stored.vector === next.vector;
  if (stored.vector.length !== next.vector.length) return false;
  // Bit-for-bit: fold-in is deterministic for the same inputs.
  return stored.vector.every((value, index) => Object.is(value, next.vector?.[index]));
}

function groupBy<T>(values: readonly T[], keyOf: (value: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const value of values) {
    const key = keyOf(value);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [value]);
    else group.push(value);
  }
  return groups;
}
