import { z } from "zod";

/** A deployment stage (dev, staging, prod, …), read from CDK context once, when the app starts. */
export interface StageConfig {
  /** Part of every stack name; lower-case letters, digits and hyphens. */
  readonly stageName: string;
  /** What `cdk destroy` (or a replacement) does to data: tables, bucket, stream, queue, key. */
  readonly dataRemovalPolicy: "retain" | "destroy";
  /** Refuse DeleteTable on the tables even from the console; on wherever data is retained. */
  readonly deletionProtection: boolean;
  readonly eventStream: {
    /** On-demand scales itself and suits unknown or spiky traffic; provisioned is cheaper when steady. */
    readonly mode: "on-demand" | "provisioned";
    /** Shards when provisioned (each takes 1 MB/s or 1,000 records/s in). */
    readonly shardCount: number;
    /** How far back a consumer can replay; 24 h is the cheapest, up to 8,760 h. */
    readonly retentionHours: number;
  };
  /** Days an overwritten or deleted model artifact stays recoverable in the versioned bucket. */
  readonly noncurrentArtifactRetentionDays: number;
}

/** Stages that hold no data worth keeping; every other stage, prod included, retains data. */
const DISPOSABLE_STAGES = new Set(["dev", "test", "sandbox"]);

/** CDK context values: typed JSON from cdk.json, strings from `-c key=value`. */
const contextSchema = z.object({
  stage: z
    .string()
    .regex(
      /^[a-z][a-z0-9-]{0,19}$/,
      "must be 1-20 lower-case letters, digits or hyphens, starting with a letter",
    )
    .default("dev"),
  dataRemovalPolicy: z.enum(["retain", "destroy"]).optional(),
  streamMode: z.enum(["on-demand", "provisioned"]).default("on-demand"),
  streamShards: z.coerce.number().int().min(1).max(500).default(2),
  streamRetentionHours: z.coerce.number().int().min(24).max(8760).default(24),
  noncurrentArtifactRetentionDays: z.coerce.number().int().min(1).max(3650).default(30),
});

const CONTEXT_KEYS = Object.keys(contextSchema.shape) as Array<keyof typeof contextSchema.shape>;

/**
 * Reads the stage from CDK context (`cdk synth -c stage=prod -c streamMode=provisioned -c streamShards=4`).
 * Data is retained unless the stage is a disposable one (dev, test, sandbox) or `dataRemovalPolicy` says
 * otherwise. A malformed value fails synthesis with a message that names the context key.
 */
export function readStageConfig(node: { tryGetContext(key: string): unknown }): StageConfig {
  const raw: Record<string, unknown> = {};
  for (const key of CONTEXT_KEYS) {
    const value = node.tryGetContext(key);
    if (value !== undefined) raw[key] = value;
  }
  const parsed = contextSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `context "${issue.path.join(".")}": ${issue.message}`,
    );
    throw new Error(`invalid CDK context: ${problems.join("; ")}`);
  }
  const context = parsed.data;
  const dataRemovalPolicy =
    context.dataRemovalPolicy ?? (DISPOSABLE_STAGES.has(context.stage) ? "destroy" : "retain");
  return {
    stageName: context.stage,
    dataRemovalPolicy,
    deletionProtection: dataRemovalPolicy === "retain",
    eventStream: {
      mode: context.streamMode,
      shardCount: context.streamShards,
      retentionHours: context.streamRetentionHours,
    },
    noncurrentArtifactRetentionDays: context.noncurrentArtifactRetentionDays,
  };
}
