import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { z } from "zod";

// The whole CDK app (infra/app.ts) as `cdk synth` runs it: a child Node process that writes a cloud
// assembly. Bundling is skipped (the API tests bundle); everything else is the real composition.

const REPOSITORY_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const STACK_PARTS = [
  "Data",
  "Network",
  "Ingest",
  "Search",
  "Training",
  "Api",
  "Web",
  "Observability",
] as const;

const ManifestSchema = z.object({
  artifacts: z.record(z.string(), z.looseObject({ type: z.string() })),
});
const TemplateSchema = z.object({
  Resources: z.record(z.string(), z.looseObject({ Type: z.string(), Properties: z.unknown().optional() })),
});

/** Runs the app as the CDK CLI does, with `context` as `-c key=value` would give it, into a fresh directory. */
function runApp(context: Record<string, string>, outdir: string) {
  return spawnSync(process.execPath, ["infra/app.ts"], {
    cwd: REPOSITORY_ROOT,
    encoding: "utf8",
    timeout: 120_000,
    env: {
      ...process.env,
      AWS_REGION: "us-east-1",
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify({ "aws:cdk:bundling-stacks": [], ...context }),
    },
  });
}

/** Synthesizes the app and returns its stack ids and templates. */
function synthesizeApp(context: Record<string, string>) {
  const outdir = mkdtempSync(join(tmpdir(), "flywheel-app-synth-"));
  try {
    const result = runApp(context, outdir);
    expect(result.status, result.stderr).toBe(0);
    const manifest = ManifestSchema.parse(JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8")));
    const stacks = Object.entries(manifest.artifacts)
      .filter(([, artifact]) => artifact.type === "aws:cloudformation:stack")
      .map(([id]) => id);
    const templates = new Map(
      stacks.map((id) => [
        id,
        TemplateSchema.parse(JSON.parse(readFileSync(join(outdir, `${id}.template.json`), "utf8"))),
      ]),
    );
    const templateOf = (id: string) => {
      const template = templates.get(id);
      if (template === undefined) throw new Error(`no stack ${id}`);
      return template;
    };
    return { stacks, templateOf };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const resourcesOfType = (template: z.infer<typeof TemplateSchema>, type: string) =>
  Object.values(template.Resources).filter((resource) => resource.Type === type);

describe("the CDK app", () => {
  it("synthesizes the eight stacks of the dev stage, the search domain and the nightly pipeline among them", () => {
    const { stacks, templateOf } = synthesizeApp({});
    expect(stacks.sort()).toEqual(STACK_PARTS.map((part) => `Flywheel-dev-${part}`).sort());
    expect(resourcesOfType(templateOf("Flywheel-dev-Search"), "AWS::OpenSearchService::Domain")).toHaveLength(
      1,
    );
    expect(
      resourcesOfType(templateOf("Flywheel-dev-Training"), "AWS::StepFunctions::StateMachine"),
    ).toHaveLength(1);
    // The served handlers that use the domain are wired to it: an ingress rule on 443 in the API stack.
    const ingress = resourcesOfType(templateOf("Flywheel-dev-Api"), "AWS::EC2::SecurityGroupIngress");
    expect(JSON.stringify(ingress)).toContain('"FromPort":443');
  });

  it("synthesizes prod with the MSK event bus", () => {
    const { stacks, templateOf } = synthesizeApp({ stage: "prod", eventBus: "msk" });
    expect(stacks.sort()).toEqual(STACK_PARTS.map((part) => `Flywheel-prod-${part}`).sort());
    const [domain] = resourcesOfType(templateOf("Flywheel-prod-Search"), "AWS::OpenSearchService::Domain");
    expect(domain).toMatchObject({
      DeletionPolicy: "Retain",
      Properties: { ClusterConfig: { DedicatedMasterEnabled: true } },
    });
  });

  it("fails with the context key named when the stage's configuration is invalid", () => {
    const outdir = mkdtempSync(join(tmpdir(), "flywheel-app-synth-"));
    try {
      const result = runApp({ searchInstanceCount: "3" }, outdir);
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain('context "searchInstanceCount"');
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
