import { describe, expect, it } from "vitest";
import { collectTrainingData } from "../../../layers/domain/pipeline/collect-training-data.ts";
import type { InteractionSource, SourceEvent } from "../../../layers/domain/pipeline/interaction-source.ts";

const event = (
  eventId: string,
  userId: string,
  itemId: string,
  type: SourceEvent["type"],
  timestamp: number,
) => ({
  eventId,
  userId,
  itemId,
  type,
  timestamp,
});

/** An archive batch, then a recent batch that overlaps it by one event (as the 48 h log overlaps). */
function overlappingSource(): InteractionSource {
  return {
    archiveLocation: "/archive",
    async *batches() {
      yield {
        origin: "archive",
        events: [
          event("a1", "u1", "i1", "view", 1_000),
          event("a2", "u1", "i2", "purchase", 2_000),
          event("a3", "u2", "i1", "click", 1_500),
          event("a4", "u1", "i3", "impression", 9_000),
        ],
      };
      yield {
        origin: "recent",
        events: [
          event("a2", "u1", "i2", "purchase", 2_000),
          event("r1", "u1", "i3", "click", 3_000),
          event("r2", "u2", "i2", "dismiss", 4_000),
          { ...event("r3", "u3", "i1", "rate", 5_000), value: 4 },
        ],
      };
    },
  };
}

describe("collectTrainingData", () => {
  it("keeps each event id once, drops events that cannot train, and holds out each user's latest positive", async () => {
    const data = await collectTrainingData(overlappingSource());

    expect(data.events).toBe(7);
    expect(data.duplicates).toBe(1);
    // u1: view, purchase, click (latest positive: r1 held out; the later impression does not train);
    // u2: one positive only, so nothing held out; u3: one rating.
    expect(data.holdoutEventIds).toEqual(["r1"]);
    const rows = (table: typeof data.train) =>
      Array.from({ length: table.length }, (_, row) => [
        table.users.idAt(table.userIndex[row] as number),
        table.items.idAt(table.itemIndex[row] as number),
        table.weight[row],
        table.timestamp[row],
      ]);
    expect(rows(data.holdout)).toEqual([["u1", "i3", 2, 3]]);
    expect(rows(data.train)).toEqual([
      ["u1", "i1", 1, 1],
      ["u1", "i2", 8, 2],
      ["u2", "i1", 2, 1.5],
      ["u2", "i2", -1, 4],
      ["u3", "i1", 4, 5],
    ]);
  });

  it("exports the recent events (not the archived copies) in the Spark job's JSON-lines format", async () => {
    const data = await collectTrainingData(overlappingSource());

    const lines = data.recentExport
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.eventId)).toEqual(["r1", "r2", "r3"]);
    expect(lines[2]).toEqual({
      eventId: "r3",
      userId: "u3",
      itemId: "i1",
      type: "rate",
      value: 4,
      timestamp: 5_000,
    });
    expect(lines[0].value).toBeNull();
  });

  it("breaks a tie of latest timestamps by event id, so both trainers hold out the same event", async () => {
    const source: InteractionSource = {
      async *batches() {
        yield {
          origin: "recent",
          events: [
            event("b", "u1", "i1", "view", 7_000),
            event("c", "u1", "i2", "view", 7_000),
            event("a", "u1", "i3", "view", 7_000),
          ],
        };
      },
    };
    expect((await collectTrainingData(source)).holdoutEventIds).toEqual(["c"]);
  });
});
