import type { Dirent } from "node:fs";
import { mkdir, readdir, readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { requireArchiveKey, requireArchiveKeyPrefix } from "../../domain/archive/archive-keys.ts";
import { NotFoundError } from "../../domain/errors/domain-errors.ts";
import { syncDirectory, writeFileAtomically } from "../../domain/model/atomic-files.ts";
import type { ArchiveStore } from "../../ports/archive-store.ts";

/**
 * The event archive in a directory, the local stand-in for `s3://<bucket>/`: the key
 * `events/dt=…/hour=…/x.parquet` is the file `<root>/events/dt=…/hour=…/x.parquet`, so pyarrow or Spark
 * read the directory as they would read the bucket. Each file is written to a temporary name, flushed and
 * renamed into place, so a reader sees the old file or the whole new one. Key segments cannot start with a
 * dot (archive-keys.ts): no key climbs out of the root, and the temporary files are never listed.
 */
export class FileSystemArchiveStore implements ArchiveStore {
  private readonly root: string;

  constructor(rootDirectory: string) {
    this.root = resolve(rootDirectory);
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const path = join(this.root, requireArchiveKey(key));
    const dir = dirname(path);
    await mkdir(dir, { recursive: true });
    await writeFileAtomically(dir, path.slice(dir.length + 1), bytes);
    await syncDirectory(dir);
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      return new Uint8Array(await readFile(join(this.root, requireArchiveKey(key))));
    } catch (error) {
      // A key that names a directory is no object, as in S3.
      if (isMissing(error) || (error as NodeJS.ErrnoException).code === "EISDIR") {
        throw new NotFoundError(`archive object ${key}: no such file in ${this.root}`);
      }
      throw error;
    }
  }

  async list(prefix: string): Promise<string[]> {
    requireArchiveKeyPrefix(prefix);
    // Walk only the deepest directory the prefix names in full; the rest of it filters names.
    const directoryKey = prefix.slice(0, prefix.lastIndexOf("/") + 1);
    const keys = await filesUnder(this.root, directoryKey);
    return keys.filter((key) => key.startsWith(prefix)).sort();
  }

  locationOf(keyOrPrefix: string): string {
    return join(this.root, requireArchiveKeyPrefix(keyOrPrefix));
  }
}

/** The keys of the regular files under `<root>/<directoryKey>`, leaving out hidden (temporary) ones. */
async function filesUnder(root: string, directoryKey: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(join(root, directoryKey), { withFileTypes: true });
  } catch (error) {
    if (isMissing(error) || (error as NodeJS.ErrnoException).code === "ENOTDIR") return [];
    throw error;
  }
  const keys: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue;
    if (entry.isDirectory()) keys.push(...(await filesUnder(root, `${directoryKey}${entry.name}/`)));
    else if (entry.isFile()) keys.push(`${directoryKey}${entry.name}`);
  }
  return keys;
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
}
