import { mkdtemp, readFile, rm } from "node:fs/promises";
import { isBuiltin } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as z from "zod";
import {
  bundleEntryOutput,
  bundleInitOutputs,
  bundleLambdaEntry,
  type LambdaBundle,
  provideRuntimeModules,
} from "../../../infra/bundling/bundle-lambda-entry.ts";
import {
  type BundleTarget,
  LAMBDA_BUNDLE_OPTIONS,
  REPOSITORY_ROOT,
} from "../../../infra/bundling/lambda-bundle-options.ts";
import {
  loadBundleInFreshProcess,
  runInFreshProcess,
} from "../../../infra/bundling/load-bundle-in-fresh-process.ts";
import { placeholderInitEnvironment } from "../../../infra/bundling/placeholder-init-environment.ts";

// Handlers bundled with the shared options, as a stage deploys them: health (the smallest), events for a
// Kinesis stage and for an MSK stage (the Kafka client), recommendations (DynamoDB, S3, Kinesis, Redis, and
// OpenSearch and SageMaker behind first use) and popular items (Redis and DynamoDB only). What is checked
// is what a deployment relies on, never how long anything takes.

const REPRESENTATIVE_HANDLERS = {
  health: { entry: "functions/api/health-handler.ts", target: {} },
  events: { entry: "functions/api/events-handler.ts", target: { eventBus: "kinesis" } },
  "events-msk": { entry: "functions/api/events-handler.ts", target: { eventBus: "msk" } },
  recommendations: { entry: "functions/api/recommendations-handler.ts", target: { eventBus: "kinesis" } },
  "popular-items": { entry: "functions/api/popular-items-handler.ts", target: { eventBus: "kinesis" } },
} as const satisfies Record<string, { entry: string; target: BundleTarget }>;

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

/** Every module file of the package: the bundle and its chunks (source maps excluded). */
function moduleOutputs(bundle: LambdaBundle) {
  return Object.entries(bundle.metafile.outputs)
    .filter(([path]) => path.endsWith(".mjs"))
    .map(([path, output]) => ({ path, ...output }));
}

/** Inputs with bytes in `outputs`, matching `pattern`. */
function inputsIn(outputs: ReturnType<typeof moduleOutputs>, pattern: RegExp): string[] {
  return outputs.flatMap((output) =>
    Object.entries(output.inputs)
      .filter(([input, { bytesInOutput }]) => bytesInOutput > 0 && pattern.test(input))
      .map(([input]) => input),
  );
}

