import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  PutObjectCommand,
  paginateListObjectsV2,
  type S3Client,
} from "@aws-sdk/client-s3";
import { DependencyError, InvalidInputError, NotFoundError } from "../../../domain/errors/domain-errors.ts";
import { MANIFEST_FILE } from "../../../domain/model/model-artifact.ts";
import type { ModelStore } from "../../../ports/model-store.ts";
import { mapWithConcurrency } from "./bounded-concurrency.ts";
import { isMissingObject, S3_DEPENDENCY, toS3Error } from "./s3-errors.ts";
import { bucketKeyPrefix } from "./s3-key-prefix.ts";

export interface S3ModelStoreOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** Key prefix in front of `models/`, without slashes at either end; none by default. */
  readonly prefix?: string;
  /** Files larger than this are uploaded in parts (multipart upload). @default 8 MiB */
  readonly multipartThresholdBytes?: number;
  /** Size of each part of a multipart upload; S3 needs at least 5 MiB. @default 8 MiB */
  readonly partSizeBytes?: number;
  /** Files transferred at once. @default 4 */
  readonly concurrency?: number;
  /** Keys per ListObjectsV2 page. @default 1000 */
  readonly listPageSize?: number;
  /** Keys per DeleteObjects request, at most 1000. @default 1000 */
  readonly deleteBatchSize?: number;
}

const MIB = 1024 * 1024;
/** The model format's version id; it is also a key segment (docs/model-format.md). */
const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
/** The same file names the file-system store accepts, so both stores hold the same artifacts. */
const FILE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

/**
 * Model artifacts in S3 under `s3://<bucket>/<prefix>/models/<version>/<file>`.
 *
 * A write removes the version's manifest first, then writes the data files, removes files of an earlier
 * write that the new one does not have, and writes the manifest last. A reader starts from the manifest, so
 * it sees either no model (NotFoundError) or a whole one; the manifest's checksums catch a reader that
 * raced a rewrite. Files over the multipart threshold go up in parts.
 */
