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

/**
 * The checks every TrendingCounters adapter makes on a query, the same everywhere so the adapters refuse
 * alike: a finite `now`, a window > 0 within what the counters keep, an integer limit ≥ 0. Returns `now`.
 */
export function requireTrendingQuery(
  query: { readonly now: number; readonly windowMs: number; readonly limit: number },
  retentionMs: number,
): number {
  const now = requireFiniteNumber(query.now, "now");
  if (!(query.windowMs > 0) || !Number.isFinite(query.windowMs)) {
    throw new InvalidInputError(`windowMs must be a finite number > 0, got ${query.windowMs}`, "windowMs");
  }
  if (query.windowMs > retentionMs) {
    throw new InvalidInputError(
      `windowMs ${query.windowMs} is longer than the ${retentionMs} ms the counters keep`,
      "windowMs",
    );
  }
  if (!Number.isInteger(query.limit) || query.limit < 0) {
    throw new InvalidInputError(`limit must be an integer ≥ 0, got ${query.limit}`, "limit");
  }
  return now;
}
