import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KinesisStreamEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { S3ArchiveStore } from "../../../layers/adapters/aws/s3/s3-archive-store.ts";
import { FileSystemArchiveStore } from "../../../layers/adapters/embedded/file-system-archive-store.ts";
import { readArchive } from "../../../layers/domain/archive/read-archive.ts";
import { DependencyError, InvalidInputError } from "../../../layers/domain/errors/domain-errors.ts";
import { encodeStreamEvent } from "../../../layers/domain/events/stream-event-codec.ts";
import type { ArchiveStore } from "../../../layers/ports/archive-store.ts";
import { kinesisBatch as shardBatch } from "../../support/kinesis-batch.ts";
import { HOUR_MS, JAN_15_0730, streamEvent, useTemporaryArchive } from "./archive-fixtures.ts";

type ArchiveHandlerModule = typeof import("../../../functions/stream/create-archive-handler.ts");

const SHARD = "shardId-000000000003";

/** An event-source-mapping batch of one shard: one record per payload, sequence numbers counting up. */
function kinesisBatch(payloads: readonly Uint8Array[], firstSequence = 49_000n): KinesisStreamEvent {
  return shardBatch(payloads, {
    shardId: SHARD,
    firstSequence,
    arrivalMs: JAN_15_0730,
    partitionKeyOf: () => "u-1",
  });
}

const notJson = new TextEncoder().encode("{not json");
const badEvent = new TextEncoder().encode(JSON.stringify({ ...streamEvent("e-bad"), userId: "has space" }));

// The module builds its store from the environment when it loads, so it is imported once the variables are set.
let handlerModule: ArchiveHandlerModule | undefined;
let environmentArchive: string | undefined;

beforeAll(async () => {
  environmentArchive = await mkdtemp(join(tmpdir(), "flywheel-archive-env-"));
  vi.stubEnv("FLYWHEEL_ARCHIVE_DIR", environmentArchive);
  handlerModule = await import("../../../functions/stream/create-archive-handler.ts");
});

afterAll(async () => {
  vi.unstubAllEnvs();
  if (environmentArchive !== undefined) await rm(environmentArchive, { recursive: true, force: true });
});

function loaded(): ArchiveHandlerModule {
  if (handlerModule === undefined) throw new Error("the handler module is imported in beforeAll");
  return handlerModule;
}

