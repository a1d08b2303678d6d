/**
 * Progress on stderr when it is a terminal (a redrawn line); silent otherwise, so pipes and CI logs stay clean
 * and stdout stays machine-readable.
 */
export class TerminalProgress {
  private readonly stream: NodeJS.WriteStream;
  private readonly enabled: boolean;
  private lastDraw = 0;

  constructor(stream: NodeJS.WriteStream = process.stderr) {
    this.stream = stream;
    this.enabled = stream.isTTY === true;
  }

  /** A bar for `done` of `total`, redrawn at most ten times a second. */
  bar(label: string, done: number, total: number): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (done < total && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const width = 30;
    const share = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(share * width);
    this.line(
      `${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${(share * 100).toFixed(0)}% ${done}/${total}`,
    );
  }

  line(text: string): void {
    if (!this.enabled) return;
    this.stream.write(`\r\u001b[2K${text}`);
  }

  /** Ends the redrawn line with a newline so that later output starts clean. */
  done(text?: string): void {
    if (!this.enabled) return;
    if (text !== undefined) this.line(text);
    this.stream.write("\n");
  }
}
