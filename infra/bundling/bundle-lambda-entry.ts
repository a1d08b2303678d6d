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
  /** Size of the bundle itself, source map excluded. */
  readonly bytes: number;
  /** Size of every module file written (the bundle and its chunks), source maps excluded. */
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
  const moduleFiles = Object.entries(result.metafile.outputs).filter(([path]) => path.endsWith(".mjs"));
  const packageBytes = moduleFiles.reduce((sum, [, output]) => sum + output.bytes, 0);
  return { file, sourceMapFile: `${file}.map`, bytes: size, packageBytes, metafile: result.metafile };
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

/**
 * The metafile's record of the bundle itself (not of a chunk: esbuild marks the chunks of `import()` targets
 * as entry points too).
 */
export function bundleEntryOutput(bundle: LambdaBundle): Metafile["outputs"][string] {
  const bundleName = `/${LAMBDA_BUNDLE_OPTIONS.outputFile}`;
  const found = Object.entries(bundle.metafile.outputs).find(
    ([path]) => path.endsWith(bundleName) && !path.includes("/chunks/"),
  );
  if (found === undefined) throw new Error(`no record of ${bundle.file} in its metafile`);
  return found[1];
}

/**
 * Bytes of the bundle by where they came from: a package name for node_modules inputs, the first two path
 * segments for Flywheel's own code (`layers/domain`, `functions/api`). Largest first.
 */
export function bundleInputsBySource(bundle: LambdaBundle): Array<{ source: string; bytes: number }> {
  const output = bundleEntryOutput(bundle);
  const bySource = new Map<string, number>();
  for (const [path, input] of Object.entries(output.inputs)) {
    const source = sourceOf(path);
    bySource.set(source, (bySource.get(source) ?? 0) + input.bytesInOutput);
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
