import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

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

function lastJsonLine(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "null");
}

function expectCleanFailure(result: CliResult, message: RegExp): void {
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(message);
  // A clear message, never a stack trace.
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describe("flywheel CLI", () => {
  let dir: string;
  let data: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "flywheel-cli-"));
    data = join(dir, "interactions.csv");
    const generated = await flywheel(
      "generate",
      "--users",
      "300",
      "--items",
      "120",
      "--interactions",
      "9000",
      "--seed",
      "5",
      "--out",
      data,
    );
    expect(generated.code).toBe(0);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("generate writes the requested rows and says so as JSON", async () => {
    const again = join(dir, "again.csv");
    const result = await flywheel(
      "generate",
      "--users",
      "300",
      "--items",
      "120",
      "--interactions",
      "9000",
      "--seed",
      "5",
      "--out",
      again,
    );
    expect(result.code).toBe(0);
    expect(lastJsonLine(result.stdout)).toMatchObject({ out: again, rows: 9000 });
  });

  it("evaluate ends stdout with one JSON object with every documented key", async () => {
    const result = await flywheel(
      "evaluate",
      "--input",
      data,
      "--format",
      "csv",
      "--split",
      "stratified",
      "--ratio",
      "0.75",
      "--split-seed",
      "42",
      "--k",
      "10",
      "--factors",
      "8",
      "--iterations",
      "5",
    );
    expect(result.code).toBe(0);
    const report = lastJsonLine(result.stdout);
    for (const key of [
      "dataset",
      "algorithm",
      "k",
      "precision",
      "recall",
      "ndcg",
      "map",
      "coverage",
      "users",
      "items",
      "interactions",
      "trainSeconds",
    ]) {
      expect(report).toHaveProperty(key);
    }
    expect(report).toMatchObject({
      dataset: "interactions.csv",
      algorithm: "als",
      k: 10,
      interactions: 9000,
    });
    const popular = lastJsonLine(
      (await flywheel("evaluate", "--input", data, "--algorithm", "popular")).stdout,
    );
    // Generated data has taste clusters, so the personal model must beat the global ranking.
    expect(report.ndcg as number).toBeGreaterThan(popular.ndcg as number);
  });

  it("train writes a model that recommend reads, leaving out seen items", async () => {
    const modelDir = join(dir, "model");
    const trained = await flywheel(
      "train",
      "--input",
      data,
      "--out",
      modelDir,
      "--factors",
      "8",
      "--iterations",
      "4",
      "--threads",
      "1",
    );
    expect(trained.code).toBe(0);
    expect(lastJsonLine(trained.stdout)).toMatchObject({ out: modelDir, factors: 8, users: 300 });
    const result = await flywheel(
      "recommend",
      "--model",
      modelDir,
      "--user",
      "u1",
      "--k",
      "5",
      "--seen",
      data,
    );
    expect(result.code).toBe(0);
    const answer = lastJsonLine(result.stdout) as { items: Array<{ itemId: string; score: number }> };
    expect(answer.items).toHaveLength(5);
    const scores = answer.items.map((i) => i.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    const unknownUser = await flywheel("recommend", "--model", modelDir, "--user", "nobody");
    expectCleanFailure(unknownUser, /user nobody is not in model/);
  });

  it("K larger than the catalog returns every unseen item", async () => {
    const result = await flywheel(
      "evaluate",
      "--input",
      data,
      "--k",
      "500",
      "--factors",
      "4",
      "--iterations",
      "2",
    );
    expect(result.code).toBe(0);
    expect(lastJsonLine(result.stdout)).toMatchObject({ k: 500 });
  });

  it("a user who has every item gets an empty list, not an error", async () => {
    const file = join(dir, "everything.csv");
    const rows = ["user_id,item_id"];
    for (let i = 0; i < 6; i++) rows.push(`greedy,i${i}`);
    for (let u = 0; u < 4; u++) rows.push(`u${u},i${u}`, `u${u},i${u + 1}`);
    await writeFile(file, `${rows.join("\n")}\n`);
    const modelDir = join(dir, "greedy-model");
    expect(
      (await flywheel("train", "--input", file, "--out", modelDir, "--factors", "3", "--iterations", "3"))
        .code,
    ).toBe(0);
    const result = await flywheel("recommend", "--model", modelDir, "--user", "greedy", "--seen", file);
    expect(result.code).toBe(0);
    expect(lastJsonLine(result.stdout)).toMatchObject({ items: [] });
  });

  it("rejects bad input with a clear message and no stack trace", async () => {
    const empty = join(dir, "empty.csv");
    await writeFile(empty, "");
    expectCleanFailure(
      await flywheel("train", "--input", empty, "--out", join(dir, "x")),
      /empty|no rows|no interactions/i,
    );

    const malformed = join(dir, "malformed.csv");
    await writeFile(malformed, "user_id,item_id,value\nu1,i1,1\nu2,i2,abc\n");
    expectCleanFailure(await flywheel("train", "--input", malformed, "--out", join(dir, "x")), /line 3/);

    const oneUser = join(dir, "one-user.csv");
    await writeFile(oneUser, "user_id,item_id\nu1,i1\nu1,i2\nu1,i3\n");
    expectCleanFailure(await flywheel("evaluate", "--input", oneUser), /at least 2 users/);

    expectCleanFailure(
      await flywheel("train", "--input", data, "--out", join(dir, "x"), "--factors", "0"),
      /--factors must be an integer/,
    );
    expectCleanFailure(
      await flywheel("train", "--input", data, "--out", join(dir, "x"), "--factor", "8"),
      /unknown option --factor/,
    );
    expectCleanFailure(await flywheel("evaluate", "--input", join(dir, "missing.csv")), /does not exist/);
    expectCleanFailure(
      await flywheel("evaluate", "--input", data, "--format", "parquet"),
      /--format must be one of/,
    );
    const unknown = await flywheel("frobnicate");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
  });

  it("skips malformed rows when asked, and counts them", async () => {
    const malformed = join(dir, "skippable.csv");
    await writeFile(malformed, "user_id,item_id,value\nu1,i1,1\nu2,i2,abc\nu2,i1,2\nu3,i2,1\nu3,i1,1\n");
    const result = await flywheel(
      "train",
      "--input",
      malformed,
      "--out",
      join(dir, "skip-model"),
      "--factors",
      "2",
      "--iterations",
      "1",
      "--skip-malformed",
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/skipped 1 malformed rows/);
    expect(lastJsonLine(result.stdout)).toMatchObject({ interactions: 4 });
  });
});
