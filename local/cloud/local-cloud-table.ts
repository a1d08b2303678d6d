import type { LocalServiceName } from "./emulators/running-emulator.ts";

/** One row of "what runs where". */
export interface LocalServiceInfo {
  readonly service: LocalServiceName;
  readonly endpoint: string;
  /** The process serving it, when this harness started one. */
  readonly pid: number | undefined;
  /** Spawn to ready, when this harness started it. */
  readonly startMs: number | undefined;
  /** What serves it, and from which package. */
  readonly source: string;
}

const SERVICE_LABELS: Record<LocalServiceName, string> = {
  dynamodb: "DynamoDB",
  kinesis: "Kinesis",
  s3: "S3",
  redis: "ElastiCache (Redis)",
  sagemakerRuntime: "SageMaker runtime",
};

/** A plain-text table, one row per service, for a terminal or a CI log. */
export function formatServiceTable(
  services: readonly LocalServiceInfo[],
  totalMs: number,
  mode: string,
): string {
  const header = ["service", "endpoint", "pid", "start ms", "from"];
  const rows = services.map((info) => [
    SERVICE_LABELS[info.service],
    info.endpoint,
    info.pid === undefined ? "-" : String(info.pid),
    info.startMs === undefined ? "-" : String(info.startMs),
    info.source,
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd();
  return [
    `local cloud (${mode}) ready in ${totalMs} ms`,
    line(header),
    line(widths.map((width) => "-".repeat(width))),
    ...rows.map(line),
  ].join("\n");
}
