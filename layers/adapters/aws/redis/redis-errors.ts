import { DependencyError, DomainError, ThrottledError } from "../../../domain/errors/domain-errors.ts";

export const REDIS_DEPENDENCY = "redis";

/** Server replies that mean "busy right now", worth trying again later. */
const TRANSIENT_REPLY_CODES = new Set([
  "LOADING",
  "BUSY",
  "TRYAGAIN",
  "CLUSTERDOWN",
  "MASTERDOWN",
  "READONLY",
]);

/**
 * The one place where ioredis failures become domain errors. Whatever the cause (a timeout, a dropped or
 * refused connection, an error reply), the cache and the counters fail with DependencyError, so the
 * cascade falls through to the next source. Domain errors pass unchanged.
 */
export function toRedisError(error: unknown, operation: string): DomainError {
  if (error instanceof DomainError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const name = error instanceof Error ? error.name : "";
  if (name === "ReplyError") {
    const code = message.split(" ", 1)[0] ?? "";
    if (code === "OOM") {
      // Memory is full: the cache is saturated, which is throttling from the caller's point of view.
      return new ThrottledError(REDIS_DEPENDENCY, `${operation}: ${message}`, { cause: error });
    }
    return new DependencyError(REDIS_DEPENDENCY, `${operation}: ${message}`, {
      cause: error,
      retryable: TRANSIENT_REPLY_CODES.has(code),
    });
  }
  // Timeouts, closed or unwritable streams, MaxRetriesPerRequestError, ClusterAllFailedError.
  return new DependencyError(REDIS_DEPENDENCY, `${operation}: ${message}`, { cause: error, retryable: true });
}

/** Throws the first error of an ioredis pipeline or transaction result; returns the replies otherwise. */
export function repliesOf(results: Array<[Error | null, unknown]> | null, operation: string): unknown[] {
  if (results === null) {
    throw new DependencyError(REDIS_DEPENDENCY, `${operation}: the transaction was aborted`);
  }
  return results.map(([error, reply]) => {
    if (error !== null) throw toRedisError(error, operation);
    return reply;
  });
}
