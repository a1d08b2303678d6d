/**
 * Typed domain errors. Handlers and the CLI map these to responses in exactly one place;
 * the domain never knows about HTTP status codes or exit codes.
 */
export class DomainError extends Error {
  override readonly name: string = "DomainError";
}

/** Input from outside did not validate. `field` names what was wrong when one field is to blame. */
export class InvalidInputError extends DomainError {
  override readonly name: string = "InvalidInputError";
  readonly field: string | undefined;
  constructor(message: string, field?: string) {
    super(message);
    this.field = field;
  }
}

/** A row of an input file could not be parsed; carries the 1-based line number and the reason. */
export class MalformedRowError extends InvalidInputError {
  override readonly name: string = "MalformedRowError";
  readonly line: number;
  readonly reason: string;
  constructor(line: number, reason: string) {
    super(`line ${line}: ${reason}`);
    this.line = line;
    this.reason = reason;
  }
}

/** Something asked for does not exist (an unknown user in a model, a missing artifact). */
export class NotFoundError extends DomainError {
  override readonly name: string = "NotFoundError";
}

/** Stored data failed an integrity check (checksum, dimensions, version). */
export class CorruptDataError extends DomainError {
  override readonly name: string = "CorruptDataError";
}

/** A conditional write lost (a duplicate event, a stale revision). Callers treat it as "already done" or retry. */
export class ConflictError extends DomainError {
  override readonly name: string = "ConflictError";
}

/** A single item or request is over a store's size limit. */
export class PayloadTooLargeError extends InvalidInputError {
  override readonly name: string = "PayloadTooLargeError";
}

/**
 * A dependency (database, cache, stream, vector store, ranker) failed, timed out or throttled past its retries.
 * `retryable` says whether trying again later may succeed. Callers fall through to a lower tier.
 */
export class DependencyError extends DomainError {
  override readonly name: string = "DependencyError";
  readonly dependency: string;
  readonly retryable: boolean;
  constructor(dependency: string, message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(`${dependency}: ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.dependency = dependency;
    this.retryable = options.retryable ?? true;
  }
}

/** The dependency answered "slow down" and retries did not get through. */
export class ThrottledError extends DependencyError {
  override readonly name: string = "ThrottledError";
}

/**
 * The caller did not prove who it is: no credential reached the code, or one that identifies no caller.
 * API Gateway refuses most such requests itself (403); a handler raises this when it checks the identity
 * again, as defence in depth.
 */
export class UnauthenticatedError extends DomainError {
  override readonly name: string = "UnauthenticatedError";
}

/** The caller is known, but may not do this (an identity without the right, a key of another tenant). */
export class ForbiddenError extends DomainError {
  override readonly name: string = "ForbiddenError";
}
