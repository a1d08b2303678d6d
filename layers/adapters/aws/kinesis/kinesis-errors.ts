import { KinesisServiceException } from "@aws-sdk/client-kinesis";
import { DependencyError, DomainError, ThrottledError } from "../../../domain/errors/domain-errors.ts";

export const KINESIS_DEPENDENCY = "kinesis";

const THROTTLING_CODES = new Set([
  "ProvisionedThroughputExceededException",
  "LimitExceededException",
  "ThrottlingException",
  "KMSThrottlingException",
]);

/** Failures no retry can fix: a missing stream, a denied role, a disabled or missing KMS key, a bad request. */
const PERMANENT_CODES = new Set([
  "ResourceNotFoundException",
  "AccessDeniedException",
  "InvalidArgumentException",
  "ValidationException",
  "KMSAccessDeniedException",
  "KMSDisabledException",
  "KMSInvalidStateException",
  "KMSNotFoundException",
  "KMSOptInRequired",
  "UnrecognizedClientException",
]);

/** Whether a record that PutRecords refused (its `ErrorCode`) may succeed when sent again. */
export function isRetryableRecordError(errorCode: string): boolean {
  return !PERMANENT_CODES.has(errorCode);
}

/**
 * The one place where Kinesis SDK failures become domain errors: throttling is ThrottledError, everything
 * else DependencyError, `retryable` unless the failure is permanent (see PERMANENT_CODES).
 */
export function toKinesisError(error: unknown, operation: string): DomainError {
  if (error instanceof DomainError) return error;
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const detail = `${operation}: ${message}`;
  if (error instanceof KinesisServiceException) {
    if (THROTTLING_CODES.has(error.name))
      return new ThrottledError(KINESIS_DEPENDENCY, detail, { cause: error });
    const retryable =
      !PERMANENT_CODES.has(error.name) && (error.$fault === "server" || error.$retryable !== undefined);
    return new DependencyError(KINESIS_DEPENDENCY, detail, { cause: error, retryable });
  }
  // No answer at all: refused or reset connections, timeouts.
  return new DependencyError(KINESIS_DEPENDENCY, detail, { cause: error, retryable: true });
}
