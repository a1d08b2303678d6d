import type * as z from "zod/mini";
import type { ModelRecord } from "../../layers/ports/model-registry.ts";
import type { ModelVersionSchema } from "./openapi/schemas.ts";

/** A registered model version as the admin routes answer it. */
export function modelVersionResponse(record: ModelRecord): z.input<typeof ModelVersionSchema> {
  return {
    version: record.version,
    status: record.status,
    createdAt: record.createdAt,
    activatedAt: record.activatedAt,
    factors: record.factors,
    users: record.users,
    items: record.items,
    // JSON has no NaN or Infinity (a metric over an empty holdout): such a metric is left out, not sent as null.
    metrics: Object.fromEntries(Object.entries(record.metrics).filter(([, value]) => Number.isFinite(value))),
    artifactLocation: record.artifactLocation,
  };
}
