import { mkdtemp, readFile, rm } from "node:fs/promises";
import { isBuiltin } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as nodejs from "aws-cdk-lib/aws-lambda-nodejs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as z from "zod";
import {
  bundleLambdaEntry,
  type LambdaBundle,
  provideRuntimeModules,
} from "../../../infra/bundling/bundle-lambda-entry.ts";
import { cdkBundlingOptions } from "../../../infra/bundling/cdk-bundling-options.ts";
import { LAMBDA_BUNDLE_OPTIONS, REPOSITORY_ROOT } from "../../../infra/bundling/lambda-bundle-options.ts";
import { loadBundleInFreshProcess } from "../../../infra/bundling/load-bundle-in-fresh-process.ts";
import { placeholderInitEnvironment } from "../../../infra/bundling/placeholder-init-environment.ts";

// Three handlers bundled with the shared options, as they are deployed: health (the smallest), events (the
// Kinesis client, and the Kafka client behind the MSK option) and recommendations (DynamoDB, S3, SageMaker,
// Redis, OpenSearch). What is checked is what a deployment relies on, never how long anything takes.

const REPRESENTATIVE_HANDLERS = {
  health: "functions/api/health-handler.ts",
  events: "functions/api/events-handler.ts",
  recommendations: "functions/api/recommendations-handler.ts",
} as const;

type HandlerName = keyof typeof REPRESENTATIVE_HANDLERS;
const HANDLER_NAMES = Object.keys(REPRESENTATIVE_HANDLERS) as HandlerName[];

const SourceMapSchema = z.object({
  version: z.literal(3),
  sources: z.array(z.string()),
  sourcesContent: z.array(z.string().nullable()).optional(),
  mappings: z.string().min(1),
});

let workspace: string;
const bundles = new Map<HandlerName, LambdaBundle>();

function bundleOf(name: HandlerName): LambdaBundle {
  const bundle = bundles.get(name);
  if (bundle === undefined) throw new Error(`${name} was not bundled`);
  return bundle;
}

function entryOutput(bundle: LambdaBundle) {
  const output = Object.values(bundle.metafile.outputs).find(
    (candidate) => candidate.entryPoint !== undefined,
  );
  if (output === undefined) throw new Error("no entry output in the metafile");
  return output;
}

beforeAll(async () => {
  workspace = await mkdtemp(join(tmpdir(), "flywheel-bundles-"));
  // Only what the Lambda runtime provides is importable beside the bundles.
  await provideRuntimeModules(workspace);
  for (const name of HANDLER_NAMES) {
    bundles.set(
      name,
      await bundleLambdaEntry(resolve(REPOSITORY_ROOT, REPRESENTATIVE_HANDLERS[name]), join(workspace, name)),
    );
  }
}, 60_000);

afterAll(async () => {
  if (workspace !== undefined) await rm(workspace, { recursive: true, force: true });
});

