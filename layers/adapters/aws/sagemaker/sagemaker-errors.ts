import { SageMakerRuntimeServiceException } from "@aws-sdk/client-sagemaker-runtime";
import { DependencyError, DomainError, ThrottledError } from "../../../domain/errors/domain-errors.ts";

export const SAGEMAKER_DEPENDENCY = "sagemaker";

const THROTTLING_CODES = new Set(["ThrottlingException", "TooManyRequestsException"]);
/** An unknown endpoint, a denied role or a request the model rejects: trying again will not help. */
const PERMANENT_CODES = new Set(["ValidationError", "AccessDeniedException", "ModelError"]);

/**
 * The one place where SageMaker runtime failures become domain errors: throttling is ThrottledError, every
 * other failure (an unknown endpoint, a model error, an unreachable service, an abort) DependencyError,
 * so the cascade keeps the retrieval order.
 */
export function toSageMakerError(error: unknown, operation: string): DomainError {
  if (error instanceof DomainError) return error;
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const detail = `${operation}: ${message}`;
  if (error instanceof SageMakerRuntimeServiceException) {
    if (THROTTLING_CODES.has(error.name) || error.$metadata.httpStatusCode === 429) {
      return new ThrottledError(SAGEMAKER_DEPENDENCY, detail, { cause: error });
    }
    return new DependencyError(SAGEMAKER_DEPENDENCY, detail, {
      cause: error,
      retryable: !PERMANENT_CODES.has(error.name),
    });
  }
  return new DependencyError(SAGEMAKER_DEPENDENCY, detail, { cause: error, retryable: true });
}
