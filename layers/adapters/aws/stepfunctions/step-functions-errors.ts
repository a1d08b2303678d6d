import { SFNServiceException } from "@aws-sdk/client-sfn";
import {
  ConflictError,
  DependencyError,
  DomainError,
  NotFoundError,
  ThrottledError,
} from "../../../domain/errors/domain-errors.ts";

export const STEP_FUNCTIONS_DEPENDENCY = "stepfunctions";

const THROTTLING_CODES = new Set(["ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded"]);
/**
 * Answers no retry can fix: the configured state machine is missing or misnamed, the role may not call it,
 * or the adapter sent something the service refuses (a bug, since run ids are checked before).
 */
const PERMANENT_CODES = new Set([
  "StateMachineDoesNotExist",
  "StateMachineDeleting",
  "InvalidArn",
  "InvalidName",
  "InvalidExecutionInput",
  "InvalidToken",
  "ValidationException",
  "MissingRequiredParameter",
  "AccessDeniedException",
  "UnrecognizedClientException",
  "KmsAccessDeniedException",
]);

/** True when Step Functions answered that the execution does not exist. */
export function isMissingExecution(error: unknown): boolean {
  return error instanceof SFNServiceException && error.name === "ExecutionDoesNotExist";
}

/** True when Step Functions refused a start because an execution of that name exists. */
export function isExistingExecution(error: unknown): boolean {
  return error instanceof SFNServiceException && error.name === "ExecutionAlreadyExists";
}

/**
 * The one place where Step Functions failures become domain errors: a run id already used is
 * ConflictError, an unknown execution NotFoundError, throttling ThrottledError, anything else (5xx, no
 * answer, a misconfigured state machine) DependencyError, retryable unless the failure is permanent.
 */
export function toStepFunctionsError(error: unknown, operation: string): DomainError {
  if (error instanceof DomainError) return error;
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const detail = `${operation}: ${message}`;
  if (error instanceof SFNServiceException) {
    if (isExistingExecution(error)) return new ConflictError(detail);
    if (isMissingExecution(error)) return new NotFoundError(`${STEP_FUNCTIONS_DEPENDENCY}: ${detail}`);
    if (THROTTLING_CODES.has(error.name) || error.$metadata.httpStatusCode === 429)
      return new ThrottledError(STEP_FUNCTIONS_DEPENDENCY, detail, { cause: error });
    return new DependencyError(STEP_FUNCTIONS_DEPENDENCY, detail, {
      cause: error,
      retryable: !PERMANENT_CODES.has(error.name),
    });
  }
  // No answer at all: refused or reset connections, timeouts.
  return new DependencyError(STEP_FUNCTIONS_DEPENDENCY, detail, { cause: error, retryable: true });
}
