/**
 * The last bytes a child process wrote (stdout and stderr interleaved), kept in a bounded buffer so a chatty
 * emulator cannot grow the harness's memory, and shown when the emulator fails to start.
 */
export class OutputTail {
  private readonly limitBytes: number;
  private chunks: Buffer[] = [];
  private bytes = 0;

  constructor(limitBytes = 64 * 1024) {
    this.limitBytes = limitBytes;
  }

  append(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    while (this.bytes > this.limitBytes && this.chunks.length > 1) {
      const dropped = this.chunks.shift();
      this.bytes -= dropped?.length ?? 0;
    }
    const only = this.chunks[0];
    if (this.chunks.length === 1 && only !== undefined && only.length > this.limitBytes) {
      this.chunks = [only.subarray(only.length - this.limitBytes)];
      this.bytes = this.limitBytes;
    }
  }

  /** The last `maxLines` lines of what was kept. */
  text(maxLines = 40): string {
    const lines = Buffer.concat(this.chunks).toString("utf8").split(/\r?\n/);
    if (lines.at(-1) === "") lines.pop();
    return lines.slice(-maxLines).join("\n");
  }
}
