import { errors } from "@opensearch-project/opensearch";
import {
  ConflictError,
  DependencyError,
  DomainError,
  InvalidInputError,
  NotFoundError,
  ThrottledError,
} from "../../../domain/errors/domain-errors.ts";

export const OPENSEARCH_DEPENDENCY = "opensearch";

/** OpenSearch error types that mean "that name is taken" (by an index or by an alias). */
const NAME_TAKEN_TYPES = new Set([
  "resource_already_exists_exception",
  "invalid_alias_name_exception",
  "invalid_index_name_exception",
]);

/** The `error.type` of an OpenSearch error response (e.g. index_not_found_exception), if it is one. */
export function openSearchErrorType(error: unknown): string | undefined {
  if (!(error instanceof errors.ResponseError)) return undefined;
  const body: unknown = error.body;
  if (typeof body !== "object" || body === null || !("error" in body)) return undefined;
  const detail = body.error;
  if (typeof detail === "object" && detail !== null && "type" in detail && typeof detail.type === "string") {
    return detail.type;
  }
  return undefined;
}

export function openSearchStatus(error: unknown): number | undefined {
  return error instanceof errors.ResponseError ? error.statusCode : undefined;
}

/**
 * The one place where OpenSearch failures become domain errors:
 * - a missing index or alias → NotFoundError;
 * - a name already taken by an index or an alias → ConflictError;
 * - a query the index refuses for its vector's dimension → InvalidInputError (normally caught before the call);
 * - 429 → ThrottledError; timeouts, refused connections, 5xx and anything unexpected → DependencyError, so
 *   the cascade falls through to its next source.
 */
export function toOpenSearchError(error: unknown, operation: string): DomainError {
  if (error instanceof DomainError) return error;
  const status = openSearchStatus(error);
  const type = openSearchErrorType(error);
  const detail = `${operation}: ${describe(error)}`;
  if (error instanceof errors.ResponseError) {
    if (status === 404 && (type === "index_not_found_exception" || type === undefined)) {
      return new NotFoundError(`${OPENSEARCH_DEPENDENCY}: ${detail}`);
    }
    if (type !== undefined && NAME_TAKEN_TYPES.has(type) && /exists/i.test(error.message)) {
      return new ConflictError(`${OPENSEARCH_DEPENDENCY}: ${detail}`);
    }
    if (status === 400 && /invalid dimension/i.test(JSON.stringify(error.body))) {
      return new InvalidInputError(`${OPENSEARCH_DEPENDENCY}: ${detail}`, "vector");
    }
    if (status === 429) return new ThrottledError(OPENSEARCH_DEPENDENCY, detail, { cause: error });
    const retryable = status === undefined || status >= 500;
    return new DependencyError(OPENSEARCH_DEPENDENCY, detail, { cause: error, retryable });
  }
  // TimeoutError, ConnectionError, NoLivingConnectionsError, DeserializationError, a signing failure…
  return new DependencyError(OPENSEARCH_DEPENDENCY, detail, { cause: error, retryable: true });
}

function describe(error: unknown): string {
  if (error instanceof errors.ResponseError) {
    const type = openSearchErrorType(error);
    const reason = reasonOf(error.body);
    return `${error.statusCode}${type === undefined ? "" : ` ${type}`}${reason === undefined ? "" : `: ${reason}`}`;
  }
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function reasonOf(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null || !("error" in body)) return undefined;
  const detail = body.error;
  if (typeof detail === "string") return detail;
  if (
    typeof detail === "object" &&
    detail !== null &&
    "reason" in detail &&
    typeof detail.reason === "string"
  ) {
    return detail.reason;
  }
  return undefined;
}
