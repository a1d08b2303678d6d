/**
 * Model artifact blobs (docs/model-format.md), stored per version. The codec (encodeModel/decodeModel in
 * layers/domain/model/model-artifact.ts) turns a FactorModel into these files and back.
 */
export interface ModelStore {
  /** Writes every file of a version; the manifest last, so a reader never sees a partial model. */
  putFiles(version: string, files: ReadonlyMap<string, Uint8Array>): Promise<string>;
  /** All files of a version; NotFoundError when the version has no manifest. */
  getFiles(version: string): Promise<Map<string, Uint8Array>>;
  deleteVersion(version: string): Promise<void>;
  /** A human-readable location of a version (s3://…/models/<version>/ or a directory). */
  locationOf(version: string): string;
}
