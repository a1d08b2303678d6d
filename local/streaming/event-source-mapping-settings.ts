import { InvalidInputError } from "../../layers/domain/errors/domain-errors.ts";
import type { RetryPolicy } from "./batch-retry-state.ts";

/** The settings of a Kinesis event-source mapping the poller honours, with local units (ms). */
export interface EventSourceMappingSettingsInput {
  /** BatchSize. @default 100 (1 to 10,000) */
  readonly batchSize?: number;
  /**
   * MaximumBatchingWindowInSeconds, in ms. AWS allows up to 300 s; Flywheel's stream must turn within a
   * second, so at most 1,000 here. @default 500
   */
  readonly maximumBatchingWindowMs?: number;
  /** BisectBatchOnFunctionError. @default false */
  readonly bisectBatchOnFunctionError?: boolean;
  /** MaximumRetryAttempts: -1 (until the records age out or expire) or 0 to 10,000. @default 3 (AWS: -1) */
  readonly maximumRetryAttempts?: number;
  /** MaximumRecordAgeInSeconds, in ms: -1 (no limit) or 0 to 7 days (AWS: at least 60 s). @default -1 */
  readonly maximumRecordAgeMs?: number;
  /** FunctionResponseTypes includes ReportBatchItemFailures. @default false */
  readonly reportBatchItemFailures?: boolean;
  /** StartingPosition, for shards without a checkpoint (AT_TIMESTAMP is not supported). */
  readonly startingPosition: "TRIM_HORIZON" | "LATEST";
  /** Pause between reads of a shard that is caught up. @default 200 (AWS: about 1 s) */
  readonly pollIntervalMs?: number;
  /** The function's timeout: an invocation still running after it is a function error. @default 60,000 */
  readonly handlerTimeoutMs?: number;
  /** Backoff before retry n of a range: min(maxMs, baseMs · 2^(n−1)). @default { baseMs: 100, maxMs: 1000 } */
  readonly retryBackoff?: { readonly baseMs?: number; readonly maxMs?: number };
  /** How often the shard list is read, to find shards a reshard created. @default 1000 */
  readonly shardDiscoveryIntervalMs?: number;
  /** How long `stop()` lets an in-flight invocation finish before abandoning its batch. @default 2000 */
  readonly stopGraceMs?: number;
}

export interface EventSourceMappingSettings extends RetryPolicy {
  readonly batchSize: number;
  readonly maximumBatchingWindowMs: number;
  readonly startingPosition: "TRIM_HORIZON" | "LATEST";
  readonly pollIntervalMs: number;
  readonly handlerTimeoutMs: number;
  readonly retryBackoffBaseMs: number;
  readonly retryBackoffMaxMs: number;
  readonly shardDiscoveryIntervalMs: number;
  readonly stopGraceMs: number;
}

const SEVEN_DAYS_MS = 7 * 24 * 60 * 60 * 1000;

/** The settings with their defaults; a value out of its range is an InvalidInputError naming the field. */
export function resolveEventSourceMappingSettings(
  input: EventSourceMappingSettingsInput,
): EventSourceMappingSettings {
  const startingPosition = input.startingPosition;
  if (startingPosition !== "TRIM_HORIZON" && startingPosition !== "LATEST") {
    throw new InvalidInputError("startingPosition must be TRIM_HORIZON or LATEST", "startingPosition");
  }
  const maximumRetryAttempts = integerIn("maximumRetryAttempts", input.maximumRetryAttempts ?? 3, -1, 10_000);
  const maximumRecordAgeMs = integerIn(
    "maximumRecordAgeMs",
    input.maximumRecordAgeMs ?? -1,
    -1,
    SEVEN_DAYS_MS,
  );
  const retryBackoffBaseMs = integerIn("retryBackoff.baseMs", input.retryBackoff?.baseMs ?? 100, 0, 60_000);
  const retryBackoffMaxMs = integerIn("retryBackoff.maxMs", input.retryBackoff?.maxMs ?? 1000, 0, 300_000);
  if (retryBackoffMaxMs < retryBackoffBaseMs) {
    throw new InvalidInputError(
      "retryBackoff.maxMs must be at least retryBackoff.baseMs",
      "retryBackoff.maxMs",
    );
  }
  return {
    batchSize: integerIn("batchSize", input.batchSize ?? 100, 1, 10_000),
    maximumBatchingWindowMs: integerIn(
      "maximumBatchingWindowMs",
      input.maximumBatchingWindowMs ?? 500,
      0,
      1000,
    ),
    bisectBatchOnFunctionError: input.bisectBatchOnFunctionError ?? false,
    maximumRetryAttempts,
    maximumRecordAgeMs,
    reportBatchItemFailures: input.reportBatchItemFailures ?? false,
    startingPosition,
    pollIntervalMs: integerIn("pollIntervalMs", input.pollIntervalMs ?? 200, 1, 60_000),
    handlerTimeoutMs: integerIn("handlerTimeoutMs", input.handlerTimeoutMs ?? 60_000, 1, 900_000),
    retryBackoffBaseMs,
    retryBackoffMaxMs,
    shardDiscoveryIntervalMs: integerIn(
      "shardDiscoveryIntervalMs",
      input.shardDiscoveryIntervalMs ?? 1000,
      1,
      600_000,
    ),
    stopGraceMs: integerIn("stopGraceMs", input.stopGraceMs ?? 2000, 0, 60_000),
  };
}

/** The pause before retry `retryNumber` (1 for the first retry) of a range. */
export function retryBackoffMs(settings: EventSourceMappingSettings, retryNumber: number): number {
  if (retryNumber <= 0) return 0;
  return Math.min(settings.retryBackoffMaxMs, settings.retryBackoffBaseMs * 2 ** (retryNumber - 1));
}

function integerIn(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidInputError(`${field} must be an integer from ${min} to ${max}, got ${value}`, field);
  }
  return value;
}
