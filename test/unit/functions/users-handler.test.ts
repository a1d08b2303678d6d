import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  createUsersHandler,
  type UsersHandlerDependencies,
} from "../../../functions/api/create-users-handler.ts";
import { InMemoryBatchRecStore } from "../../../layers/adapters/embedded/in-memory-batch-rec-store.ts";
import { InMemoryCache } from "../../../layers/adapters/embedded/in-memory-cache.ts";
import { InMemoryInteractionLog } from "../../../layers/adapters/embedded/in-memory-interaction-log.ts";
import { InMemoryProfileStore } from "../../../layers/adapters/embedded/in-memory-profile-store.ts";
import { ConflictError, DependencyError } from "../../../layers/domain/errors/domain-errors.ts";
import { MAX_ATTRIBUTE_WRITE_ATTEMPTS } from "../../../layers/domain/users/set-user-attributes.ts";
import type { Cache } from "../../../layers/ports/cache.ts";
import type { ProfileStore } from "../../../layers/ports/profile-store.ts";
import { callRoute } from "./api-request.ts";

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);

function stores() {
  const clock = () => NOW;
  return {
    profiles: new InMemoryProfileStore(),
    interactions: new InMemoryInteractionLog({ clock }),
    batchRecs: new InMemoryBatchRecStore({ clock }),
    cache: new InMemoryCache({ clock }),
    clock,
  };
}

const putUser = (handler: ReturnType<typeof createUsersHandler>, userId: string, body: unknown) =>
  callRoute(handler, { method: "PUT", route: "/v1/users/{userId}", pathParameters: { userId }, body });
const deleteUser = (handler: ReturnType<typeof createUsersHandler>, userId: string) =>
  callRoute(handler, { method: "DELETE", route: "/v1/users/{userId}", pathParameters: { userId } });

/** A user the stream has seen: a taste vector, interactions, a nightly list and a cached list. */
async function seedUser(deps: ReturnType<typeof stores>, userId: string): Promise<void> {
  await deps.profiles.put({
    userId,
    vector: new Float32Array([0.5, -0.25]),
    modelVersion: "v1",
    interactionCount: 3,
    lastInteractionAt: NOW - 1000,
    attributes: { locale: "en" },
    updatedAt: NOW - 1000,
  });
  await deps.interactions.append([
    { eventId: `${userId}-e1`, userId, itemId: "i-1", type: "click", weight: 1, occurredAt: NOW - 1000 },
  ]);
  await deps.batchRecs.putMany([
    {
      userId,
      modelVersion: "v1",
      items: [{ itemId: "i-2", score: 1 }],
      generatedAt: NOW,
      expiresAt: NOW + 86_400_000,
    },
  ]);
  await deps.cache.set({ userId, modelVersion: "v1", variant: "limit=10" }, "[]", 3600);
}

beforeEach(() => {
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("PUT /v1/users/{userId}", () => {
  it("creates a profile without a vector for a new user and answers the attributes", async () => {
    const deps = stores();
    const response = await putUser(createUsersHandler(deps), "u-1", { attributes: { locale: "de-AT" } });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ userId: "u-1", attributes: { locale: "de-AT" }, updatedAt: NOW });
    expect(await deps.profiles.get("u-1")).toMatchObject({
      vector: null,
      modelVersion: null,
      interactionCount: 0,
      attributes: { locale: "de-AT" },
      revision: 1,
    });
  });

  it("replaces the attributes and keeps the taste vector, its model and the counters", async () => {
    const deps = stores();
    await seedUser(deps, "u-1");
    await putUser(createUsersHandler(deps), "u-1", { attributes: { segment: "gold" } });
    const stored = await deps.profiles.get("u-1");
    expect(stored).toMatchObject({
      modelVersion: "v1",
      interactionCount: 3,
      lastInteractionAt: NOW - 1000,
      attributes: { segment: "gold" },
      updatedAt: NOW,
      revision: 2,
    });
    expect(Array.from(stored?.vector ?? [])).toEqual([0.5, -0.25]);
  });

  it("reads again and retries when a fold-in wrote in between, keeping what it wrote", async () => {
    const deps = stores();
    await seedUser(deps, "u-1");
    const real = deps.profiles;
    let raced = false;
    const racing: ProfileStore = {
      get: (userId) => real.get(userId),
      getMany: (userIds) => real.getMany(userIds),
      delete: (userId) => real.delete(userId),
      put: async (profile, options) => {
        if (!raced) {
          raced = true;
          // The stream folds in a click between our read and our write.
          const current = await real.get(profile.userId);
          if (current !== undefined) await real.put({ ...current, interactionCount: 4 });
        }
        return real.put(profile, options);
      },
    };
    const response = await putUser(createUsersHandler({ ...deps, profiles: racing }), "u-1", {
      attributes: {},
    });
    expect(response.status).toBe(200);
    expect(await real.get("u-1")).toMatchObject({ interactionCount: 4, attributes: {}, revision: 3 });
  });

  it("answers 409 when every attempt loses to a concurrent write", async () => {
    const deps = stores();
    let attempts = 0;
    const alwaysStale: ProfileStore = {
      get: (userId) => deps.profiles.get(userId),
      getMany: (userIds) => deps.profiles.getMany(userIds),
      delete: (userId) => deps.profiles.delete(userId),
      put: async () => {
        attempts++;
        throw new ConflictError("profile u-1 is at revision 7, the write expected 6");
      },
    };
    const response = await putUser(createUsersHandler({ ...deps, profiles: alwaysStale }), "u-1", {
      attributes: {},
    });
    expect(response.status).toBe(409);
    expect(attempts).toBe(MAX_ATTRIBUTE_WRITE_ATTEMPTS);
  });

  it.each([
    ["no attributes", {}, "body.attributes"],
    ["attributes that are not an object", { attributes: ["a"] }, "body.attributes"],
    ["an unknown field", { attributes: {}, vector: [1, 2] }, "body"],
    ["a value over 1,000 characters", { attributes: { bio: "b".repeat(1001) } }, "body.attributes.bio"],
    ["a key __proto__", JSON.parse('{"attributes":{"__proto__":{"admin":true}}}'), "body"],
  ])("answers 400 for %s, naming the field, and writes nothing", async (_, body, field) => {
    const deps = stores();
    const response = await putUser(createUsersHandler(deps), "u-1", body);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: "invalid_input", field });
    expect(await deps.profiles.get("u-1")).toBeUndefined();
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it("answers 400 for user ids that are no ids", async () => {
    const handler = createUsersHandler(stores());
    for (const userId of ["..", "%2e%2e", "a/b", "", "u".repeat(201), "\u0000"]) {
      const response = await putUser(handler, userId, { attributes: {} });
      expect(response.status, JSON.stringify(userId)).toBe(400);
      expect(response.body).toMatchObject({ field: "pathParameters.userId" });
    }
  });
});

