import { writeInteractionsCsv } from "../../layers/domain/generator/synthetic-interactions.ts";
import type { CliOptions } from "../cli-arguments.ts";
import { TerminalProgress } from "../terminal-progress.ts";

export const GENERATE_HELP = `flywheel generate --users U --items I --interactions N [--seed S] [--days D] --out FILE.csv
  Writes synthetic interactions (taste clusters, power-law popularity, event types, timestamps) as CSV,
  deterministic for a seed.`;

export async function generateCommand(options: CliOptions): Promise<void> {
  const users = options.requiredInteger("users", 1, 100_000_000);
  const items = options.requiredInteger("items", 1, 100_000_000);
  const interactions = options.requiredInteger("interactions", 1, 2_000_000_000);
  const seed = options.integer("seed", 0, 2 ** 32 - 1) ?? 42;
  const days = options.integer("days", 1, 3650);
  const out = options.requiredString("out");
  options.rejectUnknown();
  const progress = new TerminalProgress();
  const started = performance.now();
  const result = await writeInteractionsCsv(
    { users, items, interactions, seed, ...(days === undefined ? {} : { days }) },
    out,
    (written, total) => progress.bar("generating", written, total),
  );
  progress.done();
  const seconds = (performance.now() - started) / 1000;
  console.log(JSON.stringify({ out, rows: result.rows, bytes: result.bytes, seconds: round(seconds, 2) }));
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}
