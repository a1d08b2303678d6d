import * as nodejs from "aws-cdk-lib/aws-lambda-nodejs";
import { LAMBDA_BUNDLE_OPTIONS, type LambdaBundleOptions } from "./lambda-bundle-options.ts";

/**
 * The shared bundle options (lambda-bundle-options.ts) as NodejsFunction bundling props. NodejsFunction runs
 * the esbuild CLI, so what it has no prop for goes through `esbuildArgs`. Platform `node` is what it always
 * passes; SourceMapMode.DEFAULT is esbuild's linked source map.
 */
export function cdkBundlingOptions(
  options: LambdaBundleOptions = LAMBDA_BUNDLE_OPTIONS,
): nodejs.BundlingOptions {
  return {
    format: nodejs.OutputFormat.ESM,
    target: options.target,
    minify: options.minify,
    sourceMap: true,
    sourceMapMode: nodejs.SourceMapMode.DEFAULT,
    sourcesContent: options.sourcesContent,
    mainFields: [...options.mainFields],
    banner: options.banner,
    // Replaces CDK's default externals (and its feature-flag dependent choice about @smithy/*) outright.
    externalModules: [...options.external],
    esbuildArgs: {
      "--tree-shaking": String(options.treeShaking),
      "--alias": Object.entries(options.alias).map(([from, to]) => `${from}=${to}`),
    },
  };
}
