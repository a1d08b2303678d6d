import { describe, expect, it } from "vitest";
import { archiveEvents } from "../../../layers/domain/archive/archive-events.ts";
import { readArchive } from "../../../layers/domain/archive/read-archive.ts";
import { InvalidInputError } from "../../../layers/domain/errors/domain-errors.ts";
import { HOUR_MS, JAN_15_0730, streamEvent, useTemporaryArchive } from "./archive-fixtures.ts";

const DAY_MS = 24 * HOUR_MS;

describe("readArchive", () => {
  const archive = useTemporaryArchive();

  it("returns each event once when batches delivered with other boundaries repeat it", async () => {
    const { store } = archive();
    const [a, b, c, d] = [
      streamEvent("e-a"),
      streamEvent("e-b", { receivedAt: JAN_15_0730 + 1 }),
      streamEvent("e-c", { receivedAt: JAN_15_0730 + 2 }),
      streamEvent("e-d", { receivedAt: JAN_15_0730 + 3 }),
    ];
    // The first delivery, then a redelivery split differently after a retry: b and c are in two files each.
    await archiveEvents(store, "shardId-0-1-3", [a, b, c]);
    await archiveEvents(store, "shardId-0-2-4", [b, c, d]);
    expect(await store.list("events/")).toHaveLength(2);
    expect(await readArchive(store)).toStrictEqual([a, b, c, d]);
  });

  it("keeps the copy that arrived first, then the one in the first key, and returns events in arrival order", async () => {
    const { store } = archive();
    const early = streamEvent("e-resent", { receivedAt: JAN_15_0730 + 10, itemId: "early" });
    const late = streamEvent("e-resent", { receivedAt: JAN_15_0730 + 2 * HOUR_MS, itemId: "late" });
    const other = streamEvent("e-other", { receivedAt: JAN_15_0730 + 5 });
    await archiveEvents(store, "batch-9", [late]);
    await archiveEvents(store, "batch-1", [early, other]);
    expect(await readArchive(store)).toStrictEqual([other, early]);

    const inKeyB = streamEvent("e-tie", { itemId: "in-b" });
    const inKeyA = streamEvent("e-tie", { itemId: "in-a" });
    await archiveEvents(store, "batch-tie-b", [inKeyB]);
    await archiveEvents(store, "batch-tie-a", [inKeyA]);
    expect((await readArchive(store)).find((event) => event.eventId === "e-tie")).toStrictEqual(inKeyA);
  });

  it("reads only the hours of a range, both ends included, across days", async () => {
    const { store } = archive();
    const at = (eventId: string, hoursLater: number) =>
      streamEvent(eventId, { receivedAt: JAN_15_0730 + hoursLater * HOUR_MS });
    const events = [
      at("h07", 0),
      at("h08", 1),
      at("h23", 16),
      at("next-00", 17),
      at("next-01", 18),
      at("far", 72),
    ];
    await archiveEvents(store, "batch-1", events);
    const ids = async (range: Parameters<typeof readArchive>[1]) =>
      (await readArchive(store, range)).map((event) => event.eventId);
    expect(
      await ids({ from: { dt: "2025-01-15", hour: "08" }, to: { dt: "2025-01-16", hour: "00" } }),
    ).toEqual(["h08", "h23", "next-00"]);
    expect(await ids({ from: { dt: "2025-01-16", hour: "01" } })).toEqual(["next-01", "far"]);
    expect(await ids({ to: { dt: "2025-01-15", hour: "07" } })).toEqual(["h07"]);
    expect(
      await ids({ from: { dt: "2025-01-17", hour: "00" }, to: { dt: "2025-01-17", hour: "23" } }),
    ).toEqual([]);
    expect(await ids({})).toEqual(events.map((event) => event.eventId));
  });

  it("skips objects under events/ that are not archive files", async () => {
    const { store } = archive();
    const event = streamEvent("e-1", { receivedAt: JAN_15_0730 + DAY_MS });
    await archiveEvents(store, "batch-1", [event]);
    await store.put("events/dt=2025-01-16/hour=07/_SUCCESS", new Uint8Array(0));
    await store.put("events/dt=2025-01-16/hour=07/notes.txt", new TextEncoder().encode("hello"));
    expect(await readArchive(store)).toStrictEqual([event]);
  });

  it("refuses a range that ends before it starts or names no real hour", async () => {
    const { store } = archive();
    await expect(
      readArchive(store, { from: { dt: "2025-01-16", hour: "00" }, to: { dt: "2025-01-15", hour: "23" } }),
    ).rejects.toBeInstanceOf(InvalidInputError);
    await expect(readArchive(store, { from: { dt: "2025-01-15", hour: "25" } })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
  });
});