describe("a Lambda bundle built with the shared options", () => {
  it.each(HANDLER_NAMES)("%s is an ES module that exports its handler and can require()", async (name) => {
    const bundle = bundleOf(name);
    expect(bundle.file.endsWith(".mjs")).toBe(true);
    expect(entryOutput(bundle).exports).toEqual(["handler"]);
    const code = await readFile(bundle.file, "utf8");
    // The banner comes first: bundled CommonJS code finds a require() in module scope.
    expect(code.startsWith(LAMBDA_BUNDLE_OPTIONS.banner)).toBe(true);
    expect(code).not.toMatch(/\bmodule\.exports\s*=/);
  });

  it.each(HANDLER_NAMES)("%s has a linked source map without the sources", async (name) => {
    const bundle = bundleOf(name);
    const code = await readFile(bundle.file, "utf8");
    expect(code.trimEnd().endsWith("//# sourceMappingURL=index.mjs.map")).toBe(true);
    const map = SourceMapSchema.parse(JSON.parse(await readFile(bundle.sourceMapFile, "utf8")));
    expect(map.sources.some((source) => source.endsWith(REPRESENTATIVE_HANDLERS[name]))).toBe(true);
    expect(map.sourcesContent ?? []).toEqual([]);
  });

  it("leaves the AWS SDK and Smithy to the runtime: imported, never inlined", () => {
    for (const name of HANDLER_NAMES) {
      const inlined = Object.keys(bundleOf(name).metafile.inputs).filter((input) =>
        /node_modules\/@(aws-sdk|smithy)\//.test(input),
      );
      expect(inlined).toEqual([]);
    }
    const importedBy = (name: HandlerName) =>
      entryOutput(bundleOf(name))
        .imports.filter((imported) => imported.external)
        .map((imported) => imported.path);
    expect(importedBy("events")).toContain("@aws-sdk/client-kinesis");
    expect(importedBy("recommendations")).toEqual(
      expect.arrayContaining([
        "@aws-sdk/client-dynamodb",
        "@aws-sdk/lib-dynamodb",
        "@aws-sdk/client-s3",
        "@smithy/node-http-handler",
      ]),
    );
    // Beyond Node's own modules, a bundle's imports are what the runtime provides. (A require() esbuild left
    // unresolved is an optional dependency inside try/catch, such as debug's supports-color: not checked.)
    const providedByRuntime = /^@(aws-sdk|smithy)\//;
    for (const name of HANDLER_NAMES) {
      const unprovided = entryOutput(bundleOf(name))
        .imports.filter((imported) => imported.external && imported.kind !== "require-call")
        .map((imported) => imported.path)
        .filter((path) => !isBuiltin(path) && !providedByRuntime.test(path));
      expect(unprovided, name).toEqual([]);
    }
  });

  it("carries zod's English messages only, not its other locales", () => {
    // `import { z } from "zod"` makes esbuild keep the whole namespace, every locale with it (about 360 KB
    // per bundle); `import * as z from "zod"` lets it keep only what is used.
    for (const name of HANDLER_NAMES) {
      // Every locale is parsed; what matters is whether any of its bytes reach the output.
      const locales = Object.entries(entryOutput(bundleOf(name)).inputs)
        .filter(
          ([input, { bytesInOutput }]) =>
            bytesInOutput > 0 && /node_modules\/zod\/v4\/locales\/(?!en\.js$)/.test(input),
        )
        .map(([input]) => input);
      expect(locales, `${name} bundles zod locales; import zod as \`import * as z from "zod"\``).toEqual([]);
    }
  });

  it("inlines the Kafka client's WebAssembly instead of reading it from beside the module", async () => {
    const code = await readFile(bundleOf("events").file, "utf8");
    expect(code).not.toContain("native.wasm");
  });

  it.each(HANDLER_NAMES)("%s loads in a fresh Node process and its handler is a function", async (name) => {
    const loaded = await loadBundleInFreshProcess(bundleOf(name).file, {
      env: placeholderInitEnvironment(`flywheel-${name}`),
      handlers: "handler",
    });
    expect(loaded.handlers).toEqual(["handler"]);
  });

  it("loads the events bundle with the MSK event bus, whose Kafka client starts loading at init", async () => {
    const loaded = await loadBundleInFreshProcess(bundleOf("events").file, {
      env: placeholderInitEnvironment("flywheel-events", { FLYWHEEL_EVENT_BUS: "msk" }),
      handlers: "handler",
    });
    expect(loaded.handlers).toEqual(["handler"]);
  });

  it("fails to load when a variable the handler reads at init is missing, naming it", async () => {
    const env = placeholderInitEnvironment("flywheel-events");
    delete env.FLYWHEEL_EVENT_STREAM_NAME;
    await expect(
      loadBundleInFreshProcess(bundleOf("events").file, { env, handlers: "handler" }),
    ).rejects.toThrow(/FLYWHEEL_EVENT_STREAM_NAME/);
  });
});

describe("the CDK bundling props", () => {
  it("carry the shared options to NodejsFunction's esbuild", () => {
    const props = cdkBundlingOptions();
    expect(props).toMatchObject({
      format: nodejs.OutputFormat.ESM,
      target: LAMBDA_BUNDLE_OPTIONS.target,
      minify: true,
      sourceMap: true,
      sourceMapMode: nodejs.SourceMapMode.DEFAULT,
      sourcesContent: false,
      mainFields: [...LAMBDA_BUNDLE_OPTIONS.mainFields],
      banner: LAMBDA_BUNDLE_OPTIONS.banner,
      externalModules: [...LAMBDA_BUNDLE_OPTIONS.external],
    });
    expect(props.bundleAwsSDK).toBeUndefined();
    expect(props.esbuildArgs).toEqual({
      "--tree-shaking": "true",
      "--alias": ["@platformatic/wasm-utils=@platformatic/wasm-utils/bundled"],
    });
  });
});
