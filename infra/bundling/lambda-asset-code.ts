import { relative } from "node:path";
import { AssetHashType, DockerImage, type ILocalBundling } from "aws-cdk-lib";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { buildSync } from "esbuild";
import { type BundleTarget, lambdaEsbuildOptions, REPOSITORY_ROOT } from "./lambda-bundle-options.ts";

/**
 * A Lambda's code: `entry` bundled with the shared options (lambda-bundle-options.ts) by esbuild's JS API,
 * at synthesis, into the asset directory CDK stages and uploads. The asset is identified by the hash of
 * what was written, so an unchanged bundle is not uploaded again.
 *
 * Not NodejsFunction: it runs the esbuild command line with `--outfile`, which cannot split code, so a
 * handler's lazily loaded clients would be read and compiled at every cold start. As with NodejsFunction,
 * stacks left out of `aws:cdk:bundling-stacks` (the template tests) are not bundled.
 */
export function lambdaAssetCode(entry: string, target: BundleTarget = {}): lambda.AssetCode {
  return lambda.Code.fromAsset(REPOSITORY_ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // CDK asks for an image to bundle in when local bundling declines; this one never declines (esbuild is
      // a dependency of the app), so no container is ever started.
      image: DockerImage.fromRegistry("public.ecr.aws/sam/build-nodejs24.x"),
      local: new EsbuildLocalBundling(relative(REPOSITORY_ROOT, entry), target),
    },
  });
}

/**
 * Bundles in this process, synchronously (CDK's local bundling is synchronous; esbuild's buildSync runs
 * the same build as the bench's `build`). The entry and target are fields, not only closure variables:
 * CDK reuses a staged asset for props that serialize alike, and these fields are what tell two
 * functions' assets apart.
 */
class EsbuildLocalBundling implements ILocalBundling {
  readonly entry: string;
  readonly target: BundleTarget;

  constructor(entry: string, target: BundleTarget) {
    this.entry = entry;
    this.target = target;
  }

  tryBundle(outputDir: string): boolean {
    const result = buildSync(lambdaEsbuildOptions(this.entry, outputDir, { target: this.target }));
    if (result.errors.length > 0) throw new Error(`esbuild failed to bundle ${this.entry}`);
    return true;
  }
}
