import { type CapacityReport, NOT_MODELLED } from "./capacity-report.ts";
import { formatUsd, groupDigits, formatQuantity as q } from "./number-format.ts";

/** The report as a terminal table (the CLI's default) or as Markdown (docs/capacity.md). */

export function reportTitle(report: CapacityReport): string {
  const { users, items, rps, eventsPerSec, factors, streamMode } = report.inputs;
  return `Flywheel capacity and cost: ${groupDigits(users)} users, ${groupDigits(items)} items, ${groupDigits(rps)} API reads/s, ${groupDigits(eventsPerSec)} events/s (${factors} factors, Kinesis ${streamMode})`;
}

function reportSubtitle(report: CapacityReport): string {
  const { prices, assumptions } = report;
  return `Inputs are averages; capacity is sized for ${assumptions.peakToAverage}× peaks. Prices: ${prices.region} list prices, snapshot of ${prices.asOf} (infra/capacity/aws-prices.ts).`;
}

/** Label, subject and detail of each capacity figure. */
export function sizingRows(report: CapacityReport): Array<[string, string, string]> {
  const { lambda, kinesis, dynamoDb, elastiCache, openSearch, emr, s3 } = report.sizing;
  const rows: Array<[string, string, string]> = [];
  for (const fn of lambda.functions) {
    rows.push([
      "Lambda",
      fn.name,
      `${q(fn.invocationsPerSec)} invocations/s × ${q(fn.averageDurationMs)} ms → ${q(fn.averageConcurrency)} concurrent, ${q(fn.peakConcurrency)} at peak; ${fn.memoryMb} MB`,
    ]);
  }
  rows.push([
    "Kinesis",
    kinesis.mode,
    `${groupDigits(kinesis.shards)} shards (set by ${kinesis.bindingLimit}), parallelization ${kinesis.parallelizationFactor}; ${q(kinesis.peakRecordsPerSec)} records/s and ${q(kinesis.peakMibPerSec)} MiB/s at peak, ${q(kinesis.averageRecordBytes)} B a record`,
  ]);
  for (const table of dynamoDb.tables) {
    rows.push([
      "DynamoDB",
      table.table,
      `${q(table.readUnitsPerSec)} RRU/s, ${q(table.writeUnitsPerSec)} WRU/s; peak ${q(table.peakReadCapacity)} RCU, ${q(table.peakWriteCapacity)} WCU; ${q(table.items)} items, ${q(table.storageGb)} GB`,
    ]);
  }
  rows.push([
    "ElastiCache",
    "Valkey serverless",
    `${q(elastiCache.dataGb)} GB (lists ${q(elastiCache.cachedListsGb)}, trending ${q(elastiCache.trendingSortedSetsGb)}, seen sets ${q(elastiCache.seenSetsGb)}); ${q(elastiCache.ecpuPerSec)} ECPU/s`,
  ]);
  rows.push([
    "OpenSearch",
    openSearch.instanceType,
    `${openSearch.dataNodes} data nodes + ${openSearch.dedicatedMasters} × ${openSearch.masterInstanceType}; HNSW ${q(openSearch.graphGiBTotal)} GiB (all copies) in ${q(openSearch.knnBudgetGiBPerNode)} GiB k-NN a node; ${openSearch.volumeGbPerNode} GB gp3 a node; ${q(openSearch.peakQueriesPerSec)} k-NN queries/s at peak`,
  ]);
  rows.push([
    "EMR Serverless",
    "nightly ALS",
    `${q(emr.vcpuHoursPerNight)} vCPU-hours and ${q(emr.gbHoursPerNight)} GB-hours a night; ${q(emr.trainingPairs)} training pairs`,
  ]);
  rows.push([
    "S3",
    "artifact bucket",
    `${q(s3.storedGb)} GB: archive ${q(s3.archiveGb)}, models ${q(s3.modelsGb)}, workspaces ${q(s3.workspaceGb)}`,
  ]);
  return rows;
}

export function renderReportText(report: CapacityReport): string {
  const out: string[] = [reportTitle(report), reportSubtitle(report), "", "SIZING"];
  out.push(
    ...alignColumns(sizingRows(report).map(([service, subject, detail]) => [service, subject, detail])),
  );
  out.push("", "MONTHLY COST");
  const header = ["service", "line item", "quantity", "unit", "USD/month", "formula"];
  const rows = report.lines.map((line) => [
    line.service,
    line.item,
    q(line.quantity),
    line.unit,
    formatUsd(line.monthlyUsd),
    line.formula,
  ]);
  out.push(...alignColumns([header, ...rows], new Set([2, 4])));
  out.push("", "BY SERVICE");
  out.push(
    ...alignColumns(
      report.serviceTotals.map((total) => [total.service, formatUsd(total.monthlyUsd)]),
      new Set([1]),
    ),
  );
  out.push("", `TOTAL ${formatUsd(report.totalMonthlyUsd)} a month`);
  if (report.warnings.length > 0) {
    out.push("", "WARNINGS");
    for (const warning of report.warnings) out.push(`- ${warning}`);
  }
  out.push("", `Not modelled: ${NOT_MODELLED.join("; ")}.`);
  return `${out.join("\n")}\n`;
}

export function renderReportMarkdown(report: CapacityReport): string {
  const out: string[] = [`**${reportTitle(report)}**`, "", reportSubtitle(report), ""];
  out.push("| service | what | capacity |", "|---|---|---|");
  for (const [service, subject, detail] of sizingRows(report))
    out.push(`| ${service} | ${subject} | ${detail} |`);
  out.push(
    "",
    "| service | line item | quantity | unit | USD/month | formula |",
    "|---|---|--:|---|--:|---|",
  );
  for (const line of report.lines) {
    out.push(
      `| ${line.service} | ${line.item} | ${q(line.quantity)} | ${line.unit} | ${formatUsd(line.monthlyUsd)} | ${line.formula} |`,
    );
  }
  out.push(`| **total** | | | | **${formatUsd(report.totalMonthlyUsd)}** | |`);
  if (report.warnings.length > 0) {
    out.push("", "Warnings:", "");
    for (const warning of report.warnings) out.push(`- ${warning}`);
  }
  return `${out.join("\n")}\n`;
}

/** Left-aligned columns (right-aligned where `right` says), two spaces apart; a left-aligned last column is not padded. */
export function alignColumns(
  rows: readonly (readonly string[])[],
  right: ReadonlySet<number> = new Set(),
): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, column) => {
      widths[column] = Math.max(widths[column] ?? 0, cell.length);
    });
  }
  return rows.map((row) =>
    row
      .map((cell, column) => {
        if (column === row.length - 1 && !right.has(column)) return cell;
        const width = widths[column] ?? 0;
        return right.has(column) ? cell.padStart(width) : cell.padEnd(width);
      })
      .join("  ")
      .trimEnd(),
  );
}
