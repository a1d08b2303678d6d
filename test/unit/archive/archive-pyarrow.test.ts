import { execFile, spawnSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { archiveEvents } from "../../../layers/domain/archive/archive-events.ts";
import { encodeArchiveParquet } from "../../../layers/domain/archive/archive-parquet.ts";
import type { StreamEvent } from "../../../layers/ports/event-bus.ts";
import { HOUR_MS, JAN_15_0730, streamEvent, useTemporaryArchive, VARIED_EVENTS } from "./archive-fixtures.ts";

// The archive is written for the nightly Spark job, which reads it through Parquet's Java implementation;
// pyarrow (Parquet's C++ implementation) stands in for it here: an independent reader of the same format.

const run = promisify(execFile);

/** Whether `python3 -c "import pyarrow"` works; CI installs pyarrow, a laptop may not have it. */
const pyarrowProbe = spawnSync("python3", ["-c", "import pyarrow"], { encoding: "utf8" });
const pyarrowProbeFailure =
  pyarrowProbe.error?.message ??
  (pyarrowProbe.status === 0 ? undefined : pyarrowProbe.stderr.trim().split("\n").pop());
const pyarrowMissing =
  pyarrowProbeFailure === undefined
    ? undefined
    : `python3 cannot import pyarrow (${pyarrowProbeFailure}); install it (pip install pyarrow) to run this test`;

/** Reads one file, or a hive-partitioned directory, and prints schema and rows as JSON (times as epoch ms). */
const READ_WITH_PYARROW = `
import json, sys
import pyarrow as pa, pyarrow.dataset as ds, pyarrow.parquet as pq
path, mode = sys.argv[1], sys.argv[2]
if mode == "file":
    table = pq.read_table(path)
    codecs = sorted({pq.ParquetFile(path).metadata.row_group(0).column(i).compression
                     for i in range(table.num_columns)})
else:
    partitioning = ds.partitioning(pa.schema([("dt", pa.string()), ("hour", pa.string())]), flavor="hive")
    table = ds.dataset(path, format="parquet", partitioning=partitioning).to_table()
    codecs = []
schema = {field.name: [str(field.type), field.nullable] for field in table.schema}
for name in ("timestamp", "receivedAt"):
    table = table.set_column(table.schema.get_field_index(name), name, table.column(name).cast(pa.int64()))
print(json.dumps({"schema": schema, "codecs": codecs, "rows": table.to_pylist()}, ensure_ascii=False))
`;

interface PyarrowRead {
  readonly schema: Record<string, [string, boolean]>;
  readonly codecs: string[];
  readonly rows: Array<Record<string, unknown>>;
}

async function readWithPyarrow(path: string, mode: "file" | "dataset"): Promise<PyarrowRead> {
  const { stdout } = await run("python3", ["-c", READ_WITH_PYARROW, path, mode], { encoding: "utf8" });
  return JSON.parse(stdout) as PyarrowRead;
}

/** An event as pyarrow reports it: every column present, null where the event has nothing. */
function asPyarrowRow(event: StreamEvent): Record<string, unknown> {
  return {
    eventId: event.eventId,
    userId: event.userId,
    itemId: event.itemId,
    type: event.type,
    value: event.value ?? null,
    timestamp: event.timestamp,
    receivedAt: event.receivedAt,
    recommendationId: event.recommendationId ?? null,
    context: event.context === undefined ? null : JSON.stringify(event.context),
  };
}

describe("the archive as pyarrow reads it", () => {
  const archive = useTemporaryArchive();

  it("reads every row of a file as written, with UTC millisecond timestamps and Snappy pages", async (context) => {
    if (pyarrowMissing !== undefined) context.skip(pyarrowMissing);
    const path = join(archive().root, "events.parquet");
    await writeFile(path, encodeArchiveParquet(VARIED_EVENTS));
    const read = await readWithPyarrow(path, "file");
    expect(read.schema).toEqual({
      eventId: ["string", false],
      userId: ["string", false],
      itemId: ["string", false],
      type: ["string", false],
      value: ["double", true],
      timestamp: ["timestamp[ms, tz=UTC]", false],
      receivedAt: ["timestamp[ms, tz=UTC]", false],
      recommendationId: ["string", true],
      context: ["string", true],
    });
    expect(read.codecs).toEqual(["SNAPPY"]);
    expect(read.rows).toEqual(VARIED_EVENTS.map(asPyarrowRow));
    const contexts = read.rows.map((row) =>
      row.context === null ? undefined : JSON.parse(String(row.context)),
    );
    expect(contexts).toEqual(VARIED_EVENTS.map((event) => event.context));
  });

  it("reads an archived directory as a hive-partitioned dataset with dt and hour columns", async (context) => {
    if (pyarrowMissing !== undefined) context.skip(pyarrowMissing);
    const { root, store } = archive();
    const events = [
      streamEvent("e-1"),
      streamEvent("e-2", { receivedAt: JAN_15_0730 + HOUR_MS }),
      streamEvent("e-3", { receivedAt: JAN_15_0730 + 17 * HOUR_MS, value: 2 }),
    ];
    await archiveEvents(store, "shardId-000000000000-1-3", events);
    const read = await readWithPyarrow(join(root, "events"), "dataset");
    const rows = read.rows
      .map((row) => ({ eventId: row.eventId, receivedAt: row.receivedAt, dt: row.dt, hour: row.hour }))
      .sort((a, b) => String(a.eventId).localeCompare(String(b.eventId)));
    expect(rows).toEqual([
      { eventId: "e-1", receivedAt: JAN_15_0730, dt: "2025-01-15", hour: "07" },
      { eventId: "e-2", receivedAt: JAN_15_0730 + HOUR_MS, dt: "2025-01-15", hour: "08" },
      { eventId: "e-3", receivedAt: JAN_15_0730 + 17 * HOUR_MS, dt: "2025-01-16", hour: "00" },
    ]);
  });
});
