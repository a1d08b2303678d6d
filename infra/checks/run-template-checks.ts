import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { contextArguments, SYNTH_VARIANTS, type SynthVariant } from "./synth-variants.ts";

// `npm run check:templates [-- --variants] [-- --keep] [-- -c key=value …]`: synthesizes the app with the
// CDK CLI into a temporary directory, then lints every template with cfn-lint (settings: .cfnlintrc) and
// scans them with checkov (settings: .checkov.yaml). Exits non-zero on any finding of either, or when a
// tool is missing (both are pip packages: `pip install cfn-lint checkov`). cdk-nag runs inside the synth.
//   --variants  also every stage variant of infra/checks/synth-variants.ts, each into its own directory
//   --keep      leaves the synthesized templates in place and prints where

const REPOSITORY_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CDK = join(REPOSITORY_ROOT, "node_modules", ".bin", "cdk");

interface Options {
  readonly variants: boolean;
  readonly keep: boolean;
  /** Passed to `cdk synth` as they are (`-c stage=prod`). */
  readonly synthArguments: readonly string[];
}

function parseOptions(argv: readonly string[]): Options {
  const synthArguments = argv.filter((arg) => arg !== "--variants" && arg !== "--keep");
  return { variants: argv.includes("--variants"), keep: argv.includes("--keep"), synthArguments };
}

/** Runs a command with the output shown; its exit status, or undefined when it could not be started. */
function run(command: string, args: readonly string[]): number | undefined {
  const result = spawnSync(command, args, { cwd: REPOSITORY_ROOT, stdio: "inherit", env: process.env });
  if (result.error !== undefined) {
    console.error(`cannot run ${command}: ${result.error.message}`);
    return undefined;
  }
  return result.status ?? 1;
}

function synthesize(outdir: string, synthArguments: readonly string[]): boolean {
  console.error(`\n# cdk synth ${synthArguments.join(" ")} -> ${outdir}`);
  const status = spawnSync(CDK, ["synth", "-q", "-o", outdir, ...synthArguments], {
    cwd: REPOSITORY_ROOT,
    stdio: "inherit",
    // The tables' customer-managed key needs a concrete region; any region synthesizes the same templates.
    env: { ...process.env, AWS_REGION: process.env.AWS_REGION ?? "us-east-1" },
  }).status;
  return status === 0;
}

function templatesIn(outdir: string): string[] {
  return readdirSync(outdir)
    .filter((name) => name.endsWith(".template.json"))
    .map((name) => join(outdir, name));
}

function main(): number {
  const options = parseOptions(process.argv.slice(2));
  const root = mkdtempSync(join(tmpdir(), "flywheel-template-checks-"));
  try {
    const runs: Array<{ name: string; synthArguments: readonly string[] }> = [
      { name: "default", synthArguments: options.synthArguments },
    ];
    if (options.variants) {
      for (const [name, context] of Object.entries(SYNTH_VARIANTS) as Array<
        [SynthVariant, Readonly<Record<string, unknown>>]
      >) {
        if (name !== "default") runs.push({ name, synthArguments: contextArguments(context) });
      }
    }
    const templates: string[] = [];
    for (const { name, synthArguments } of runs) {
      const outdir = join(root, name);
      if (!synthesize(outdir, synthArguments)) {
        console.error(`template checks: synthesis of "${name}" failed (cdk-nag errors fail it too)`);
        return 1;
      }
      templates.push(...templatesIn(outdir));
    }

    console.error(`\n# cfn-lint (${templates.length} templates)`);
    const cfnLint = run("cfn-lint", [
      "--config-file",
      join(REPOSITORY_ROOT, ".cfnlintrc"),
      "--",
      ...templates,
    ]);
    console.error("\n# checkov");
    const checkov = run("checkov", [
      "--directory",
      root,
      "--config-file",
      join(REPOSITORY_ROOT, ".checkov.yaml"),
    ]);
    const verdict = (status: number | undefined) =>
      status === undefined ? "not run (pip install cfn-lint checkov)" : status === 0 ? "clean" : "findings";
    console.error(`\ntemplate checks: cfn-lint ${verdict(cfnLint)}, checkov ${verdict(checkov)}`);
    if (options.keep) console.error(`templates kept in ${root}`);
    return cfnLint === 0 && checkov === 0 ? 0 : 1;
  } finally {
    if (!options.keep) rmSync(root, { recursive: true, force: true });
  }
}

process.exitCode = main();
