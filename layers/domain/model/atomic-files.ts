import { randomUUID } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import { join } from "node:path";

/**
 * Writes `bytes` to `dir/name` so that a reader sees the old file or the whole new one, never a part: a
 * flushed temporary file beside the target, renamed over it. Used by the model artifact writer and the
 * file-system model store, which both put the manifest last for the same reason.
 */
export async function writeFileAtomically(dir: string, name: string, bytes: Uint8Array): Promise<void> {
  const temporary = join(dir, `.${name}.${randomUUID()}.tmp`);
  try {
    const handle = await open(temporary, "wx");
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, join(dir, name));
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Makes the renames durable where the platform allows fsync on a directory (not on Windows). */
export async function syncDirectory(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch {
    // Best effort: the files themselves were flushed before their rename.
  } finally {
    await handle?.close();
  }
}
