import { describe, expect, it } from "vitest";
import { ARTIFACT_BUCKET_DEFINITION } from "../../../infra/config/data-resource-definitions.ts";
import { requireArchiveKey } from "../../../layers/domain/archive/archive-keys.ts";
import {
  archiveBatchFileName,
  archiveObjectKey,
  archivePartitionOf,
  archivePartitionOfKey,
  archivePartitionPrefix,
  compareArchivePartitions,
  EVENT_ARCHIVE_PREFIX,
  requireArchivePartition,
} from "../../../layers/domain/archive/archive-layout.ts";
import { InvalidInputError } from "../../../layers/domain/errors/domain-errors.ts";

describe("archive layout", () => {
  it("partitions by the UTC day and hour of arrival, zero-padded", () => {
    expect(archivePartitionOf(Date.UTC(2025, 0, 5, 7, 59, 59, 999))).toEqual({
      dt: "2025-01-05",
      hour: "07",
    });
    expect(archivePartitionOf(Date.UTC(2025, 0, 5, 8))).toEqual({ dt: "2025-01-05", hour: "08" });
    expect(archivePartitionOf(Date.UTC(2024, 11, 31, 23, 30))).toEqual({ dt: "2024-12-31", hour: "23" });
    expect(archivePartitionOf(0)).toEqual({ dt: "1970-01-01", hour: "00" });
  });

  it("refuses an arrival time that is not epoch milliseconds with a four-digit year", () => {
    for (const receivedAt of [-1, 1.5, Number.NaN, Date.UTC(10_000, 0, 1)]) {
      expect(() => archivePartitionOf(receivedAt), String(receivedAt)).toThrow(InvalidInputError);
    }
  });

  it("keys an object events/dt=YYYY-MM-DD/hour=HH/<batchId>.parquet under the bucket's archive prefix", () => {
    const key = archiveObjectKey({ dt: "2025-01-15", hour: "07" }, "shardId-000000000000-495-497");
    expect(key).toBe("events/dt=2025-01-15/hour=07/shardId-000000000000-495-497.parquet");
    expect(EVENT_ARCHIVE_PREFIX).toBe(ARTIFACT_BUCKET_DEFINITION.eventArchivePrefix);
    expect(requireArchiveKey(key)).toBe(key);
    expect(archivePartitionPrefix({ dt: "2025-01-15", hour: "07" })).toBe("events/dt=2025-01-15/hour=07/");
  });

  it("refuses a batch id that is not a safe file name", () => {
    for (const batchId of ["", "../x", "a/b", ".hidden", "a b", "a=b", "a\u0000b", "tëst"]) {
      expect(() => archiveBatchFileName(batchId), JSON.stringify(batchId)).toThrow(InvalidInputError);
    }
  });

  it("shortens a very long batch id to the same safe name every time, distinct from its neighbours", () => {
    const long = `shardId-000000000000-${"4".repeat(129)}-${"5".repeat(129)}`;
    const name = archiveBatchFileName(long);
    expect(name.length).toBeLessThanOrEqual(255);
    expect(name).toMatch(/^shardId-000000000000-4+-h[0-9a-f]{40}\.parquet$/);
    expect(archiveBatchFileName(long)).toBe(name);
    expect(archiveBatchFileName(`${long.slice(0, -1)}6`)).not.toBe(name);
    expect(archiveBatchFileName("short-id")).toBe("short-id.parquet");
  });

  it("reads the partition back from an object key and ignores what is not an archive object", () => {
    expect(archivePartitionOfKey("events/dt=2025-01-15/hour=07/b-1.parquet")).toEqual({
      dt: "2025-01-15",
      hour: "07",
    });
    for (const key of [
      "events/dt=2025-01-15/hour=07/_SUCCESS",
      "events/dt=2025-01-15/hour=07/b-1.json",
      "events/dt=2025-02-30/hour=07/b-1.parquet",
      "events/dt=2025-01-15/hour=24/b-1.parquet",
      "events/dt=2025-01-15/b-1.parquet",
      "models/dt=2025-01-15/hour=07/b-1.parquet",
    ]) {
      expect(archivePartitionOfKey(key), key).toBeUndefined();
    }
  });

  it("orders partitions in time and refuses ones that are no real day and hour", () => {
    expect(compareArchivePartitions({ dt: "2025-01-15", hour: "23" }, { dt: "2025-01-16", hour: "00" })).toBe(
      -1,
    );
    expect(compareArchivePartitions({ dt: "2025-01-15", hour: "07" }, { dt: "2025-01-15", hour: "07" })).toBe(
      0,
    );
    expect(compareArchivePartitions({ dt: "2025-01-15", hour: "08" }, { dt: "2025-01-15", hour: "07" })).toBe(
      1,
    );
    for (const partition of [
      { dt: "2025-1-15", hour: "07" },
      { dt: "2025-02-29", hour: "07" },
      { dt: "2025-01-15", hour: "7" },
      { dt: "2025-01-15", hour: "24" },
    ]) {
      expect(() => requireArchivePartition(partition), JSON.stringify(partition)).toThrow(InvalidInputError);
    }
    expect(requireArchivePartition({ dt: "2024-02-29", hour: "00" })).toEqual({
      dt: "2024-02-29",
      hour: "00",
    });
  });
});
