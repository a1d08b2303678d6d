import { parquetMetadata } from "hyparquet";
import { parquetWriteBuffer } from "hyparquet-writer";
import { describe, expect, it } from "vitest";
import {
  ARCHIVE_FORMAT_METADATA_KEY,
  ARCHIVE_FORMAT_VERSION,
  decodeArchiveParquet,
  encodeArchiveParquet,
} from "../../../layers/domain/archive/archive-parquet.ts";
import { CorruptDataError } from "../../../layers/domain/errors/domain-errors.ts";
import type { StreamEvent } from "../../../layers/ports/event-bus.ts";
import { streamEvent, VARIED_EVENTS } from "./archive-fixtures.ts";

describe("archive Parquet codec", () => {
  it("round-trips events exactly: absent optionals stay absent, unicode and numbers stay the same", async () => {
    const decoded = await decodeArchiveParquet(encodeArchiveParquet(VARIED_EVENTS));
    expect(decoded).toStrictEqual(VARIED_EVENTS);
    for (const [index, event] of decoded.entries()) {
      const original = VARIED_EVENTS[index] as StreamEvent;
      expect(Object.keys(event).sort(), event.eventId).toEqual(Object.keys(original).sort());
    }
  });

  it("writes the agreed schema: required strings, a nullable double, UTC millisecond timestamps, Snappy", () => {
    const metadata = parquetMetadata(encodeArchiveParquet(VARIED_EVENTS).slice().buffer);
    const columns = metadata.schema.slice(1).map((element) => ({
      name: element.name,
      type: element.type,
      repetition: element.repetition_type,
      logical: element.logical_type,
    }));
    const requiredString = { type: "BYTE_ARRAY", repetition: "REQUIRED", logical: { type: "STRING" } };
    const optionalString = { ...requiredString, repetition: "OPTIONAL" };
    const utcMillis = {
      type: "INT64",
      repetition: "REQUIRED",
      logical: { type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MILLIS" },
    };
    expect(columns).toEqual([
      { name: "eventId", ...requiredString },
      { name: "userId", ...requiredString },
      { name: "itemId", ...requiredString },
      { name: "type", ...requiredString },
      { name: "value", type: "DOUBLE", repetition: "OPTIONAL", logical: undefined },
      { name: "timestamp", ...utcMillis },
      { name: "receivedAt", ...utcMillis },
      { name: "recommendationId", ...optionalString },
      { name: "context", ...optionalString },
    ]);
    expect(Number(metadata.num_rows)).toBe(VARIED_EVENTS.length);
    const codecs = metadata.row_groups.flatMap((group) =>
      group.columns.map((column) => column.meta_data?.codec),
    );
    expect(new Set(codecs)).toEqual(new Set(["SNAPPY"]));
    expect(metadata.key_value_metadata).toContainEqual({
      key: ARCHIVE_FORMAT_METADATA_KEY,
      value: ARCHIVE_FORMAT_VERSION,
    });
  });

  it("gives the same bytes for the same events, so a rewritten batch is the same object", () => {
    expect(encodeArchiveParquet(VARIED_EVENTS)).toEqual(encodeArchiveParquet([...VARIED_EVENTS]));
  });

  it("reads bytes that are a view into a larger buffer", async () => {
    const bytes = encodeArchiveParquet(VARIED_EVENTS);
    const padded = new Uint8Array(bytes.byteLength + 16);
    padded.set(bytes, 8);
    expect(await decodeArchiveParquet(padded.subarray(8, 8 + bytes.byteLength))).toStrictEqual(VARIED_EVENTS);
  });

  it("answers CorruptDataError for bytes that are not an archive file", async () => {
    await expect(decodeArchiveParquet(new TextEncoder().encode("not parquet"))).rejects.toBeInstanceOf(
      CorruptDataError,
    );
    const truncated = encodeArchiveParquet(VARIED_EVENTS).subarray(0, 100);
    await expect(decodeArchiveParquet(truncated)).rejects.toBeInstanceOf(CorruptDataError);
  });

  it("answers CorruptDataError, naming the problem, for Parquet of another schema or with a row that is no event", async () => {
    const otherSchema = new Uint8Array(
      parquetWriteBuffer({ columnData: [{ name: "eventId", data: ["e-1"], type: "STRING" }] }),
    );
    await expect(decodeArchiveParquet(otherSchema)).rejects.toThrow(/missing columns userId, itemId/);
    const unknownType = { ...streamEvent("e-1"), type: "teleport" } as unknown as StreamEvent;
    const badRow = encodeArchiveParquet([streamEvent("e-0"), unknownType]);
    await expect(decodeArchiveParquet(badRow)).rejects.toThrow(/row 1: type/);
    await expect(decodeArchiveParquet(badRow)).rejects.toBeInstanceOf(CorruptDataError);
  });
});
