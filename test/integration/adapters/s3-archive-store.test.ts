import { once } from "node:events";
import { createServer } from "node:net";
import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { S3ArchiveStore } from "../../../layers/adapters/aws/s3/s3-archive-store.ts";
import { archiveEvents } from "../../../layers/domain/archive/archive-events.ts";
import { decodeArchiveParquet } from "../../../layers/domain/archive/archive-parquet.ts";
import { readArchive } from "../../../layers/domain/archive/read-archive.ts";
import { DependencyError, NotFoundError } from "../../../layers/domain/errors/domain-errors.ts";
import type { StreamEvent } from "../../../layers/ports/event-bus.ts";
import { describeArchiveStoreContract } from "../../contract/archive-store-contract.ts";
import { uniqueId } from "../../contract/unique-id.ts";
import { useTestBucket } from "../../support/s3-test-bucket.ts";

// The S3 event archive against an S3 endpoint (AWS_ENDPOINT_URL_S3): a bucket of its own for this run,
// emptied and removed afterwards.

const testBucket = useTestBucket("flywheel-archive-it");
const bucket = testBucket.bucket;
const s3 = testBucket.client;

describeArchiveStoreContract("s3", async () => ({
  subject: new S3ArchiveStore({ client: s3(), bucket, prefix: "contract" }),
  cleanup: async () => {},
}));

/** 2025-01-15T07:30:00.000Z */
const JAN_15_0730 = Date.UTC(2025, 0, 15, 7, 30);
const HOUR_MS = 3_600_000;

function event(eventId: string, receivedAt: number, extra: Partial<StreamEvent> = {}): StreamEvent {
  return {
    eventId,
    userId: "u-1",
    itemId: "i-1",
    type: "click",
    timestamp: receivedAt - 1000,
    receivedAt,
    ...extra,
  };
}

async function keysUnder(prefix: string): Promise<string[]> {
  const response = await s3().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (response.Contents ?? []).flatMap((object) => (object.Key === undefined ? [] : [object.Key]));
}

describe("S3ArchiveStore on an S3 endpoint", () => {
  it("archives batches as s3://<bucket>/<prefix>/events/dt=…/hour=…/<batchId>.parquet and reads each event once", async () => {
    const prefix = uniqueId("archive");
    const store = new S3ArchiveStore({ client: s3(), bucket, prefix });
    const [a, b, c] = [
      event("e-a", JAN_15_0730),
      event("e-b", JAN_15_0730 + 1, { value: 4.5, context: { surface: "home", 場所: "ホーム" } }),
      event("e-c", JAN_15_0730 + 17 * HOUR_MS, { recommendationId: "rec-1" }),
    ];
    const first = await archiveEvents(store, "shardId-000000000000-10-12", [a, b, c]);
    expect(first).toEqual([
      "events/dt=2025-01-15/hour=07/shardId-000000000000-10-12.parquet",
      "events/dt=2025-01-16/hour=00/shardId-000000000000-10-12.parquet",
    ]);
    expect((await keysUnder(`${prefix}/`)).sort()).toEqual(first.map((key) => `${prefix}/${key}`));
    const head = await s3().send(new HeadObjectCommand({ Bucket: bucket, Key: `${prefix}/${first[0]}` }));
    expect(head.ContentType).toBe("application/vnd.apache.parquet");

    // The same batch again overwrites; a redelivery with other boundaries repeats b and c in new objects.
    await archiveEvents(store, "shardId-000000000000-10-12", [a, b, c]);
    await archiveEvents(store, "shardId-000000000000-11-12", [b, c]);
    expect(await keysUnder(`${prefix}/`)).toHaveLength(4);
    expect(await readArchive(store)).toStrictEqual([a, b, c]);
    expect(
      await readArchive(store, {
        from: { dt: "2025-01-16", hour: "00" },
        to: { dt: "2025-01-16", hour: "00" },
      }),
    ).toStrictEqual([c]);
    expect(await decodeArchiveParquet(await store.get(first[1] ?? ""))).toStrictEqual([c]);
  });

  it("writes under the bucket's events/ prefix when no store prefix is given", async () => {
    const store = new S3ArchiveStore({ client: s3(), bucket });
    const batchId = uniqueId("batch");
    const [key] = await archiveEvents(store, batchId, [event(uniqueId("e"), JAN_15_0730)]);
    expect(key).toBe(`events/dt=2025-01-15/hour=07/${batchId}.parquet`);
    expect(await keysUnder(key ?? "")).toEqual([key]);
  });

  it("lists past one page of keys and skips objects that are not archive files", async () => {
    const prefix = uniqueId("paging");
    const store = new S3ArchiveStore({ client: s3(), bucket, prefix, listPageSize: 2 });
    const events = Array.from({ length: 5 }, (_, index) =>
      event(`e-${index}`, JAN_15_0730 + index * HOUR_MS),
    );
    for (const [index, archived] of events.entries()) {
      await archiveEvents(store, `batch-${index}`, [archived]);
    }
    await s3().send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `${prefix}/events/dt=2025-01-15/hour=07/_SUCCESS`,
        Body: new Uint8Array(0),
      }),
    );
    expect(await store.list("events/")).toHaveLength(6);
    expect(await readArchive(store)).toStrictEqual(events);
  });

  it("answers NotFoundError for a missing object and DependencyError for a missing bucket", async () => {
    const store = new S3ArchiveStore({ client: s3(), bucket, prefix: uniqueId("missing") });
    await expect(store.get("events/dt=2025-01-15/hour=07/none.parquet")).rejects.toBeInstanceOf(
      NotFoundError,
    );
    const noBucket = new S3ArchiveStore({ client: s3(), bucket: uniqueId("flywheel-missing") });
    const failure = await noBucket.get("events/x.parquet").catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DependencyError);
    expect(failure).not.toBeInstanceOf(NotFoundError);
    await expect(noBucket.put("events/x.parquet", new Uint8Array([1]))).rejects.toBeInstanceOf(
      DependencyError,
    );
    await expect(noBucket.list("events/")).rejects.toBeInstanceOf(DependencyError);
  });

  it("fails with DependencyError when S3 cannot be reached", async () => {
    const closed = createServer();
    closed.listen(0, "127.0.0.1");
    await once(closed, "listening");
    const address = closed.address();
    await new Promise((resolve) => closed.close(resolve));
    if (address === null || typeof address === "string") throw new Error("no port");
    // A fault fixture, not an emulator: an endpoint where nothing listens.
    const unreachable = new S3Client({ endpoint: `http://127.0.0.1:${address.port}`, maxAttempts: 1 });
    try {
      const store = new S3ArchiveStore({ client: unreachable, bucket });
      await expect(archiveEvents(store, "batch-1", [event("e-1", JAN_15_0730)])).rejects.toBeInstanceOf(
        DependencyError,
      );
      await expect(readArchive(store)).rejects.toBeInstanceOf(DependencyError);
    } finally {
      unreachable.destroy();
    }
  });
});
