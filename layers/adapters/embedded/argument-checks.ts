import { InvalidInputError } from "../../domain/errors/domain-errors.ts";

/** Ids become keys in every backing store; an empty one is a bug upstream, so it is refused loudly. */
export function requireNonEmptyText(value: unknown, field: string): string {
  if (typeof value !== "string" || value.length === 0) {
    throw new InvalidInputError(`${field} must be a non-empty string`, field);
  }
  return value;
}

export function requireFiniteNumber(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new InvalidInputError(`${field} must be a finite number, got ${String(value)}`, field);
  }
  return value;
}
