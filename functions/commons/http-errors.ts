import {
  ConflictError,
  DependencyError,
  ForbiddenError,
  InvalidInputError,
  MalformedRowError,
  NotFoundError,
  PayloadTooLargeError,
  ThrottledError,
  UnauthenticatedError,
} from "../../layers/domain/errors/domain-errors.ts";

/**
 * A stable, machine-readable name for each kind of failure, next to the human message. Listed as values
 * so the OpenAPI document (functions/api/openapi/schemas.ts) states exactly these.
 */
export const HTTP_ERROR_CODES = [
  "invalid_input",
  "unauthenticated",
  "forbidden",
  "payload_too_large",
  "not_found",
  "conflict",
  "throttled",
  "dependency_unavailable",
  "internal_error",
] as const;

export type HttpErrorCode = (typeof HTTP_ERROR_CODES)[number];

export interface HttpErrorBody {
  readonly error: HttpErrorCode;
  readonly message: string;
  /** The request id a caller can quote (also in the `x-amzn-RequestId` header). */
  readonly requestId: string;
  /** The input field to blame, when the domain named one. */
  readonly field?: string;
  /** The 1-based line of an uploaded file that failed to parse. */
  readonly line?: number;
}

export interface HttpError {
  readonly statusCode: number;
  readonly body: HttpErrorBody;
  readonly headers: Readonly<Record<string, string>>;
  /**
   * True when the client caused it: the body carries the domain's message and the log needs no detail.
   * False for 429 and 5xx: the body is generic and the error's detail goes only to the log.
   */
  readonly clientError: boolean;
}

/** How long a client should wait before retrying a throttled or unavailable call, in seconds. */
const RETRY_AFTER_SECONDS = "1";

/**
 * The one place where domain errors become HTTP (STYLE.md habit 2). 4xx bodies say what was wrong; 429
 * and 5xx bodies are generic, because the domain's message names internal dependencies, and carry the
 * request id so the detail can be found in the log. 401 and 403 bodies are generic too: telling a
 * caller why its credential failed helps only someone probing for one; the log keeps the domain's
 * message. Subclasses are tested before their parents: PayloadTooLargeError is an InvalidInputError,
 * ThrottledError a DependencyError.
 */
export function httpErrorOf(error: unknown, requestId: string): HttpError {
  if (error instanceof PayloadTooLargeError)
    return clientError(413, { error: "payload_too_large", message: error.message, requestId });
  if (error instanceof MalformedRowError)
    return clientError(400, { error: "invalid_input", message: error.message, requestId, line: error.line });
  if (error instanceof InvalidInputError)
    return clientError(400, {
      error: "invalid_input",
      message: error.message,
      requestId,
      ...(error.field === undefined ? {} : { field: error.field }),
    });
  if (error instanceof UnauthenticatedError)
    // No WWW-Authenticate challenge: API keys and SigV4 have no registered HTTP authentication scheme.
    return clientError(401, { error: "unauthenticated", message: "Authentication required.", requestId });
  if (error instanceof ForbiddenError)
    return clientError(403, { error: "forbidden", message: "Access denied.", requestId });
  if (error instanceof NotFoundError)
    return clientError(404, { error: "not_found", message: error.message, requestId });
  if (error instanceof ConflictError)
    return clientError(409, { error: "conflict", message: error.message, requestId });
  if (error instanceof ThrottledError)
    return serverSideError(
      429,
      { error: "throttled", message: "Too many requests; retry later.", requestId },
      { "retry-after": RETRY_AFTER_SECONDS },
    );
  if (error instanceof DependencyError)
    return serverSideError(
      503,
      { error: "dependency_unavailable", message: "The service is temporarily unavailable.", requestId },
      error.retryable ? { "retry-after": RETRY_AFTER_SECONDS } : {},
    );
  return serverSideError(500, { error: "internal_error", message: "Internal error.", requestId }, {});
}

function clientError(statusCode: number, body: HttpErrorBody): HttpError {
  return { statusCode, body, headers: {}, clientError: true };
}

function serverSideError(
  statusCode: number,
  body: HttpErrorBody,
  headers: Readonly<Record<string, string>>,
): HttpError {
  return { statusCode, body, headers, clientError: false };
}
