import { randomUUID } from "node:crypto";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestS3Client } from "../../support/aws-clients.ts";

// The model store's needs: objects in and out, listing a prefix page by page (a model version directory),
// and listing one level of a "directory" tree with a delimiter (the versions under models/).
describe("S3 (local cloud)", () => {
  const client = createTestS3Client();
  const bucket = `local-cloud-${randomUUID()}`;
  const keys = [
    "models/v1/a.f32",
    "models/v1/b.f32",
    "models/v1/c.json",
    "models/v2/a.f32",
    "models/v2/deep/x",
  ];

  beforeAll(async () => {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    for (const key of keys)
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `body of ${key}` }));
  });

  afterAll(async () => {
    await client.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })) } }),
    );
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
    client.destroy();
  });

  it("gives back what was put, and NoSuchKey for what was not", async () => {
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: "models/v1/c.json" }));
    expect(await object.Body?.transformToString()).toBe("body of models/v1/c.json");
    await expect(
      client.send(new GetObjectCommand({ Bucket: bucket, Key: "missing" })),
    ).rejects.toBeInstanceOf(NoSuchKey);
  });

  it("lists 5 keys 2 at a time with continuation tokens", async () => {
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: "models/", MaxKeys: 2, ContinuationToken: token }),
      );
      pages.push((page.Contents ?? []).map((object) => object.Key ?? ""));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    expect(pages.flat()).toEqual([...keys].sort());
  });

  it("lists one level with a delimiter: common prefixes, then the keys directly under the prefix", async () => {
    const top = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: "models/", Delimiter: "/" }),
    );
    expect(top.CommonPrefixes?.map((prefix) => prefix.Prefix)).toEqual(["models/v1/", "models/v2/"]);
    expect(top.Contents ?? []).toEqual([]);

    const v2 = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: "models/v2/", Delimiter: "/" }),
    );
    expect(v2.CommonPrefixes?.map((prefix) => prefix.Prefix)).toEqual(["models/v2/deep/"]);
    expect(v2.Contents?.map((object) => object.Key)).toEqual(["models/v2/a.f32"]);
  });

  it("pages a delimiter listing, counting common prefixes towards MaxKeys", async () => {
    const first = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: "models/", Delimiter: "/", MaxKeys: 1 }),
    );
    expect(first.CommonPrefixes?.map((prefix) => prefix.Prefix)).toEqual(["models/v1/"]);
    expect(first.IsTruncated).toBe(true);
    const second = await client.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: "models/",
        Delimiter: "/",
        MaxKeys: 1,
        ContinuationToken: first.NextContinuationToken,
      }),
    );
    expect(second.CommonPrefixes?.map((prefix) => prefix.Prefix)).toEqual(["models/v2/"]);
    expect(second.IsTruncated).toBe(false);
  });
});
