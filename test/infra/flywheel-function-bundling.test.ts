import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { App, type CfnElement, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as z from "zod";
import { LAMBDA_BUNDLE_OPTIONS, REPOSITORY_ROOT } from "../../infra/bundling/lambda-bundle-options.ts";
import { FlywheelFunction } from "../../infra/constructs/flywheel-function.ts";

// FlywheelFunctions synthesized with bundling on (CDK runs esbuild in-process, as `cdk synth` does): the
// asset each stages is what the shared options produce. The other infra tests skip bundling.

const FunctionCodeSchema = z.object({
  Properties: z.object({
    Code: z.object({ S3Key: z.string().regex(/^[0-9a-f]{64}\.zip$/) }),
    Runtime: z.string(),
    Environment: z.object({ Variables: z.record(z.string(), z.unknown()) }),
  }),
});

let outdir: string;
let assetDirectory: string;
let template: Template;
let assetKeys: string[];

beforeAll(async () => {
  outdir = await mkdtemp(join(tmpdir(), "flywheel-function-bundling-"));
  const app = new App({ outdir });
  const stack = new Stack(app, "Bundling");
  const functionEnvironment = { stageName: "test", version: "1.2.3" };
  const events = new FlywheelFunction(stack, "Events", {
    entry: resolve(REPOSITORY_ROOT, "functions/api/events-handler.ts"),
    description: "the events handler, bundled",
    functionEnvironment,
  });
  // Same source path and options, other entries or targets: each must get an asset of its own.
  new FlywheelFunction(stack, "Health", {
    entry: resolve(REPOSITORY_ROOT, "functions/api/health-handler.ts"),
    description: "the health handler, bundled",
    functionEnvironment,
  });
  new FlywheelFunction(stack, "KinesisEvents", {
    entry: resolve(REPOSITORY_ROOT, "functions/api/events-handler.ts"),
    description: "the events handler of a Kinesis stage, bundled",
    functionEnvironment,
    bundleTarget: { eventBus: "kinesis" },
  });
  app.synth();
  template = Template.fromStack(stack);
  const keyOf = (fn: FlywheelFunction) => {
    const id = stack.getLogicalId(fn.function.node.defaultChild as CfnElement);
    return FunctionCodeSchema.parse(template.toJSON().Resources?.[id]).Properties.Code.S3Key;
  };
  assetKeys = Object.values(template.findResources("AWS::Lambda::Function")).map(
    (resource) => FunctionCodeSchema.parse(resource).Properties.Code.S3Key,
  );
  assetDirectory = join(outdir, `asset.${keyOf(events).replace(/\.zip$/, "")}`);
}, 120_000);

afterAll(async () => {
  if (outdir !== undefined) await rm(outdir, { recursive: true, force: true });
});

describe("FlywheelFunction bundling", () => {
  it("gives every entry and target an asset of its own", () => {
    expect(assetKeys).toHaveLength(3);
    expect(new Set(assetKeys).size).toBe(3);
  });

  it("stages the chunks beside the bundle: what only import() reaches (here the Kafka client)", async () => {
    const chunks = await readdir(join(assetDirectory, "chunks"));
    expect(chunks.filter((file) => file.endsWith(".mjs")).length).toBeGreaterThan(0);
    const code = await readFile(join(assetDirectory, LAMBDA_BUNDLE_OPTIONS.outputFile), "utf8");
    expect(code).toMatch(/import\(\s*"\.\/chunks\//);
  });

  it("stages the bundle and its linked source map under the shared file name", async () => {
    const bundle = join(assetDirectory, LAMBDA_BUNDLE_OPTIONS.outputFile);
    expect(existsSync(`${bundle}.map`)).toBe(true);
    const code = await readFile(bundle, "utf8");
    expect(code.startsWith(LAMBDA_BUNDLE_OPTIONS.banner)).toBe(true);
    expect(code.trimEnd().endsWith(`//# sourceMappingURL=${LAMBDA_BUNDLE_OPTIONS.outputFile}.map`)).toBe(
      true,
    );
  });

  it("bundles the AWS SDK and inlines the Kafka client's WebAssembly (the shared externals and alias)", async () => {
    const code = await readFile(join(assetDirectory, LAMBDA_BUNDLE_OPTIONS.outputFile), "utf8");
    expect(code).not.toMatch(/from\s*"@aws-sdk\//);
    expect(code).toContain("PutRecords");
    for (const chunk of await readdir(join(assetDirectory, "chunks"))) {
      expect(await readFile(join(assetDirectory, "chunks", chunk), "utf8"), chunk).not.toContain(
        "native.wasm",
      );
    }
  });

  it("runs on the runtime the bundle targets, without Node reading every source map at init", () => {
    const [resource] = Object.values(template.findResources("AWS::Lambda::Function"));
    const { Runtime, Environment } = FunctionCodeSchema.parse(resource).Properties;
    expect(Runtime.replace(/^nodejs(\d+)\.x$/, "node$1")).toBe(LAMBDA_BUNDLE_OPTIONS.target);
    expect(Environment.Variables).not.toHaveProperty("NODE_OPTIONS");
  });
});
