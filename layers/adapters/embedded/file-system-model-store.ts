import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { InvalidInputError, NotFoundError } from "../../domain/errors/domain-errors.ts";
import { syncDirectory, writeFileAtomically } from "../../domain/model/atomic-files.ts";
import { MANIFEST_FILE } from "../../domain/model/model-artifact.ts";
import type { ModelStore } from "../../ports/model-store.ts";

/** A version is a directory name and a file name is a name inside it: neither may climb out. */
const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
/** No leading dot, so a writer's temporary files (`.name.<uuid>.tmp`) can never be mistaken for data. */
const FILE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

/**
 * Model artifacts under `<root>/<version>/`, the local stand-in for `s3://…/models/<version>/`.
 * Each file is written to a temporary name, flushed and renamed into place, and the manifest goes last
 * (after the previous one is removed), so a reader sees either no model or a whole one.
 */
export class FileSystemModelStore implements ModelStore {
  private readonly root: string;

  constructor(rootDirectory: string) {
    this.root = resolve(rootDirectory);
  }

  async putFiles(version: string, files: ReadonlyMap<string, Uint8Array>): Promise<string> {
    const dir = this.directoryOf(version);
    for (const name of files.keys()) requireFileName(name);
    await mkdir(dir, { recursive: true });
    await rm(join(dir, MANIFEST_FILE), { force: true });
    for (const [name, bytes] of files) {
      if (name !== MANIFEST_FILE) await writeFileAtomically(dir, name, bytes);
    }
    const manifest = files.get(MANIFEST_FILE);
    if (manifest !== undefined) await writeFileAtomically(dir, MANIFEST_FILE, manifest);
    // Files of an earlier write of this version that the new one does not have would read as part of it.
    for (const name of await dataFileNames(dir)) {
      if (!files.has(name)) await rm(join(dir, name), { force: true });
    }
    await syncDirectory(dir);
    return this.locationOf(version);
  }

  async getFiles(version: string): Promise<Map<string, Uint8Array>> {
    const dir = this.directoryOf(version);
    const files = new Map<string, Uint8Array>();
    try {
      files.set(MANIFEST_FILE, await readFile(join(dir, MANIFEST_FILE)));
    } catch (error) {
      if (isMissing(error)) throw new NotFoundError(`model ${version}: no ${MANIFEST_FILE} in ${dir}`);
      throw error;
    }
    for (const name of await dataFileNames(dir)) {
      if (name !== MANIFEST_FILE) files.set(name, await readFile(join(dir, name)));
    }
    return files;
  }

  async deleteVersion(version: string): Promise<void> {
    const dir = this.directoryOf(version);
    // The manifest first: a reader racing the delete then finds no model rather than a partial one.
    await rm(join(dir, MANIFEST_FILE), { force: true });
    await rm(dir, { recursive: true, force: true });
  }

  locationOf(version: string): string {
    return `${this.directoryOf(version)}/`;
  }

  private directoryOf(version: string): string {
    if (!VERSION_PATTERN.test(version)) {
      throw new InvalidInputError(
        `model version must match ${VERSION_PATTERN.source}, got ${JSON.stringify(version)}`,
        "version",
      );
    }
    return join(this.root, version);
  }
}

function requireFileName(name: string): void {
  if (!FILE_NAME_PATTERN.test(name)) {
    throw new InvalidInputError(
      `model file name must match ${FILE_NAME_PATTERN.source}, got ${JSON.stringify(name)}`,
      "files",
    );
  }
}

/** The names of the regular files in `dir`, leaving out temporary ones. */
async function dataFileNames(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((entry) => entry.isFile() && FILE_NAME_PATTERN.test(entry.name)).map((e) => e.name);
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
}