describe("the archive Lambda handler", () => {
  const archive = useTemporaryArchive();

  it("archives the batch's valid events under its batch id, skips poison records and logs them by position", async () => {
    const { store } = archive();
    const log = vi.fn();
    const handler = loaded().createArchiveHandler(store, log);
    const first = streamEvent("e-1");
    const second = streamEvent("e-2", { receivedAt: JAN_15_0730 + HOUR_MS, value: 3 });
    const response = await handler(
      kinesisBatch([notJson, encodeStreamEvent(first), badEvent, encodeStreamEvent(second)], 49_000n),
    );
    expect(response).toEqual({ batchItemFailures: [] });
    const batchId = `${SHARD}-49000-49003`;
    const objects = [
      `events/dt=2025-01-15/hour=07/${batchId}.parquet`,
      `events/dt=2025-01-15/hour=08/${batchId}.parquet`,
    ];
    expect(await store.list("events/")).toEqual(objects);
    expect(await readArchive(store)).toStrictEqual([first, second]);
    expect(log).toHaveBeenCalledTimes(1);
    expect(log).toHaveBeenCalledWith({
      message: "archive batch",
      source: "kinesis",
      batchId,
      records: 4,
      archived: 2,
      poison: 2,
      poisonRecords: [
        { position: "49000", field: "record" },
        { position: "49002", field: "userId" },
      ],
      objects,
    });
  });

  it("changes nothing when the same batch is delivered again", async () => {
    const { store } = archive();
    const handler = loaded().createArchiveHandler(store, () => {});
    const batch = kinesisBatch([
      encodeStreamEvent(streamEvent("e-1")),
      encodeStreamEvent(streamEvent("e-2")),
    ]);
    await handler(batch);
    const keys = await store.list("");
    const bytes = await Promise.all(keys.map((key) => store.get(key)));
    await handler(batch);
    expect(await store.list("")).toEqual(keys);
    expect(await Promise.all(keys.map((key) => store.get(key)))).toEqual(bytes);
  });

  it("writes nothing for a batch of poison records only, and nothing for an empty batch", async () => {
    const { store } = archive();
    const log = vi.fn();
    const handler = loaded().createArchiveHandler(store, log);
    expect(await handler(kinesisBatch([notJson]))).toEqual({ batchItemFailures: [] });
    expect(log).toHaveBeenCalledWith(expect.objectContaining({ archived: 0, poison: 1, objects: [] }));
    expect(await handler({ Records: [] })).toEqual({ batchItemFailures: [] });
    expect(await store.list("")).toEqual([]);
  });

  it("throws when the store fails, so the event-source mapping retries the batch", async () => {
    const failing: ArchiveStore = {
      put: async () => {
        throw new DependencyError("s3", "connection reset");
      },
      get: async () => new Uint8Array(0),
      list: async () => [],
      locationOf: (key) => `/nowhere/${key}`,
    };
    const log = vi.fn();
    const handler = loaded().createArchiveHandler(failing, log);
    await expect(handler(kinesisBatch([encodeStreamEvent(streamEvent("e-1"))]))).rejects.toBeInstanceOf(
      DependencyError,
    );
    expect(log).not.toHaveBeenCalled();
  });

  it("as deployed, archives into the directory FLYWHEEL_ARCHIVE_DIR names and logs one JSON line", async () => {
    const info = vi.spyOn(console, "info").mockImplementation(() => {});
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const event = streamEvent("e-env");
      await (await import("../../../functions/stream/archive-handler.ts")).handler(
        kinesisBatch([encodeStreamEvent(event), notJson], 7n),
      );
      expect(await readArchive(new FileSystemArchiveStore(environmentArchive ?? ""))).toStrictEqual([event]);
      // Skipped records make the line a warning; it names positions, never payloads.
      expect(info).not.toHaveBeenCalled();
      expect(warn).toHaveBeenCalledTimes(1);
      const line = JSON.parse(String(warn.mock.calls[0]?.[0]));
      expect(line).toMatchObject({
        message: "archive batch",
        batchId: `${SHARD}-7-8`,
        archived: 1,
        poison: 1,
      });
      expect(JSON.stringify(line)).not.toContain("not json");
    } finally {
      info.mockRestore();
      warn.mockRestore();
    }
  });
});

describe("archiveStoreFromEnvironment", () => {
  it("uses the directory when FLYWHEEL_ARCHIVE_DIR is set, the artifact bucket otherwise", () => {
    const { archiveStoreFromEnvironment } = loaded();
    const bucket = "flywheel-artifacts";
    expect(
      archiveStoreFromEnvironment({ FLYWHEEL_ARCHIVE_DIR: "/tmp/x", FLYWHEEL_ARTIFACT_BUCKET: bucket }),
    ).toBeInstanceOf(FileSystemArchiveStore);
    expect(archiveStoreFromEnvironment({ FLYWHEEL_ARTIFACT_BUCKET: bucket })).toBeInstanceOf(S3ArchiveStore);
  });

  it("fails at start, naming the variable, when neither is set", () => {
    const { archiveStoreFromEnvironment } = loaded();
    for (const env of [{}, { FLYWHEEL_ARTIFACT_BUCKET: " " }, { FLYWHEEL_ARCHIVE_DIR: "" }]) {
      expect(() => archiveStoreFromEnvironment(env), JSON.stringify(env)).toThrow(InvalidInputError);
      expect(() => archiveStoreFromEnvironment(env)).toThrow(/FLYWHEEL_ARTIFACT_BUCKET/);
    }
  });
});
