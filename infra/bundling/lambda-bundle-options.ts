import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import type { BuildOptions } from "esbuild";

/**
 * How every Flywheel Lambda is bundled: the one definition that the function construct applies
 * (infra/constructs/flywheel-function.ts, through cdk-bundling-options.ts) and that the cold-start bench and
 * the bundling tests build with (through lambdaEsbuildOptions). docs/lambda-packaging.md explains each choice
 * and the figures behind it.
 */
export interface LambdaBundleOptions {
  readonly format: "esm";
  readonly platform: "node";
  /** The runtime's Node.js (lambda.Runtime.NODEJS_24_X): no syntax is lowered for an older engine. */
  readonly target: string;
  readonly minify: boolean;
  readonly treeShaking: boolean;
  /**
   * `linked`: a `.map` file beside the bundle and a `sourceMappingURL` comment pointing at it, which
   * `--enable-source-maps` (LAMBDA_NODE_OPTIONS) follows. esbuild's `external` mode writes the file but omits
   * the comment, and Node would then never find the map.
   */
  readonly sourcemap: "linked";
  /** Stack traces need names and lines only; the sources would double the map for nothing. */
  readonly sourcesContent: boolean;
  /** ESM builds first (`module`), which tree-shake; CommonJS (`main`) where a package has nothing else. */
  readonly mainFields: readonly string[];
  /** Prepended to the bundle: CommonJS code bundled into an ES module may call require(), which ESM lacks. */
  readonly banner: string;
  /**
   * Packages left out of the bundle because the Lambda Node.js runtime provides them: the AWS SDK v3 and the
   * Smithy packages it is built on (both, so that a client and the HTTP handler we pass it come from the
   * same install).
   */
  readonly external: readonly string[];
  /** Imports redirected at bundle time: `from` is the import path as written, `to` its replacement. */
  readonly alias: Readonly<Record<string, string>>;
  /** The bundle's file name in the deployment package (`.mjs`: an ES module without a package.json). */
  readonly outputFile: string;
}

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
  external: ["@aws-sdk/*", "@smithy/*"],
  alias: {
    // The Kafka client's WebAssembly helpers read `../dist/native.wasm` beside their module at load; in a
    // bundle that file is not there and the import fails. The package's `bundled` build inlines the module.
    "@platformatic/wasm-utils": "@platformatic/wasm-utils/bundled",
  },
  outputFile: "index.mjs",
};

/**
 * What the function construct puts in NODE_OPTIONS, and what the bench starts its processes with: stack
 * traces mapped back to the TypeScript sources through the linked source map.
 */
export const LAMBDA_NODE_OPTIONS = "--enable-source-maps";

/** Where esbuild runs (the construct's projectRoot): aliases and packages resolve from here. */
export const REPOSITORY_ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

/**
 * The shared options as esbuild JS API options, for one entry written to `outfile` (name it
 * LAMBDA_BUNDLE_OPTIONS.outputFile, as in the deployment package). With `metafile`, the result says which
 * inputs the bundle holds and what it imports at run time.
 */
export function lambdaEsbuildOptions(
  entry: string,
  outfile: string,
  overrides: { readonly metafile?: boolean; readonly external?: readonly string[] } = {},
): BuildOptions & { entryPoints: string[]; outfile: string } {
  const options = LAMBDA_BUNDLE_OPTIONS;
  return {
    absWorkingDir: REPOSITORY_ROOT,
    entryPoints: [entry],
    outfile,
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
    metafile: overrides.metafile ?? false,
    logLevel: "warning",
  };
}