beforeAll(async () => {
  workspace = await mkdtemp(join(tmpdir(), "flywheel-bundles-"));
  // Nothing is importable beside the bundles but what they may take from the runtime (nothing, today).
  await provideRuntimeModules(workspace);
  for (const name of HANDLER_NAMES) {
    const { entry, target } = REPRESENTATIVE_HANDLERS[name];
    bundles.set(
      name,
      await bundleLambdaEntry(resolve(REPOSITORY_ROOT, entry), join(workspace, name), { target }),
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
    expect(bundleEntryOutput(bundle).exports).toEqual(["handler"]);
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
    expect(map.sources.some((source) => source.endsWith(REPRESENTATIVE_HANDLERS[name].entry))).toBe(true);
    expect(map.sourcesContent ?? []).toEqual([]);
  });

  it("bundles the AWS SDK (the version the tests ran against) and imports nothing but Node's own modules", () => {
    const sdkInputs = (name: HandlerName, client: string) =>
      inputsIn(moduleOutputs(bundleOf(name)), new RegExp(`node_modules/@aws-sdk/${client}/`));
    expect(sdkInputs("events", "client-kinesis").length).toBeGreaterThan(0);
    for (const client of ["client-dynamodb", "lib-dynamodb", "client-s3", "client-kinesis"]) {
      expect(sdkInputs("recommendations", client).length, client).toBeGreaterThan(0);
    }
    // A bundle's imports are Node's modules only: nothing is taken from the runtime's node_modules. (A
    // require() esbuild left unresolved is an optional dependency inside try/catch, such as debug's
    // supports-color: not checked.)
    for (const name of HANDLER_NAMES) {
      const unprovided = moduleOutputs(bundleOf(name))
        .flatMap((output) => output.imports)
        .filter((imported) => imported.external && imported.kind !== "require-call")
        .map((imported) => imported.path)
        .filter((path) => !isBuiltin(path));
      expect(unprovided, name).toEqual([]);
    }
  });

  it("carries zod's English messages only, not its other locales", () => {
    // `import { z } from "zod"` makes esbuild keep the whole namespace, every locale with it (about 360 KB
    // per bundle); `import * as z from "zod"` lets it keep only what is used.
    for (const name of HANDLER_NAMES) {
      // Every locale is parsed; what matters is whether any of its bytes reach the output.
      const locales = inputsIn(moduleOutputs(bundleOf(name)), /node_modules\/zod\/v4\/locales\/(?!en\.js$)/);
      expect(locales, `${name} bundles zod locales; import zod as \`import * as z from "zod"\``).toEqual([]);
    }
  });

  it("builds its schemas with zod/mini, not the method-chaining build", () => {
    // layers/domain/validation/zod.ts is zod/mini with English messages; a module that imports "zod" itself
    // brings the classic build (about 75 KB more and slower schema construction at every cold start).
    for (const name of HANDLER_NAMES) {
      const classic = inputsIn(moduleOutputs(bundleOf(name)), /node_modules\/zod\/v4\/classic\//);
      expect(classic, `${name}: import zod through layers/domain/validation/zod.ts`).toEqual([]);
    }
  });

  it("inlines the Kafka client's WebAssembly instead of reading it from beside the module", async () => {
    for (const { path } of moduleOutputs(bundleOf("events-msk"))) {
      expect(await readFile(path, "utf8"), path).not.toContain("native.wasm");
    }
  });

  it("leaves the Kafka client out of a Kinesis stage's packages, and in a chunk of an MSK stage's", () => {
    const kafka = /node_modules\/@platformatic\//;
    for (const name of ["events", "recommendations", "popular-items"] as const) {
      expect(inputsIn(moduleOutputs(bundleOf(name)), kafka), name).toEqual([]);
    }
    const msk = bundleOf("events-msk");
    expect(inputsIn(bundleInitOutputs(msk), kafka)).toEqual([]);
    expect(inputsIn(moduleOutputs(msk), kafka).length).toBeGreaterThan(0);
  });

  it("keeps the k-NN client and the re-rank client out of the recommendations bundle, in chunks", () => {
    // Loaded on first use (functions/api/serving-dependencies-from-environment.ts): the module the runtime
    // imports at init neither holds OpenSearch's client nor imports SageMaker's.
    const recommendations = bundleOf("recommendations");
    const lazy = /@opensearch-project|@aws-sdk\/client-sagemaker-runtime/;
    expect(inputsIn(bundleInitOutputs(recommendations), lazy)).toEqual([]);
    const inChunks = inputsIn(moduleOutputs(recommendations), lazy);
    expect(inChunks.some((input) => input.includes("@opensearch-project"))).toBe(true);
    expect(inChunks.some((input) => input.includes("client-sagemaker-runtime"))).toBe(true);
  });

  it("gives popular items only the clients it uses: DynamoDB, nothing of S3, Kinesis, SageMaker or OpenSearch", () => {
    // A module's external imports stay in a bundle even when none of its exports is used, so the handlers'
    // dependency factories live in separate files (functions/api/*-dependencies-from-environment.ts).
    const popular = moduleOutputs(bundleOf("popular-items"));
    expect(inputsIn(popular, /@aws-sdk\/(client-(s3|kinesis|sagemaker)|lib-storage)\//)).toEqual([]);
    expect(inputsIn(popular, /@opensearch-project/)).toEqual([]);
    expect(inputsIn(popular, /@aws-sdk\/client-dynamodb\//).length).toBeGreaterThan(0);
  });

  it("builds only the parameter schemas a handler parses with, not the API's response schemas", () => {
    // Response schemas (functions/api/openapi/schemas.ts) type the handlers' answers and build the OpenAPI
    // document; building all of them cost every cold start about 20 ms.
    for (const name of ["recommendations", "popular-items", "events"] as const) {
      const responseSchemas = inputsIn(
        moduleOutputs(bundleOf(name)),
        /functions\/api\/openapi\/schemas\.ts$/,
      );
      expect(responseSchemas, name).toEqual([]);
    }
  });

  it("has no CommonJS module that import()s an ES module (esbuild would wrap that module and all it imports)", () => {
    // esbuild evaluates an ES module that CommonJS code reaches with import() lazily, in a wrapper function,
    // and every module it imports too: when the OpenSearch signer did so for the SDK's credential provider,
    // all of @smithy/core and @aws-sdk/core was wrapped, scanned twice at init and not tree-shaken.
    for (const name of HANDLER_NAMES) {
      const { inputs } = bundleOf(name).metafile;
      const wrapping = Object.entries(inputs)
        .filter(([, input]) => input.format === "cjs")
        .flatMap(([path, input]) =>
          input.imports
            .filter(({ kind, external }) => kind === "dynamic-import" && !external)
            .filter((imported) => inputs[imported.path]?.format === "esm")
            .map((imported) => `${path} -> ${imported.path}`),
        );
      expect(wrapping, name).toEqual([]);
    }
  });

  it("never imports node:http as an ES module (its namespace would load Node's WebSocket client at init)", async () => {
    for (const name of HANDLER_NAMES) {
      for (const { path } of moduleOutputs(bundleOf(name))) {
        expect(await readFile(path, "utf8"), path).not.toMatch(/from\s*"(node:)?http"/);
      }
    }
  });

  it.each(HANDLER_NAMES)("%s loads in a fresh Node process and its handler is a function", async (name) => {
    const loaded = await loadBundleInFreshProcess(bundleOf(name).file, {
      env: placeholderInitEnvironment(`flywheel-${name}`),
      handlers: "handler",
    });
    expect(loaded.handlers).toEqual(["handler"]);
  });

  it("leaves Node's web streams and HTTP/2 modules unloaded at init (imported by code no handler runs)", async () => {
    // middy's streamed responses and the Kinesis client's default HTTP/2 handler import them at load; the
    // bundles get shims that load them on first use (infra/bundling/builtin-shims/lazy-builtin.cjs).
    const child = `
      await import(process.argv[1]);
      process.stdout.write(JSON.stringify(process.moduleLoadList));
      process.exit(0);
    `;
    for (const name of ["recommendations", "events", "health"] as const) {
      const { stdout } = await runInFreshProcess(child, [pathToFileURL(bundleOf(name).file).href], {
        env: placeholderInitEnvironment(`flywheel-${name}`),
      });
      const loaded = z.array(z.string()).parse(JSON.parse(stdout));
      expect(loaded, name).toContain("NativeModule https");
      expect(loaded, name).not.toContain("NativeModule stream/web");
      expect(loaded, name).not.toContain("NativeModule http2");
    }
  });

  it("loads an MSK stage's events bundle, whose Kafka client starts loading at init", async () => {
    const loaded = await loadBundleInFreshProcess(bundleOf("events-msk").file, {
      env: placeholderInitEnvironment("flywheel-events", { FLYWHEEL_EVENT_BUS: "msk" }),
      handlers: "handler",
    });
    expect(loaded.handlers).toEqual(["handler"]);
  });

  it("loads recommendations kept initialized, trying to load the model at init and carrying on without it", async () => {
    // Provisioned concurrency: init waits for the model load (functions/commons/warm-up-when-provisioned.ts).
    // Nothing answers at the placeholder endpoints, so the load fails; init must not.
    const loaded = await loadBundleInFreshProcess(bundleOf("recommendations").file, {
      env: placeholderInitEnvironment("flywheel-recommendations", {
        AWS_LAMBDA_INITIALIZATION_TYPE: "provisioned-concurrency",
      }),
      handlers: "handler",
    });
    expect(loaded.handlers).toEqual(["handler"]);
  });

  it("fails to load a Kinesis stage's bundle configured for MSK, saying it has no Kafka client", async () => {
    await expect(
      loadBundleInFreshProcess(bundleOf("events").file, {
        env: placeholderInitEnvironment("flywheel-events", { FLYWHEEL_EVENT_BUS: "msk" }),
        handlers: "handler",
      }),
    ).rejects.toThrow(/built for a Kinesis stage/);
  });

  it("fails to load when a variable the handler reads at init is missing, naming it", async () => {
    const env = placeholderInitEnvironment("flywheel-events");
    delete env.FLYWHEEL_EVENT_STREAM_NAME;
    await expect(
      loadBundleInFreshProcess(bundleOf("events").file, { env, handlers: "handler" }),
    ).rejects.toThrow(/FLYWHEEL_EVENT_STREAM_NAME/);
  });
});