describe("DELETE /v1/users/{userId}", () => {
  it("erases the profile, interactions, nightly list and cached lists: 204, no body", async () => {
    const deps = stores();
    await seedUser(deps, "u-1");
    await seedUser(deps, "u-2");
    const response = await deleteUser(createUsersHandler(deps), "u-1");
    expect(response.status).toBe(204);
    expect(response.rawBody).toBe("");
    expect(await deps.profiles.get("u-1")).toBeUndefined();
    expect(await deps.interactions.recentByUser("u-1")).toEqual([]);
    expect(await deps.batchRecs.get("u-1")).toBeUndefined();
    expect(await deps.cache.get({ userId: "u-1", modelVersion: "v1", variant: "limit=10" })).toBeUndefined();
    // Nobody else's data goes with it.
    expect(await deps.profiles.get("u-2")).toBeDefined();
    expect(await deps.interactions.recentByUser("u-2")).toHaveLength(1);
    expect(await deps.batchRecs.get("u-2")).toBeDefined();
    expect(await deps.cache.get({ userId: "u-2", modelVersion: "v1", variant: "limit=10" })).toBe("[]");
  });

  it("is idempotent: erasing twice, or a user never seen, answers 204", async () => {
    const deps = stores();
    await seedUser(deps, "u-1");
    const handler = createUsersHandler(deps);
    expect((await deleteUser(handler, "u-1")).status).toBe(204);
    expect((await deleteUser(handler, "u-1")).status).toBe(204);
    expect((await deleteUser(handler, "nobody")).status).toBe(204);
  });

  it("erases every store it can when one fails, answers 503, and a retry completes the job", async () => {
    const deps = stores();
    await seedUser(deps, "u-1");
    let cacheDown = true;
    const flakyCache: Cache = {
      get: (key) => deps.cache.get(key),
      set: (key, value, ttl) => deps.cache.set(key, value, ttl),
      deleteUser: async (userId) => {
        if (cacheDown) throw new DependencyError("redis", "not connected (reconnecting)");
        return deps.cache.deleteUser(userId);
      },
    };
    const handler = createUsersHandler({ ...deps, cache: flakyCache } satisfies UsersHandlerDependencies);
    const failed = await deleteUser(handler, "u-1");
    expect(failed.status).toBe(503);
    expect(JSON.stringify(failed.body)).not.toMatch(/redis/);
    expect(await deps.profiles.get("u-1")).toBeUndefined();
    expect(await deps.interactions.recentByUser("u-1")).toEqual([]);
    expect(await deps.batchRecs.get("u-1")).toBeUndefined();

    cacheDown = false;
    expect((await deleteUser(handler, "u-1")).status).toBe(204);
    expect(await deps.cache.get({ userId: "u-1", modelVersion: "v1", variant: "limit=10" })).toBeUndefined();
  });
});
