import { type CapacityReport, capacityReport, TRENDING_LISTS_ECPU_ITEM } from "./capacity-report.ts";
import { formatUsd, groupDigits, formatQuantity as q, shortCount } from "./number-format.ts";
import { alignColumns } from "./render-capacity-report.ts";
import { type CapacityInputs, capacityInputs, DEFAULT_FACTORS, SECONDS_PER_DAY } from "./workload-model.ts";

/**
 * The scenarios of docs/capacity.md, 10K to 100M users, and how their other inputs scale with users:
 * - API reads: 6 a user a day (about 30 per daily active user at 20 % daily actives);
 * - client events: 12 a user a day;
 * - items: a fifth of the users, at most 5 million.
 * Rates are rounded up to whole requests and events per second.
 */
export const SCENARIO_USERS = [10_000, 100_000, 1_000_000, 10_000_000, 100_000_000] as const;
export const SCENARIO_RULES = {
  readsPerUserPerDay: 6,
  eventsPerUserPerDay: 12,
  usersPerItem: 5,
  maxItems: 5_000_000,
} as const;

export function scenarioInputs(users: number): CapacityInputs {
  const r = SCENARIO_RULES;
  return capacityInputs({
    users,
    items: Math.min(r.maxItems, Math.ceil(users / r.usersPerItem)),
    rps: Math.ceil((users * r.readsPerUserPerDay) / SECONDS_PER_DAY),
    eventsPerSec: Math.ceil((users * r.eventsPerUserPerDay) / SECONDS_PER_DAY),
    streamMode: "on-demand",
    factors: DEFAULT_FACTORS,
  });
}

export function scenarioReports(): CapacityReport[] {
  return SCENARIO_USERS.map((users) => capacityReport(scenarioInputs(users)));
}

const SERVICES = [
  "API Gateway",
  "Lambda",
  "Kinesis",
  "DynamoDB",
  "ElastiCache",
  "OpenSearch",
  "EMR Serverless",
  "S3",
  "Network",
  "Observability",
] as const;

function serviceCost(report: CapacityReport, service: string): number {
  return report.serviceTotals.find((total) => total.service === service)?.monthlyUsd ?? 0;
}

/** The trending-list ECPUs, shown apart: at large catalogs they are most of the bill (capacity.md explains). */
function trendingListsCost(report: CapacityReport): number {
  return report.lines
    .filter((line) => line.service === "ElastiCache" && line.item === TRENDING_LISTS_ECPU_ITEM)
    .reduce((sum, line) => sum + line.monthlyUsd, 0);
}

function capacityRow(report: CapacityReport): string[] {
  const { users, items, rps, eventsPerSec } = report.inputs;
  const s = report.sizing;
  const tables = s.dynamoDb.tables;
  const peakRead = tables.reduce((sum, table) => sum + table.peakReadCapacity, 0);
  const peakWrite = tables.reduce((sum, table) => sum + table.peakWriteCapacity, 0);
  return [
    groupDigits(users),
    groupDigits(items),
    groupDigits(rps),
    groupDigits(eventsPerSec),
    q(s.lambda.peakConcurrency),
    `${groupDigits(s.kinesis.shards)}×${s.kinesis.parallelizationFactor}`,
    `${q(peakRead)} / ${q(peakWrite)}`,
    q(s.elastiCache.dataGb),
    `${s.openSearch.dataNodes} × ${s.openSearch.instanceType.replace(".search", "")}`,
    q(s.emr.vcpuHoursPerNight),
    formatUsd(report.totalMonthlyUsd),
  ];
}

const CAPACITY_HEADER = [
  "users",
  "items",
  "reads/s",
  "events/s",
  "Lambda peak concurrency",
  "Kinesis shards × parallelization",
  "DynamoDB peak RCU / WCU",
  "ElastiCache GB",
  "OpenSearch data nodes",
  "EMR vCPU-h a night",
  "monthly cost",
];

/** Header, one row per service, the trending-list share, the total and the total without it. */
function costRows(reports: readonly CapacityReport[]): string[][] {
  const dollars = (value: (report: CapacityReport) => number): string[] =>
    reports.map((report) => formatUsd(value(report)));
  return [
    ["service", ...reports.map((report) => `${shortCount(report.inputs.users)} users`)],
    ...SERVICES.map((service) => [service, ...dollars((report) => serviceCost(report, service))]),
    ["total", ...dollars((report) => report.totalMonthlyUsd)],
    ["of which trending-list ECPUs", ...dollars(trendingListsCost)],
    ["total without them", ...dollars((report) => report.totalMonthlyUsd - trendingListsCost(report))],
  ];
}

/** Two Markdown tables: capacity per scenario, then monthly cost per service per scenario. */
export function renderScenariosMarkdown(reports: readonly CapacityReport[]): string {
  const out: string[] = [];
  out.push(`| ${CAPACITY_HEADER.join(" | ")} |`, `|${CAPACITY_HEADER.map(() => "--:").join("|")}|`);
  for (const report of reports) out.push(`| ${capacityRow(report).join(" | ")} |`);
  out.push("");
  const [header, ...rows] = costRows(reports);
  out.push(`| ${(header ?? []).join(" | ")} |`, `|---|${reports.map(() => "--:").join("|")}|`);
  for (const row of rows) out.push(`| ${row.join(" | ")} |`);
  return `${out.join("\n")}\n`;
}

export function renderScenariosText(reports: readonly CapacityReport[]): string {
  const out: string[] = ["CAPACITY BY SCENARIO"];
  out.push(
    ...alignColumns(
      [CAPACITY_HEADER, ...reports.map(capacityRow)],
      new Set(CAPACITY_HEADER.map((_, column) => column)),
    ),
  );
  out.push("", "MONTHLY COST BY SERVICE");
  const rows = costRows(reports);
  const rightAligned = new Set(reports.map((_, index) => index + 1));
  out.push(...alignColumns(rows, rightAligned));
  return `${out.join("\n")}\n`;
}
