import { mkdir, stat, symlink } from "node:fs/promises";
import { join } from "node:path";
import { build, type Metafile } from "esbuild";
import {
  type BundleTarget,
  LAMBDA_BUNDLE_OPTIONS,
  lambdaEsbuildOptions,
  REPOSITORY_ROOT,
} from "./lambda-bundle-options.ts";

/** One Lambda bundle on disk, as the deployment package would hold it. */
export interface LambdaBundle {
  /** The bundle (LAMBDA_BUNDLE_OPTIONS.outputFile): the module the runtime imports at init. */
  readonly file: string;
  readonly sourceMapFile: string;
  /**
   * Size of what init reads and compiles: the bundle and the chunks it imports statically (code it shares
   * with an `import()` target lands in such a chunk). Source maps excluded.
   */
  readonly bytes: number;
  /** Size of the bundle file alone. */
  readonly entryBytes: number;
  /** Size of every module file written (the bundle and all its chunks), source maps excluded. */
  readonly packageBytes: number;
  readonly metafile: Metafile;
}

export interface BundleVariant {
  /** What the bundle is built for (the stage's event bus), as the function construct passes it. */
  readonly target?: BundleTarget;
  /** Replaces the shared externals (an empty list bundles the AWS SDK too). */
  readonly external?: readonly string[];
  /** Leaves every package out of the bundle: what it would hold if all dependencies came from a layer. */
  readonly allPackagesExternal?: boolean;
  /** Overrides the shared code splitting (false: one file, lazily loaded code inlined). */
  readonly splitting?: boolean;
}

/**
 * Bundles one handler module into `directory` with the options the function construct builds its asset
 * with (lambdaEsbuildOptions; lambda-asset-code.ts runs the same build synchronously). A variant changes
 * what is left out, or the splitting, for the bench's comparisons.
 */
export async function bundleLambdaEntry(
  entry: string,
  directory: string,
  variant: BundleVariant = {},
): Promise<LambdaBundle> {
  const file = join(directory, LAMBDA_BUNDLE_OPTIONS.outputFile);
  const result = await build({
    ...lambdaEsbuildOptions(entry, directory, {
      metafile: true,
      ...(variant.external === undefined ? {} : { external: variant.external }),
      ...(variant.target === undefined ? {} : { target: variant.target }),
      ...(variant.splitting === undefined ? {} : { splitting: variant.splitting }),
    }),
    ...(variant.allPackagesExternal ? { packages: "external" as const } : {}),
  });
  if (result.metafile === undefined) throw new Error(`esbuild wrote no metafile for ${entry}`);
  const { size } = await stat(file);
  const metafile = result.metafile;
  const moduleFiles = Object.entries(metafile.outputs).filter(([path]) => path.endsWith(".mjs"));
  const packageBytes = moduleFiles.reduce((sum, [, output]) => sum + output.bytes, 0);
  const bytes = outputsLoadedAtInit(metafile).reduce((sum, output) => sum + output.bytes, 0);
  return { file, sourceMapFile: `${file}.map`, bytes, entryBytes: size, packageBytes, metafile };
}

/**
 * Makes the packages the Lambda runtime provides (the shared externals, `@scope/*` or a package name)
 * importable from bundles under `directory`, as /var/runtime/node_modules makes them in AWS: a
 * `node_modules` there links to this repository's installed copies, and nothing else is reachable. With
 * `everything`, the whole of node_modules is linked (the all-packages-external variant needs it).
 */
export async function provideRuntimeModules(
  directory: string,
  options: { readonly everything?: boolean; readonly external?: readonly string[] } = {},
): Promise<void> {
  const installed = join(REPOSITORY_ROOT, "node_modules");
  if (options.everything) {
    await symlink(installed, join(directory, "node_modules"), "dir");
    return;
  }
  const modules = join(directory, "node_modules");
  await mkdir(modules, { recursive: true });
  for (const pattern of options.external ?? LAMBDA_BUNDLE_OPTIONS.external) {
    const name = pattern.endsWith("/*") ? pattern.slice(0, -2) : pattern;
    await symlink(join(installed, name), join(modules, name), "dir");
  }
}

type MetafileOutput = Metafile["outputs"][string];

/**
 * The metafile's path and record of the bundle itself (not of a chunk: esbuild marks the chunks of `import()`
 * targets as entry points too).
 */
function entryOutputOf(metafile: Metafile): [string, MetafileOutput] {
  const bundleName = `/${LAMBDA_BUNDLE_OPTIONS.outputFile}`;
  const found = Object.entries(metafile.outputs).find(
    ([path]) => path.endsWith(bundleName) && !path.includes("/chunks/"),
  );
  if (found === undefined) throw new Error(`no record of ${LAMBDA_BUNDLE_OPTIONS.outputFile} in a metafile`);
  return found;
}

/** The metafile's record of the bundle file itself. */
export function bundleEntryOutput(bundle: LambdaBundle): MetafileOutput {
  return entryOutputOf(bundle.metafile)[1];
}

/**
 * Every module file the runtime reads when it imports the bundle: the bundle and, transitively, the chunks
 * it imports statically. Chunks reached only through `import()` are left out: they load on first use.
 */
function outputsLoadedAtInit(metafile: Metafile): Array<MetafileOutput & { path: string }> {
  const [entryPath] = entryOutputOf(metafile);
  const loaded = new Set<string>();
  const pending = [entryPath];
  for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
    const output = metafile.outputs[path];
    if (loaded.has(path) || output === undefined) continue;
    loaded.add(path);
    for (const imported of output.imports) {
      if (imported.kind === "import-statement" && !imported.external) pending.push(imported.path);
    }
  }
  return [...loaded].map((path) => ({ path, ...(metafile.outputs[path] as MetafileOutput) }));
}

/** The module files init reads (outputsLoadedAtInit), with their metafile records. */
export function bundleInitOutputs(bundle: LambdaBundle): Array<MetafileOutput & { path: string }> {
  return outputsLoadedAtInit(bundle.metafile);
}

/**
 * Bytes that init reads (the bundle and its static chunks) by where they came from: a package name for
 * node_modules inputs, the first two path segments for Flywheel's own code (`layers/domain`,
 * `functions/api`). Largest first.
 */
export function bundleInputsBySource(bundle: LambdaBundle): Array<{ source: string; bytes: number }> {
  const bySource = new Map<string, number>();
  for (const output of bundleInitOutputs(bundle)) {
    for (const [path, input] of Object.entries(output.inputs)) {
      const source = sourceOf(path);
      bySource.set(source, (bySource.get(source) ?? 0) + input.bytesInOutput);
    }
  }
  return [...bySource]
    .map(([source, bytes]) => ({ source, bytes }))
    .sort((a, b) => b.bytes - a.bytes || a.source.localeCompare(b.source));
}

function sourceOf(inputPath: string): string {
  const inPackage = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(inputPath);
  if (inPackage?.[1] !== undefined) return inPackage[1];
  return inputPath.split("/").slice(0, 2).join("/");
}
