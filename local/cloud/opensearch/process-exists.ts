/** True while a process with this pid exists (zombies included); signal 0 only checks. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return !(error instanceof Error && "code" in error && error.code === "ESRCH");
  }
}
