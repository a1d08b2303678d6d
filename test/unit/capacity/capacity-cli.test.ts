import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { renderScenariosMarkdown, scenarioReports } from "../../../infra/capacity/capacity-scenarios.ts";

const run = promisify(execFile);
const CLI = fileURLToPath(new URL("../../../cli/flywheel.ts", import.meta.url));

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function flywheel(...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

const WORKLOAD = ["--users", "1000000", "--items", "200000", "--rps", "70", "--events-per-sec", "139"];

function expectCleanFailure(result: CliResult, message: RegExp): void {
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.stdout).toBe("");
}

describe("flywheel capacity", () => {
  it("prints a table by default: sizing, cost lines, totals", async () => {
    const result = await flywheel("capacity", ...WORKLOAD);
    expect(result.code).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines[0]).toBe(
      "Flywheel capacity and cost: 1,000,000 users, 200,000 items, 70 API reads/s, 139 events/s (64 factors, Kinesis on-demand)",
    );
    for (const section of ["SIZING", "MONTHLY COST", "BY SERVICE"]) expect(lines).toContain(section);
    expect(
      lines.some((line) => /^service\s+line item\s+quantity\s+unit\s+USD\/month\s+formula$/.test(line)),
    ).toBe(true);
    expect(lines.some((line) => /^TOTAL \$[\d,]+ a month$/.test(line))).toBe(true);
    expect(lines.some((line) => /^OpenSearch\s+r6g\.large\.search\s+2 data nodes/.test(line))).toBe(true);
  });

  it("prints the whole report as JSON, its lines adding up to the total", async () => {
    const result = await flywheel(
      "capacity",
      ...WORKLOAD,
      "--format",
      "json",
      "--stream-mode",
      "provisioned",
    );
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as {
      inputs: Record<string, unknown>;
      lines: Array<{
        service: string;
        item: string;
        quantity: number;
        unit: string;
        formula: string;
        monthlyUsd: number;
      }>;
      totalMonthlyUsd: number;
      sizing: { kinesis: { mode: string; shards: number } };
      warnings: string[];
    };
    expect(report.inputs).toEqual({
      users: 1_000_000,
      items: 200_000,
      rps: 70,
      eventsPerSec: 139,
      streamMode: "provisioned",
      factors: 64,
    });
    expect(report.sizing.kinesis.mode).toBe("provisioned");
    const sum = report.lines.reduce((acc, line) => acc + line.monthlyUsd, 0);
    expect(report.totalMonthlyUsd).toBeCloseTo(sum, 0);
    for (const line of report.lines) {
      expect(Object.keys(line).sort()).toEqual([
        "formula",
        "item",
        "monthlyUsd",
        "quantity",
        "service",
        "unit",
      ]);
    }
  });

  it("prints the scenario table of the docs", async () => {
    const result = await flywheel("capacity", "--scenarios", "--format", "markdown");
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(renderScenariosMarkdown(scenarioReports()));
  });

  it("names a missing input", async () => {
    expectCleanFailure(
      await flywheel("capacity", "--users", "10", "--items", "10", "--rps", "1"),
      /--events-per-sec is required/,
    );
  });

  it("names a value out of range or not an integer", async () => {
    expectCleanFailure(
      await flywheel("capacity", ...WORKLOAD.slice(2), "--users", "0"),
      /--users must be an integer from 1 to 1000000000, got 0/,
    );
    expectCleanFailure(
      await flywheel("capacity", ...WORKLOAD.slice(0, 6), "--events-per-sec", "lots"),
      /--events-per-sec must be a number, got 'lots'/,
    );
  });

  it("refuses an unknown option or format", async () => {
    expectCleanFailure(
      await flywheel("capacity", ...WORKLOAD, "--region", "eu-west-1"),
      /unknown option --region/,
    );
    expectCleanFailure(
      await flywheel("capacity", ...WORKLOAD, "--format", "xml"),
      /--format must be one of table, json, markdown, got 'xml'/,
    );
    expectCleanFailure(await flywheel("capacity", "--scenarios", "--users", "5"), /unknown option --users/);
  });
});
