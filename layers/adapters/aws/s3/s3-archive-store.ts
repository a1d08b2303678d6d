import { GetObjectCommand, PutObjectCommand, paginateListObjectsV2, type S3Client } from "@aws-sdk/client-s3";
import { requireArchiveKey, requireArchiveKeyPrefix } from "../../../domain/archive/archive-keys.ts";
import type { ArchiveStore } from "../../../ports/archive-store.ts";
import { toS3Error } from "./s3-errors.ts";
import { bucketKeyPrefix } from "./s3-key-prefix.ts";

export interface S3ArchiveStoreOptions {
  readonly client: S3Client;
  /** The artifact bucket (FLYWHEEL_ARTIFACT_BUCKET). */
  readonly bucket: string;
  /**
   * Key prefix in front of the archive's keys (which start with `events/`), without slashes at either end;
   * none by default, so the archive is `s3://<bucket>/events/…` as the nightly job expects.
   */
  readonly prefix?: string;
  /** Keys per ListObjectsV2 page. @default 1000 */
  readonly listPageSize?: number;
}

/**
 * The event archive in S3. A PutObject replaces an object whole, so a reader sees the old file or the new
 * one; an archive object is one batch's events of one hour (a few MiB at most), so it goes up in one request.
 * Failures are domain errors (s3-errors.ts): a missing object NotFoundError, anything else DependencyError.
 */
export class S3ArchiveStore implements ArchiveStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly keyPrefix: string;
  private readonly listPageSize: number;

  constructor(options: S3ArchiveStoreOptions) {
    this.client = options.client;
    this.keyPrefix = bucketKeyPrefix(options.bucket, options.prefix);
    this.bucket = options.bucket;
    this.listPageSize = options.listPageSize ?? 1000;
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const objectKey = this.keyPrefix + requireArchiveKey(key);
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: objectKey,
          Body: bytes,
          ContentType: contentTypeOf(key),
        }),
      );
    } catch (error) {
      throw toS3Error(error, `put archive object ${objectKey}`);
    }
  }

  async get(key: string): Promise<Uint8Array> {
    const objectKey = this.keyPrefix + requireArchiveKey(key);
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey }));
      if (response.Body === undefined) return new Uint8Array(0);
      return await response.Body.transformToByteArray();
    } catch (error) {
      throw toS3Error(error, `get archive object ${objectKey}`);
    }
  }

  async list(prefix: string): Promise<string[]> {
    const listPrefix = this.keyPrefix + requireArchiveKeyPrefix(prefix);
    const keys: string[] = [];
    try {
      const pages = paginateListObjectsV2(
        { client: this.client, pageSize: this.listPageSize },
        { Bucket: this.bucket, Prefix: listPrefix },
      );
      for await (const page of pages) {
        for (const object of page.Contents ?? []) {
          if (object.Key !== undefined) keys.push(object.Key.slice(this.keyPrefix.length));
        }
      }
    } catch (error) {
      throw toS3Error(error, `list archive objects under ${listPrefix}`);
    }
    // S3 lists in UTF-8 byte order; the port promises code-point order, which is the same for these keys
    // but not for every key some other writer may have put there.
    return keys.sort();
  }

  locationOf(keyOrPrefix: string): string {
    return `s3://${this.bucket}/${this.keyPrefix}${requireArchiveKeyPrefix(keyOrPrefix)}`;
  }
}

function contentTypeOf(key: string): string {
  // The media type IANA registered for Parquet in 2024.
  return key.endsWith(".parquet") ? "application/vnd.apache.parquet" : "application/octet-stream";
}
