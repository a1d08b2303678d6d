import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createServer } from "node:net";
import { HeadObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { S3ModelStore } from "../../../layers/adapters/aws/s3/s3-model-store.ts";
import { DependencyError, NotFoundError } from "../../../layers/domain/errors/domain-errors.ts";
import { MANIFEST_FILE } from "../../../layers/domain/model/model-artifact.ts";
import { describeModelStoreContract } from "../../contract/model-store-contract.ts";
import { uniqueId } from "../../contract/unique-id.ts";
import { useTestBucket } from "../../support/s3-test-bucket.ts";

// The S3 model store against an S3 endpoint (AWS_ENDPOINT_URL_S3): a bucket of its own for this run,
// emptied and removed afterwards.

const testBucket = useTestBucket("flywheel-it");
const bucket = testBucket.bucket;
const s3 = testBucket.client;

describeModelStoreContract("s3", async () => ({
  subject: new S3ModelStore({ client: s3(), bucket, prefix: "contract/run" }),
  cleanup: async () => {},
}));

async function keysUnder(prefix: string): Promise<string[]> {
  const response = await s3().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (response.Contents ?? []).flatMap((object) => (object.Key === undefined ? [] : [object.Key]));
}

function bytesOf(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

describe("S3ModelStore on an S3 endpoint", () => {
  it("lays a version out under <prefix>/models/<version>/ and says so in its location", async () => {
    const store = new S3ModelStore({ client: s3(), bucket, prefix: "layout" });
    const version = uniqueId("model");
    const location = await store.putFiles(version, new Map([[MANIFEST_FILE, bytesOf("{}")]]));
    expect(location).toBe(`s3://${bucket}/layout/models/${version}/`);
    expect(await keysUnder(`layout/models/${version}/`)).toEqual([
      `layout/models/${version}/${MANIFEST_FILE}`,
    ]);
    const unprefixed = new S3ModelStore({ client: s3(), bucket });
    expect(unprefixed.locationOf(version)).toBe(`s3://${bucket}/models/${version}/`);
  });

  it("uploads a file over the threshold in parts and reads it back byte for byte", async () => {
    const store = new S3ModelStore({ client: s3(), bucket, prefix: "multipart" });
    const version = uniqueId("model");
    const big = new Uint8Array(randomBytes(20 * 1024 * 1024));
    const small = bytesOf(JSON.stringify(["a", "b"]));
    await store.putFiles(
      version,
      new Map([
        ["item-factors.f32", big],
        ["item-ids.json", small],
        [MANIFEST_FILE, bytesOf("{}")],
      ]),
    );
    const head = await s3().send(
      new HeadObjectCommand({ Bucket: bucket, Key: `multipart/models/${version}/item-factors.f32` }),
    );
    // A multipart object's ETag ends in -<parts>: 20 MiB in 8 MiB parts is 3.
    expect(head.ETag).toMatch(/-3"?$/);
    const read = await store.getFiles(version);
    expect(Buffer.compare(Buffer.from(read.get("item-factors.f32") ?? []), Buffer.from(big))).toBe(0);
    expect(read.get("item-ids.json")).toEqual(small);
  });

  it("reads and deletes versions with more files than one listing page or delete batch", async () => {
    const prefix = "paging";
    const store = new S3ModelStore({ client: s3(), bucket, prefix, listPageSize: 2, deleteBatchSize: 2 });
    const version = uniqueId("model");
    const files = new Map<string, Uint8Array>([[MANIFEST_FILE, bytesOf("{}")]]);
    for (let i = 0; i < 7; i++) files.set(`part-${i}.bin`, bytesOf(`file ${i}`));
    await store.putFiles(version, files);
    const read = await store.getFiles(version);
    expect([...read.keys()].sort()).toEqual([...files.keys()].sort());
    for (const [name, bytes] of files) expect(read.get(name)).toEqual(bytes);
    await store.deleteVersion(version);
    expect(await keysUnder(`${prefix}/models/${version}/`)).toEqual([]);
  });

  it("drops files an earlier write of the version had and the new one does not", async () => {
    const store = new S3ModelStore({ client: s3(), bucket, prefix: "rewrite" });
    const version = uniqueId("model");
    await store.putFiles(
      version,
      new Map([
        ["kept.bin", bytesOf("old")],
        ["dropped.bin", bytesOf("old")],
        [MANIFEST_FILE, bytesOf("{}")],
      ]),
    );
    await store.putFiles(
      version,
      new Map([
        ["kept.bin", bytesOf("new")],
        [MANIFEST_FILE, bytesOf("{}")],
      ]),
    );
    const read = await store.getFiles(version);
    expect([...read.keys()].sort()).toEqual(["kept.bin", MANIFEST_FILE]);
    expect(read.get("kept.bin")).toEqual(bytesOf("new"));
  });

  it("fails with DependencyError, not NotFoundError, when the bucket does not exist", async () => {
    const store = new S3ModelStore({ client: s3(), bucket: uniqueId("flywheel-missing") });
    const failure = await store.getFiles(uniqueId("model")).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DependencyError);
    expect(failure).not.toBeInstanceOf(NotFoundError);
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
      const store = new S3ModelStore({ client: unreachable, bucket });
      await expect(store.getFiles(uniqueId("model"))).rejects.toBeInstanceOf(DependencyError);
      await expect(
        store.putFiles(uniqueId("model"), new Map([[MANIFEST_FILE, bytesOf("{}")]])),
      ).rejects.toBeInstanceOf(DependencyError);
    } finally {
      unreachable.destroy();
    }
  });
});
