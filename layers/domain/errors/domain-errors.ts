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
