import type { DegradedStep } from "../../layers/domain/serving/serving-dependencies.ts";
import { logger } from "../commons/observability.ts";

/**
 * The serving cascade's `onDegraded`: one WARN line per fallback or skipped step, with the request's
 * correlation id and user (hashed when FLYWHEEL_LOG_HASH_USER_IDS is on), and the error's name and message,
 * never a payload.
 */
export function logDegradedStep({ step, error }: DegradedStep): void {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  logger.warn("serving tier degraded", { step, error: detail });
}
