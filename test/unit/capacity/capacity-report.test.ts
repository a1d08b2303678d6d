import { describe, expect, it } from "vitest";
import { capacityReport } from "../../../infra/capacity/capacity-report.ts";
import { scenarioInputs, scenarioReports } from "../../../infra/capacity/capacity-scenarios.ts";
import {
  CAPACITY_INPUT_LIMITS,
  type CapacityInputs,
  capacityInputs,
} from "../../../infra/capacity/workload-model.ts";

const total = (inputs: CapacityInputs): number => capacityReport(inputs).totalMonthlyUsd;

describe("capacity report", () => {
  const report = capacityReport(scenarioInputs(1_000_000));

  it("adds its lines up to the service totals and the total", () => {
    const sum = report.lines.reduce((acc, line) => acc + line.monthlyUsd, 0);
    expect(report.totalMonthlyUsd).toBeCloseTo(sum, 6);
    const byService = report.serviceTotals.reduce((acc, entry) => acc + entry.monthlyUsd, 0);
    expect(byService).toBeCloseTo(sum, 6);
  });

  it("gives every line a quantity, a unit, a formula and a non-negative cost", () => {
    for (const line of report.lines) {
      expect(Number.isFinite(line.quantity), line.item).toBe(true);
      expect(line.unit.length, line.item).toBeGreaterThan(0);
      expect(line.formula.length, line.item).toBeGreaterThan(0);
      expect(line.monthlyUsd, line.item).toBeGreaterThanOrEqual(0);
    }
    expect(new Set(report.lines.map((line) => line.service))).toEqual(
      new Set([
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
      ]),
    );
  });

  it("prices a line from its quantity: API Gateway at $3.50 a million in the first tier", () => {
    const api = report.lines.find((line) => line.service === "API Gateway");
    // 70 reads + 13.9 event posts a second for 730 h.
    expect(api?.quantity).toBeCloseTo((70 + 13.9) * 730 * 3600, 0);
    expect(api?.monthlyUsd).toBeCloseTo(((api?.quantity ?? 0) / 1e6) * 3.5, 6);
  });

  it("prices provisioned shards by the hour instead of the stream", () => {
    const provisioned = capacityReport(
      capacityInputs({ ...scenarioInputs(1_000_000), streamMode: "provisioned" }),
    );
    const shards = provisioned.lines.find((line) => line.item === "shards");
    expect(shards?.quantity).toBe(provisioned.sizing.kinesis.shards * 730);
    expect(shards?.monthlyUsd).toBeCloseTo(provisioned.sizing.kinesis.shards * 730 * 0.015, 9);
    expect(provisioned.lines.some((line) => line.item === "on-demand stream")).toBe(false);
  });

  it("warns where a quota or a memory size is reached, naming what to change", () => {
    const large = capacityReport(scenarioInputs(100_000_000));
    const text = large.warnings.join("\n");
    expect(text).toMatch(/default account throttle of 10,000\/s/);
    expect(text).toMatch(/raise memorySizeMb in functions\/api\/route-table\.ts/);
    expect(text).toMatch(/streamParallelization=2/);
    expect(capacityReport(scenarioInputs(10_000)).warnings).toEqual([]);
  });
});

describe("monotonicity: more never costs less", () => {
  const bases: CapacityInputs[] = [
    capacityInputs({ users: 1000, items: 100, rps: 1, eventsPerSec: 1 }),
    capacityInputs({ users: 50_000, items: 10_000, rps: 7, eventsPerSec: 13 }),
    capacityInputs({ users: 2_000_000, items: 300_000, rps: 150, eventsPerSec: 400 }),
    capacityInputs({
      users: 20_000_000,
      items: 3_000_000,
      rps: 2000,
      eventsPerSec: 3000,
      streamMode: "provisioned",
    }),
  ];

  it("more users, with the traffic they bring, never cost less", () => {
    for (const base of bases) {
      for (const k of [2, 3, 10]) {
        const more = capacityInputs({
          ...base,
          users: base.users * k,
          rps: base.rps * k,
          eventsPerSec: base.eventsPerSec * k,
        });
        expect(total(more), `${base.users} users × ${k}`).toBeGreaterThanOrEqual(total(base));
      }
    }
  });

  it("more items, requests or events never cost less", () => {
    for (const base of bases) {
      for (const field of ["items", "rps", "eventsPerSec"] as const) {
        let previous = total(base);
        for (const k of [2, 4, 10, 40]) {
          const value = Math.min(base[field] * k, CAPACITY_INPUT_LIMITS[field].max);
          const next = total(capacityInputs({ ...base, [field]: value }));
          expect(next, `${field} × ${k} from ${base[field]}`).toBeGreaterThanOrEqual(previous);
          previous = next;
        }
      }
    }
  });

  it("the documented scenarios cost more at every step", () => {
    const totals = scenarioReports().map((report) => report.totalMonthlyUsd);
    for (let i = 1; i < totals.length; i++) expect(totals[i]).toBeGreaterThan(totals[i - 1] as number);
  });
});
