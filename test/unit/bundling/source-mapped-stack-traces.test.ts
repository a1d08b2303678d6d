import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleLambdaEntry, type LambdaBundle } from "../../../infra/bundling/bundle-lambda-entry.ts";
import { REPOSITORY_ROOT } from "../../../infra/bundling/lambda-bundle-options.ts";
import { runInFreshProcess } from "../../../infra/bundling/load-bundle-in-fresh-process.ts";
import { placeholderInitEnvironment } from "../../../infra/bundling/placeholder-init-environment.ts";

// A handler bundled with the shared options and run in a fresh Node process with the environment the
// function construct gives it (no NODE_OPTIONS): its stack traces must point into the TypeScript sources,
// through a source map that is read when a stack is first formatted, not at init.

const FIXTURE = "test/unit/bundling/fixtures/failing-handler.ts";

// Imports the bundle; with `move-map`, moves its source map away before anything fails (a map read at init
// would still serve); then calls the handler and prints the stack it failed with.
const CHILD_SOURCE = `
import { renameSync } from "node:fs";
import { fileURLToPath } from "node:url";
const [bundleUrl, mode] = process.argv.slice(1);
const { handler } = await import(bundleUrl);
if (mode === "move-map") {
  const map = fileURLToPath(bundleUrl) + ".map";
  renameSync(map, map + ".moved");
}
try {
  await handler();
} catch (error) {
  process.stdout.write(JSON.stringify({ stack: error.stack, sourceMapsEnabled: process.sourceMapsEnabled }));
}
process.exit(0);
`;

interface FailureReport {
  readonly stack: string;
  readonly sourceMapsEnabled: boolean;
}

async function runFailingHandler(
  bundle: LambdaBundle,
  mode: "as-deployed" | "move-map",
): Promise<FailureReport> {
  const { stdout } = await runInFreshProcess(CHILD_SOURCE, [pathToFileURL(bundle.file).href, mode], {
    env: placeholderInitEnvironment("flywheel-failing"),
  });
  return JSON.parse(stdout) as FailureReport;
}

let workspace: string;
let throwingLine: number;

beforeAll(async () => {
  workspace = await mkdtemp(join(tmpdir(), "flywheel-stack-traces-"));
  const source = await readFile(resolve(REPOSITORY_ROOT, FIXTURE), "utf8");
  throwingLine = source.split("\n").findIndex((line) => line.includes("throw new Error")) + 1;
}, 60_000);

afterAll(async () => {
  if (workspace !== undefined) await rm(workspace, { recursive: true, force: true });
});

async function bundleFixture(name: string): Promise<LambdaBundle> {
  return bundleLambdaEntry(resolve(REPOSITORY_ROOT, FIXTURE), join(workspace, name));
}

describe("stack traces of a bundled function", () => {
  it("point into the TypeScript sources, without Node's --enable-source-maps", async () => {
    const report = await runFailingHandler(await bundleFixture("as-deployed"), "as-deployed");
    expect(report.sourceMapsEnabled).toBe(false);
    const lines = report.stack.split("\n");
    expect(lines[0]).toBe("Error: failing on purpose");
    // The path is the source's as the map names it, from the bundle's build directory (`../` dropped).
    expect(lines[1]).toMatch(new RegExp(`${FIXTURE.replaceAll(".", "\\.")}:${throwingLine}:\\d+\\)$`));
    expect(report.stack).not.toContain("index.mjs");
  });

  it("read the source map when a stack is first formatted, not at init", async () => {
    // The map is moved away after the import: mapping then fails softly and the stack keeps the bundle's
    // own positions, which shows that init had not read the map.
    const report = await runFailingHandler(await bundleFixture("map-moved"), "move-map");
    const lines = report.stack.split("\n");
    expect(lines[0]).toBe("Error: failing on purpose");
    expect(lines[1]).toMatch(/index\.mjs:\d+:\d+\)$/);
    expect(report.stack).not.toContain(FIXTURE);
  });
});