export class S3ModelStore implements ModelStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly modelsPrefix: string;
  private readonly multipartThresholdBytes: number;
  private readonly partSizeBytes: number;
  private readonly concurrency: number;
  private readonly listPageSize: number;
  private readonly deleteBatchSize: number;

  constructor(options: S3ModelStoreOptions) {
    this.client = options.client;
    this.modelsPrefix = `${bucketKeyPrefix(options.bucket, options.prefix)}models/`;
    this.bucket = options.bucket;
    this.multipartThresholdBytes = options.multipartThresholdBytes ?? 8 * MIB;
    this.partSizeBytes = options.partSizeBytes ?? 8 * MIB;
    if (this.partSizeBytes < 5 * MIB)
      throw new InvalidInputError("partSizeBytes must be at least 5 MiB", "partSizeBytes");
    this.concurrency = options.concurrency ?? 4;
    this.listPageSize = options.listPageSize ?? 1000;
    this.deleteBatchSize = options.deleteBatchSize ?? 1000;
    if (!(this.deleteBatchSize >= 1 && this.deleteBatchSize <= 1000)) {
      throw new InvalidInputError("deleteBatchSize must be between 1 and 1000", "deleteBatchSize");
    }
  }

  async putFiles(version: string, files: ReadonlyMap<string, Uint8Array>): Promise<string> {
    const versionPrefix = this.versionPrefix(version);
    for (const name of files.keys()) requireFileName(name);
    try {
      await this.client.send(
        new DeleteObjectCommand({ Bucket: this.bucket, Key: versionPrefix + MANIFEST_FILE }),
      );
      const dataFiles = [...files].filter(([name]) => name !== MANIFEST_FILE);
      await mapWithConcurrency(dataFiles, this.concurrency, ([name, bytes]) =>
        this.upload(versionPrefix + name, bytes),
      );
      // Left over from an earlier write of this version: they would read as part of the new one.
      const stale = (await this.listKeys(versionPrefix)).filter(
        (key) => !files.has(key.slice(versionPrefix.length)),
      );
      await this.deleteKeys(stale);
      const manifest = files.get(MANIFEST_FILE);
      if (manifest !== undefined) await this.upload(versionPrefix + MANIFEST_FILE, manifest);
    } catch (error) {
      throw toS3Error(error, `put model ${version}`);
    }
    return this.locationOf(version);
  }

  async getFiles(version: string): Promise<Map<string, Uint8Array>> {
    const versionPrefix = this.versionPrefix(version);
    try {
      const files = new Map<string, Uint8Array>();
      const manifest = await this.download(versionPrefix + MANIFEST_FILE);
      if (manifest === undefined) {
        throw new NotFoundError(`model ${version}: no ${MANIFEST_FILE} at ${this.locationOf(version)}`);
      }
      files.set(MANIFEST_FILE, manifest);
      const names = (await this.listKeys(versionPrefix))
        .map((key) => key.slice(versionPrefix.length))
        .filter((name) => name !== MANIFEST_FILE && FILE_NAME_PATTERN.test(name));
      const contents = await mapWithConcurrency(names, this.concurrency, (name) =>
        this.download(versionPrefix + name),
      );
      names.forEach((name, index) => {
        const bytes = contents[index];
        // Gone between the listing and the read: a concurrent delete; the manifest check would fail anyway.
        if (bytes !== undefined) files.set(name, bytes);
      });
      return files;
    } catch (error) {
      throw toS3Error(error, `get model ${version}`);
    }
  }

  async deleteVersion(version: string): Promise<void> {
    const versionPrefix = this.versionPrefix(version);
    try {
      // The manifest first: a reader racing the delete then finds no model rather than a partial one.
      await this.client.send(
        new DeleteObjectCommand({ Bucket: this.bucket, Key: versionPrefix + MANIFEST_FILE }),
      );
      await this.deleteKeys(await this.listKeys(versionPrefix));
    } catch (error) {
      throw toS3Error(error, `delete model ${version}`);
    }
  }

  locationOf(version: string): string {
    return `s3://${this.bucket}/${this.versionPrefix(version)}`;
  }

  private versionPrefix(version: string): string {
    if (typeof version !== "string" || !VERSION_PATTERN.test(version)) {
      throw new InvalidInputError(
        `model version must match ${VERSION_PATTERN.source}, got ${JSON.stringify(version)}`,
        "version",
      );
    }
    return `${this.modelsPrefix}${version}/`;
  }

  private async upload(key: string, bytes: Uint8Array): Promise<void> {
    const params = { Bucket: this.bucket, Key: key, Body: bytes, ContentType: contentTypeOf(key) };
    if (bytes.byteLength <= this.multipartThresholdBytes) {
      await this.client.send(new PutObjectCommand(params));
      return;
    }
    // Loaded here, on the first multipart upload: the functions that only read models (serving, the stream)
    // then never load it, nor the multipart commands of the S3 client that it uses (a chunk in a bundle).
    const { Upload } = await import("@aws-sdk/lib-storage");
    await new Upload({
      client: this.client,
      params,
      partSize: this.partSizeBytes,
      queueSize: this.concurrency,
      // A failed upload aborts, so no invisible parts are left to be billed.
      leavePartsOnError: false,
    }).done();
  }

  /** The object's bytes, or undefined when there is no such object. */
  private async download(key: string): Promise<Uint8Array | undefined> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (response.Body === undefined) return new Uint8Array(0);
      return await response.Body.transformToByteArray();
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      throw error;
    }
  }

  private async listKeys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    const pages = paginateListObjectsV2(
      { client: this.client, pageSize: this.listPageSize },
      { Bucket: this.bucket, Prefix: prefix },
    );
    for await (const page of pages) {
      for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
    }
    return keys;
  }

  private async deleteKeys(keys: readonly string[]): Promise<void> {
    for (let first = 0; first < keys.length; first += this.deleteBatchSize) {
      const batch = keys.slice(first, first + this.deleteBatchSize);
      const response = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      const failed = response.Errors ?? [];
      if (failed.length > 0) {
        const first = failed[0];
        throw new DependencyError(
          S3_DEPENDENCY,
          `${failed.length} of ${batch.length} objects not deleted (first: ${first?.Key} ${first?.Code} ${first?.Message})`,
        );
      }
    }
  }
}

function requireFileName(name: string): void {
  if (typeof name !== "string" || !FILE_NAME_PATTERN.test(name)) {
    throw new InvalidInputError(
      `model file name must match ${FILE_NAME_PATTERN.source}, got ${JSON.stringify(name)}`,
      "files",
    );
  }
}

function contentTypeOf(key: string): string {
  return key.endsWith(".json") ? "application/json" : "application/octet-stream";
}
