import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { parquetWriteBuffer, type SchemaElement } from "hyparquet-writer";
import type { StreamEvent } from "../../ports/event-bus.ts";
import { CorruptDataError } from "../errors/domain-errors.ts";
import { EVENT_TYPES } from "../interactions/event-types.ts";
import * as z from "../validation/zod.ts";

/**
 * The archive's file format (docs/streaming.md, "The event archive"): one row per StreamEvent, Snappy
 * compressed. Strings are UTF-8 (`STRING`); both times are INT64 epoch milliseconds annotated
 * TIMESTAMP(MILLIS, UTC), with the legacy TIMESTAMP_MILLIS annotation too for older readers, so Spark
 * and pyarrow read them as UTC timestamps. `context` is the event's context object as JSON text: one string
 * column any reader can take, where a struct would change shape with every new context key.
 */
const ARCHIVE_COLUMNS = [
  "eventId",
  "userId",
  "itemId",
  "type",
  "value",
  "timestamp",
  "receivedAt",
  "recommendationId",
  "context",
] as const;

/** Key-value metadata naming the format, so a reader can tell this schema from a later one. */
export const ARCHIVE_FORMAT_METADATA_KEY = "flywheel.event-archive.format";
export const ARCHIVE_FORMAT_VERSION = "1";

function stringColumn(name: string, required: boolean): SchemaElement {
  return {
    name,
    type: "BYTE_ARRAY",
    converted_type: "UTF8",
    logical_type: { type: "STRING" },
    repetition_type: required ? "REQUIRED" : "OPTIONAL",
  };
}

function utcMillisColumn(name: string): SchemaElement {
  return {
    name,
    type: "INT64",
    converted_type: "TIMESTAMP_MILLIS",
    logical_type: { type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MILLIS" },
    repetition_type: "REQUIRED",
  };
}

const ARCHIVE_SCHEMA: SchemaElement[] = [
  { name: "root", num_children: ARCHIVE_COLUMNS.length },
  stringColumn("eventId", true),
  stringColumn("userId", true),
  stringColumn("itemId", true),
  stringColumn("type", true),
  { name: "value", type: "DOUBLE", repetition_type: "OPTIONAL" },
  utcMillisColumn("timestamp"),
  utcMillisColumn("receivedAt"),
  stringColumn("recommendationId", false),
  stringColumn("context", false),
];

/**
 * What a row must hold to be an event. Shape only, not the stream's id and size rules (StreamEventSchema):
 * those may tighten later, and files archived under the old rules must stay readable.
 */
const ArchivedEventSchema = z.strictObject({
  eventId: z.string().check(z.minLength(1)),
  userId: z.string().check(z.minLength(1)),
  itemId: z.string().check(z.minLength(1)),
  type: z.enum(EVENT_TYPES),
  value: z.optional(z.number()),
  timestamp: z.number().check(z.int(), z.nonnegative()),
  receivedAt: z.number().check(z.int(), z.nonnegative()),
  recommendationId: z.optional(z.string().check(z.minLength(1))),
  context: z.optional(z.record(z.string(), z.unknown())),
});

/**
 * A batch is at most 10 000 records (the event-source mapping's limit), so one row group per file: a reader
 * plans one read per file.
 */
const ROW_GROUP_SIZE = 100_000;

/** The Parquet bytes of `events`, in their order. The same events always give the same bytes. */
export function encodeArchiveParquet(events: readonly StreamEvent[]): Uint8Array {
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: "eventId", data: events.map((event) => event.eventId) },
      { name: "userId", data: events.map((event) => event.userId) },
      { name: "itemId", data: events.map((event) => event.itemId) },
      { name: "type", data: events.map((event) => event.type) },
      { name: "value", data: events.map((event) => event.value ?? null) },
      { name: "timestamp", data: events.map((event) => event.timestamp) },
      { name: "receivedAt", data: events.map((event) => event.receivedAt) },
      { name: "recommendationId", data: events.map((event) => event.recommendationId ?? null) },
      {
        name: "context",
        data: events.map((event) => (event.context === undefined ? null : JSON.stringify(event.context))),
      },
    ],
    schema: ARCHIVE_SCHEMA,
    codec: "SNAPPY",
    rowGroupSize: ROW_GROUP_SIZE,
    kvMetadata: [{ key: ARCHIVE_FORMAT_METADATA_KEY, value: ARCHIVE_FORMAT_VERSION }],
    createdBy: "flywheel event archive",
  });
  return new Uint8Array(buffer);
}

/**
 * The events of an archive file, in file order. A file that is not Parquet, lacks a column, or holds a row
 * that is not a valid StreamEvent is CorruptDataError: the archive is written only by encodeArchiveParquet.
 */
export async function decodeArchiveParquet(bytes: Uint8Array): Promise<StreamEvent[]> {
  // hyparquet reads an ArrayBuffer; copy only when `bytes` is a view into a larger buffer.
  const file =
    bytes.byteOffset === 0 &&
    bytes.byteLength === bytes.buffer.byteLength &&
    bytes.buffer instanceof ArrayBuffer
      ? bytes.buffer
      : bytes.slice().buffer;
  let rows: Record<string, unknown>[];
  try {
    const metadata = parquetMetadata(file);
    const columns = new Set(metadata.schema.slice(1).map((element) => element.name));
    const missing = ARCHIVE_COLUMNS.filter((name) => !columns.has(name));
    if (missing.length > 0) throw new Error(`missing columns ${missing.join(", ")}`);
    rows = await parquetReadObjects({
      file,
      metadata,
      columns: [...ARCHIVE_COLUMNS],
      // Epoch milliseconds as numbers, exactly as written, rather than Date objects.
      parsers: { timestampFromMilliseconds: (millis: bigint) => Number(millis) },
    });
  } catch (error) {
    throw new CorruptDataError(`event archive file is not readable: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return rows.map((row, index) => eventOfRow(row, index));
}

function eventOfRow(row: Record<string, unknown>, index: number): StreamEvent {
  let context: unknown;
  if (row.context !== null && row.context !== undefined) {
    try {
      context = JSON.parse(String(row.context));
    } catch {
      throw new CorruptDataError(`event archive row ${index}: context is not JSON`);
    }
  }
  const candidate = {
    eventId: row.eventId,
    userId: row.userId,
    itemId: row.itemId,
    type: row.type,
    timestamp: row.timestamp,
    receivedAt: row.receivedAt,
    ...(row.value === null || row.value === undefined ? {} : { value: row.value }),
    ...(row.recommendationId === null || row.recommendationId === undefined
      ? {}
      : { recommendationId: row.recommendationId }),
    ...(context === undefined ? {} : { context }),
  };
  const parsed = ArchivedEventSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = (issue?.path ?? []).map(String).join(".") || "row";
    throw new CorruptDataError(`event archive row ${index}: ${field}: ${issue?.message ?? "invalid"}`);
  }
  const { value, recommendationId, context: parsedContext, ...required } = parsed.data;
  return {
    ...required,
    ...(value === undefined ? {} : { value }),
    ...(recommendationId === undefined ? {} : { recommendationId }),
    ...(parsedContext === undefined ? {} : { context: parsedContext }),
  };
}
