export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function formatTime(epochMs: number | undefined): string {
  return epochMs === undefined ? "" : new Date(epochMs).toLocaleTimeString();
}

export function formatDuration(fromMs: number, toMs: number | undefined): string {
  if (toMs === undefined) return "…";
  const seconds = (toMs - fromMs) / 1000;
  return seconds < 10 ? `${seconds.toFixed(2)} s` : `${seconds.toFixed(1)} s`;
}

export function percent(ratio: number | null | undefined, digits = 1): string {
  return ratio === null || ratio === undefined ? "–" : `${(ratio * 100).toFixed(digits)} %`;
}
