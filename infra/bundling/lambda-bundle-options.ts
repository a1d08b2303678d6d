import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import type { BuildOptions } from "esbuild";

/**
 * How every Flywheel Lambda is bundled: the one definition that the function construct builds its asset
 * with (infra/constructs/flywheel-function.ts, through lambda-asset-code.ts) and that the cold-start bench
 * and the bundling tests build with, both through lambdaEsbuildOptions. docs/lambda-packaging.md explains
 * each choice and the figures behind it.
 */
export interface LambdaBundleOptions {
  readonly format: "esm";
  readonly platform: "node";
  /** The runtime's Node.js (lambda.Runtime.NODEJS_24_X): no syntax is lowered for an older engine. */
  readonly target: string;
  readonly minify: boolean;
  readonly treeShaking: boolean;
  /**
   * `linked`: a `.map` file beside each module file and a `sourceMappingURL` comment pointing at it, which
   * functions/commons/source-mapped-stack-traces.ts follows when a stack is first formatted. esbuild's
   * `external` mode writes the file but omits the comment, and the map would never be found.
   */
  readonly sourcemap: "linked";
  /** Stack traces need names and lines only; the sources would double the map for nothing. */
  readonly sourcesContent: boolean;
  /** ESM builds first (`module`), which tree-shake; CommonJS (`main`) where a package has nothing else. */
  readonly mainFields: readonly string[];
  /** Prepended to the bundle: CommonJS code bundled into an ES module may call require(), which ESM lacks. */
  readonly banner: string;
  /**
   * Packages left out of the bundle, for the runtime to provide. None: the AWS SDK v3 is bundled, tree-shaken
   * from its ES build, so a function runs the SDK version its tests ran against, and loads it faster than the
   * runtime's CommonJS copy (docs/lambda-packaging.md, "Decision: the AWS SDK is bundled"). `["@aws-sdk/*",
   * "@smithy/*"]` (both, so that a client and the HTTP handler we pass it come from one install) would take
   * it from the runtime instead.
   */
  readonly external: readonly string[];
  /** Imports redirected at bundle time: `from` is the import path as written, `to` its replacement. */
  readonly alias: Readonly<Record<string, string>>;
  /** The bundle's file name in the deployment package (`.mjs`: an ES module without a package.json). */
  readonly outputFile: string;
  /**
   * Code splitting: what the handler reaches only through `import()` (the Kafka client on an MSK stage,
   * the k-NN client, the re-rank client) is written to chunk files beside the bundle, which Node reads and
   * compiles only when that import runs, with the SDK packages they import.
   */
  readonly splitting: boolean;
  /** Where the chunks go, relative to the bundle (`[hash]` keeps an unchanged chunk's name stable). */
  readonly chunkNames: string;
}

/** Node's http module without an ES import (see the alias below). */
const HTTP_SHIM = "infra/bundling/builtin-shims/node-http.cjs";
/** Builtins that bundled packages import at load for code Flywheel never runs: loaded on first use instead. */
const STREAM_WEB_SHIM = "infra/bundling/builtin-shims/node-stream-web.cjs";
const HTTP2_SHIM = "infra/bundling/builtin-shims/node-http2.cjs";

export const LAMBDA_BUNDLE_OPTIONS: LambdaBundleOptions = {
  format: "esm",
  platform: "node",
  target: "node24",
  minify: true,
  treeShaking: true,
  sourcemap: "linked",
  sourcesContent: false,
  mainFields: ["module", "main"],
  banner:
    "import { createRequire as __flywheelCreateRequire } from 'node:module'; const require = __flywheelCreateRequire(import.meta.url);",
  external: [],
  alias: {
    // The Kafka client's WebAssembly helpers read `../dist/native.wasm` beside their module at load; in a
    // bundle that file is not there and the import fails. The package's `bundled` build inlines the module.
    "@platformatic/wasm-utils": "@platformatic/wasm-utils/bundled",
    // An ES import of node:http costs ~30 ms of init (builtin-shims/node-http.cjs says why); the
    // Powertools tracer imports it so. Relative to the repository root, where esbuild runs.
    "node:http": `./${HTTP_SHIM}`,
    http: `./${HTTP_SHIM}`,
    // middy's streamed responses and the Kinesis client's default HTTP/2 handler, neither of which a
    // Flywheel handler uses, would load these at every cold start (builtin-shims/lazy-builtin.cjs).
    "node:stream/web": `./${STREAM_WEB_SHIM}`,
    "stream/web": `./${STREAM_WEB_SHIM}`,
    "node:http2": `./${HTTP2_SHIM}`,
    http2: `./${HTTP2_SHIM}`,
  },
  outputFile: "index.mjs",
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
};

/** The event bus a stage publishes to (its `eventBus.kind`). */
export type BundledEventBus = "kinesis" | "msk";

/** What one bundle is built for, beyond the shared options. */
export interface BundleTarget {
  /**
   * The stage's event bus. `kinesis` leaves the Kafka client out of the bundle: the MSK branch of
   * functions/commons/event-bus-from-environment.ts becomes dead code. @default both buses are bundled
   */
  readonly eventBus?: BundledEventBus;
}

/**
 * esbuild `define`s for a target: expressions replaced by constants at bundle time, so that esbuild drops
 * the code they make unreachable, with its imports. Every bundle says that it carries linked source maps:
 * its stack traces are then mapped on first use (functions/commons/source-mapped-stack-traces.ts), and
 * no NODE_OPTIONS=--enable-source-maps makes Node read every map at init.
 */
export function bundleDefines(target: BundleTarget = {}): Record<string, string> {
  return {
    "process.env.FLYWHEEL_BUNDLED_SOURCE_MAPS": JSON.stringify(LAMBDA_BUNDLE_OPTIONS.sourcemap),
    ...(target.eventBus === undefined
      ? {}
      : { "process.env.FLYWHEEL_BUNDLED_EVENT_BUS": JSON.stringify(target.eventBus) }),
  };
}

/** Where esbuild runs (the asset's source path): aliases and packages resolve from here. */
export const REPOSITORY_ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

/**
 * The shared options as esbuild JS API options, for one entry written into `outdir` as
 * LAMBDA_BUNDLE_OPTIONS.outputFile (with its chunks, as the deployment package holds them). With
 * `metafile`, the result says which inputs each output holds and what it imports at run time. The
 * overrides are for the bench's comparisons; the construct passes the target only.
 */
export function lambdaEsbuildOptions(
  entry: string,
  outdir: string,
  overrides: {
    readonly metafile?: boolean;
    readonly external?: readonly string[];
    readonly target?: BundleTarget;
    readonly splitting?: boolean;
  } = {},
): BuildOptions & { entryPoints: string[]; outdir: string } {
  const options = LAMBDA_BUNDLE_OPTIONS;
  return {
    absWorkingDir: REPOSITORY_ROOT,
    entryPoints: [entry],
    outdir,
    entryNames: options.outputFile.replace(/\.mjs$/, ""),
    outExtension: { ".js": ".mjs" },
    splitting: overrides.splitting ?? options.splitting,
    chunkNames: options.chunkNames,
    bundle: true,
    format: options.format,
    platform: options.platform,
    target: options.target,
    minify: options.minify,
    treeShaking: options.treeShaking,
    sourcemap: options.sourcemap,
    sourcesContent: options.sourcesContent,
    mainFields: [...options.mainFields],
    banner: { js: options.banner },
    external: [...(overrides.external ?? options.external)],
    alias: { ...options.alias },
    define: bundleDefines(overrides.target),
    metafile: overrides.metafile ?? false,
    logLevel: "warning",
  };
}
