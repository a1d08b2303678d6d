import { describe, expect, it } from "vitest";
import {
  batchKafkaRecords,
  KAFKA_DEFAULT_MAX_MESSAGE_BYTES,
  MAX_RECORD_FRAMING_BYTES,
  maxRecordBytesFor,
  partitionForKey,
  prepareKafkaRecord,
  RECORD_BATCH_HEADER_BYTES,
} from "../../../layers/adapters/aws/msk/kafka-record-batches.ts";
import { MskEventBus } from "../../../layers/adapters/aws/msk/msk-event-bus.ts";
import type { StreamEvent } from "../../../layers/ports/event-bus.ts";

const event = (userId: string, extra: Partial<StreamEvent> = {}): StreamEvent => ({
  eventId: "e-1",
  userId,
  itemId: "i-1",
  type: "click",
  timestamp: 1_700_000_000_000,
  receivedAt: 1_700_000_000_100,
  ...extra,
});

describe("Kafka records for stream events", () => {
  it("keys each record by user id and carries the event's JSON as the value", () => {
    const prepared = prepareKafkaRecord(event("user-ü"), 3, 1000);
    if (!prepared.ok) throw new Error(prepared.reason);
    expect(prepared.record.index).toBe(3);
    expect(prepared.record.key).toBe("user-ü");
    expect(JSON.parse(prepared.record.value.toString("utf8"))).toEqual(event("user-ü"));
    expect(prepared.record.bytes).toBe(
      prepared.record.value.byteLength + Buffer.byteLength("user-ü") + MAX_RECORD_FRAMING_BYTES,
    );
  });

  it("refuses a record over the limit (key plus value), an empty user id and what JSON cannot hold", () => {
    const exactly = JSON.stringify(event("u")).length + 1;
    expect(prepareKafkaRecord(event("u"), 0, exactly).ok).toBe(true);
    const over = prepareKafkaRecord(event("u"), 0, exactly - 1);
    expect(over).toEqual({
      ok: false,
      reason: expect.stringMatching(/over the \d+-byte Kafka record limit/),
    });
    expect(prepareKafkaRecord(event(""), 0, 10_000).ok).toBe(false);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(prepareKafkaRecord(event("u", { context: cyclic }), 0, 10_000)).toEqual({
      ok: false,
      reason: expect.stringMatching(/not serialisable/),
    });
  });

  it("derives the record limit from max.message.bytes: one record with its framing fills one batch", () => {
    expect(maxRecordBytesFor(KAFKA_DEFAULT_MAX_MESSAGE_BYTES)).toBe(
      KAFKA_DEFAULT_MAX_MESSAGE_BYTES - RECORD_BATCH_HEADER_BYTES - MAX_RECORD_FRAMING_BYTES,
    );
  });

  it("batches in order by count and by the batch's bytes, header included", () => {
    const record = (index: number, bytes: number) => ({ index, key: "k", value: Buffer.alloc(0), bytes });
    const records = [record(0, 40), record(1, 40), record(2, 40), record(3, 10)];
    expect(batchKafkaRecords(records, 2, 1000).map((b) => b.map((r) => r.index))).toEqual([
      [0, 1],
      [2, 3],
    ]);
    // 61 header bytes + 80 fit in 141; a third record would not.
    expect(batchKafkaRecords(records, 500, 141).map((b) => b.map((r) => r.index))).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(batchKafkaRecords(records, 500, 140).map((b) => b.map((r) => r.index))).toEqual([
      [0],
      [1],
      [2, 3],
    ]);
    expect(batchKafkaRecords([], 500, 1000)).toEqual([]);
  });

  it("partitions like the Java client's default partitioner (murmur2, sign bit cleared)", () => {
    // Utils.murmur2 values from Kafka's own tests: "21" → -973932308, "foobar" → -790332482, "abc" → 479470107.
    expect(partitionForKey("21", 7)).toBe((-973932308 & 0x7fffffff) % 7);
    expect(partitionForKey("foobar", 5)).toBe((-790332482 & 0x7fffffff) % 5);
    expect(partitionForKey("abc", 3)).toBe(479470107 % 3);
    expect(partitionForKey("anyone", 1)).toBe(0);
  });

  it("refuses settings that could never send a record", () => {
    const connection = { clientId: "t", bootstrapBrokers: ["127.0.0.1:1"] };
    expect(() => new MskEventBus({ connection, topic: "" })).toThrow(/topic/);
    expect(() => new MskEventBus({ connection, topic: "t", maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(() => new MskEventBus({ connection, topic: "t", maxMessageBytes: 90 })).toThrow(/maxMessageBytes/);
    expect(new MskEventBus({ connection, topic: "t" }).recordLimitBytes).toBe(
      maxRecordBytesFor(KAFKA_DEFAULT_MAX_MESSAGE_BYTES),
    );
  });

  it("publishes an empty batch without reaching for a broker", async () => {
    const bus = new MskEventBus({
      connection: { clientId: "t", bootstrapBrokers: ["127.0.0.1:1"] },
      topic: "t",
      createProducer: () => {
        throw new Error("no producer is needed for nothing");
      },
    });
    expect(await bus.publish([])).toEqual({ failed: [] });
  });
});
