import { S3ServiceException } from "@aws-sdk/client-s3";
import {
  DependencyError,
  DomainError,
  NotFoundError,
  ThrottledError,
} from "../../../domain/errors/domain-errors.ts";

export const S3_DEPENDENCY = "s3";

const THROTTLING_CODES = new Set(["SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded"]);
/** Configuration problems: trying again will not help until someone fixes the bucket or the role. */
const PERMANENT_CODES = new Set([
  "NoSuchBucket",
  "AccessDenied",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
]);

/** True when S3 answered that the object does not exist (GetObject/HeadObject). */
export function isMissingObject(error: unknown): boolean {
  return (
    error instanceof S3ServiceException &&
    (error.name === "NoSuchKey" || error.name === "NotFound" || error.$metadata.httpStatusCode === 404) &&
    error.name !== "NoSuchBucket"
  );
}

/**
 * The one place where S3 SDK failures become domain errors: a missing object is NotFoundError, throttling
 * ThrottledError, anything else (network, timeouts, 5xx, a missing bucket or permission) DependencyError.
 */
export function toS3Error(error: unknown, operation: string): DomainError {
  if (error instanceof DomainError) return error;
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const detail = `${operation}: ${message}`;
  if (error instanceof S3ServiceException) {
    if (isMissingObject(error)) return new NotFoundError(`${S3_DEPENDENCY}: ${detail}`);
    if (THROTTLING_CODES.has(error.name) || error.$metadata.httpStatusCode === 429) {
      return new ThrottledError(S3_DEPENDENCY, detail, { cause: error });
    }
    const retryable = !PERMANENT_CODES.has(error.name) && error.$fault === "server";
    return new DependencyError(S3_DEPENDENCY, detail, { cause: error, retryable });
  }
  // Connection refused or reset, a request timeout, an aborted upload.
  return new DependencyError(S3_DEPENDENCY, detail, { cause: error, retryable: true });
}
