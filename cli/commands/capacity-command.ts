import { capacityReport } from "../../infra/capacity/capacity-report.ts";
import {
  renderScenariosMarkdown,
  renderScenariosText,
  scenarioReports,
} from "../../infra/capacity/capacity-scenarios.ts";
import { renderReportMarkdown, renderReportText } from "../../infra/capacity/render-capacity-report.ts";
import {
  CAPACITY_INPUT_LIMITS,
  capacityInputs,
  DEFAULT_FACTORS,
  STREAM_CAPACITY_MODES,
} from "../../infra/capacity/workload-model.ts";
import type { CliOptions } from "../cli-arguments.ts";

export const CAPACITY_HELP = `flywheel capacity --users N --items M --rps R --events-per-sec E [--stream-mode on-demand|provisioned]
                  [--factors 64] [--format table|json|markdown]
flywheel capacity --scenarios [--format table|json|markdown]
  Sizes every AWS service for the workload (R: average API reads/s; E: average client events/s) and prices
  it at us-east-1 list prices: Lambda concurrency, Kinesis shards, DynamoDB capacity, ElastiCache size,
  OpenSearch nodes and storage, EMR Serverless vCPU-hours, monthly cost. --scenarios prints the 10K-100M
  users table of docs/capacity.md. The model and its assumptions: docs/capacity.md.`;

export const CAPACITY_FORMATS = ["table", "json", "markdown"] as const;

/** Flags that take no value. */
export const CAPACITY_FLAGS = ["scenarios"];

/** Returns the text to print; the CLI writes it to stdout. */
export function capacityCommand(options: CliOptions): string {
  const scenarios = options.flag("scenarios");
  const format = options.choice("format", CAPACITY_FORMATS, "table");
  if (scenarios) {
    options.rejectUnknown();
    const reports = scenarioReports();
    if (format === "json") return `${JSON.stringify(reports.map(summaryOf), null, 2)}\n`;
    return format === "markdown" ? renderScenariosMarkdown(reports) : renderScenariosText(reports);
  }
  const limits = CAPACITY_INPUT_LIMITS;
  const inputs = capacityInputs({
    users: options.requiredInteger("users", limits.users.min, limits.users.max),
    items: options.requiredInteger("items", limits.items.min, limits.items.max),
    rps: options.requiredInteger("rps", limits.rps.min, limits.rps.max),
    eventsPerSec: options.requiredInteger("events-per-sec", limits.eventsPerSec.min, limits.eventsPerSec.max),
    streamMode: options.choice("stream-mode", STREAM_CAPACITY_MODES, "on-demand"),
    factors: options.integer("factors", limits.factors.min, limits.factors.max) ?? DEFAULT_FACTORS,
  });
  options.rejectUnknown();
  const report = capacityReport(inputs);
  if (format === "json") return `${JSON.stringify(report, jsonNumbers, 2)}\n`;
  return format === "markdown" ? renderReportMarkdown(report) : renderReportText(report);
}

/** What `--scenarios --format json` prints per scenario: the inputs, the headline capacity and the costs. */
function summaryOf(report: ReturnType<typeof capacityReport>): Record<string, unknown> {
  const s = report.sizing;
  return {
    inputs: report.inputs,
    lambdaPeakConcurrency: round(s.lambda.peakConcurrency),
    kinesisShards: s.kinesis.shards,
    kinesisParallelizationFactor: s.kinesis.parallelizationFactor,
    dynamoDbPeakReadCapacity: round(s.dynamoDb.tables.reduce((sum, t) => sum + t.peakReadCapacity, 0)),
    dynamoDbPeakWriteCapacity: round(s.dynamoDb.tables.reduce((sum, t) => sum + t.peakWriteCapacity, 0)),
    elastiCacheGb: round(s.elastiCache.dataGb),
    openSearch: { instanceType: s.openSearch.instanceType, dataNodes: s.openSearch.dataNodes },
    emrVcpuHoursPerNight: round(s.emr.vcpuHoursPerNight),
    serviceTotals: report.serviceTotals.map((total) => ({ ...total, monthlyUsd: round(total.monthlyUsd) })),
    totalMonthlyUsd: round(report.totalMonthlyUsd),
    warnings: report.warnings,
  };
}

/** JSON has no Infinity (the last price tier's bound): write it as null; round the rest to 6 digits. */
function jsonNumbers(_key: string, value: unknown): unknown {
  if (typeof value !== "number") return value;
  if (!Number.isFinite(value)) return null;
  return round(value);
}

function round(value: number): number {
  return Number(value.toPrecision(6));
}
