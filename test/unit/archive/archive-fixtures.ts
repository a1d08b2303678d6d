import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach } from "vitest";
import { FileSystemArchiveStore } from "../../../layers/adapters/embedded/file-system-archive-store.ts";
import type { StreamEvent } from "../../../layers/ports/event-bus.ts";

/** 2025-01-15T07:30:00.000Z */
export const JAN_15_0730 = Date.UTC(2025, 0, 15, 7, 30);
export const HOUR_MS = 3_600_000;

/** A valid StreamEvent with only the required fields, arrived at 07:30 UTC; `overrides` win. */
export function streamEvent(eventId: string, overrides: Partial<StreamEvent> = {}): StreamEvent {
  return {
    eventId,
    userId: "u-1",
    itemId: "i-1",
    type: "click",
    timestamp: JAN_15_0730 - 5_000,
    receivedAt: JAN_15_0730,
    ...overrides,
  };
}

/**
 * A file-system archive in a fresh temporary directory for every test of the enclosing describe, removed
 * after it (even when the test fails).
 */
export function useTemporaryArchive(): () => {
  readonly root: string;
  readonly store: FileSystemArchiveStore;
} {
  let current: { root: string; store: FileSystemArchiveStore } | undefined;
  beforeEach(async () => {
    const root = await mkdtemp(join(tmpdir(), "flywheel-archive-"));
    current = { root, store: new FileSystemArchiveStore(root) };
  });
  afterEach(async () => {
    const finished = current;
    current = undefined;
    if (finished !== undefined) await rm(finished.root, { recursive: true, force: true });
  });
  return () => {
    if (current === undefined) throw new Error("the temporary archive exists only inside a test");
    return current;
  };
}

/** Every optional field absent, every optional field present, and values at the edges of their types. */
export const VARIED_EVENTS: readonly StreamEvent[] = [
  streamEvent("e-required-only"),
  streamEvent("e-everything", {
    userId: "ユーザー-42",
    itemId: "çå-item-✓",
    type: "rate",
    value: 4.5,
    recommendationId: "rec:2025-01-15~7",
    context: { surface: "home", slot: 3, nested: { tags: ["été", "😀"], ok: true, none: null } },
  }),
  streamEvent("e-edge-values", {
    type: "purchase",
    value: -0.1,
    timestamp: 0,
    receivedAt: JAN_15_0730 + 1,
    context: {},
  }),
  streamEvent("e-large-numbers", {
    value: 123_456.789_012_345,
    timestamp: Date.UTC(9999, 11, 31, 23, 59, 59, 999),
    receivedAt: 2 ** 52,
  }),
  streamEvent("e-zero-value", { type: "view", value: 0 }),
];
