import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  paginateListObjectsV2,
  type S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll } from "vitest";
import { createS3Client } from "../../layers/adapters/aws/s3/s3-client.ts";
import { uniqueId } from "../contract/unique-id.ts";

/**
 * A bucket of the test file's own on the S3 endpoint (AWS_ENDPOINT_URL_S3), created before its tests and
 * emptied and removed after them. `client()` is valid between the two.
 */
export function useTestBucket(prefix: string): { readonly bucket: string; client(): S3Client } {
  const bucket = uniqueId(prefix);
  let client: S3Client | undefined;
  beforeAll(async () => {
    client = createS3Client();
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  afterAll(async () => {
    const finished = client;
    client = undefined;
    if (finished === undefined) return;
    for await (const page of paginateListObjectsV2({ client: finished }, { Bucket: bucket })) {
      const objects = (page.Contents ?? []).flatMap((object) =>
        object.Key === undefined ? [] : [{ Key: object.Key }],
      );
      if (objects.length > 0) {
        await finished.send(
          new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }),
        );
      }
    }
    await finished.send(new DeleteBucketCommand({ Bucket: bucket }));
    finished.destroy();
  });
  return {
    bucket,
    client: () => {
      if (client === undefined) throw new Error("the S3 client exists only while the file's tests run");
      return client;
    },
  };
}
