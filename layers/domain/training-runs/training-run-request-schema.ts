import { TRAINERS } from "../../ports/training-runs.ts";
import * as z from "../validation/zod.ts";

/**
 * A run id as the pipeline takes it (requireRunId in layers/domain/pipeline/run-workspace.ts): it names the
 * execution, the model version, the `items-<version>` index and a storage prefix, so it is 1–80 lowercase
 * letters, digits and dashes, starting with a letter or digit. The same rule as a schema, so that the API
 * refuses a bad id with a 400 and the OpenAPI document states the pattern; a test keeps the two in step.
 */
export const RunIdSchema = z
  .string()
  .check(
    z.regex(
      /^[a-z0-9][a-z0-9-]{0,79}$/,
      "must be 1–80 lowercase letters, digits or dashes, starting with a letter or digit",
    ),
  );

/** The start body is a few fields; anything much larger is not one. */
export const ADMIN_BODY_MAX_BYTES = 4 * 1024;

export const MaxNdcgDropSchema = z.number().check(
  z.gte(0),
  z.lte(1),
  z.meta({
    description: "The largest fall of nDCG@10 below the active model's that still passes the gate.",
  }),
);

/**
 * The body of POST /v1/admin/training-runs. Every field is optional: the trainer and the quality gate
 * default from the handler's configuration, the run id is generated (sortable by time). A client that
 * names the run can retry the start safely: the same id while the run is running with the same
 * parameters answers that run; otherwise an id that was used is a 409.
 */
export const StartTrainingRunBodySchema = z.strictObject({
  runId: z
    .optional(RunIdSchema)
    .check(z.meta({ description: "Names the run and the model version it trains; generated when absent." })),
  trainer: z.optional(z.enum(TRAINERS)).check(
    z.meta({
      description: "`embedded`: the TypeScript trainer in a Lambda; `spark`: Spark ALS on EMR Serverless.",
    }),
  ),
  qualityGate: z.optional(z.strictObject({ maxNdcgDrop: MaxNdcgDropSchema })),
});

export type StartTrainingRunBody = z.output<typeof StartTrainingRunBodySchema>;
