import { InvalidInputError } from "../errors/domain-errors.ts";
import { EVENT_LIMITS, ID_PATTERN } from "../events/event-limits.ts";
import {
  DIVERSITY_MODES,
  RECOMMENDATION_LIMITS,
  type RecommendationRequest,
} from "./recommendation-types.ts";

/**
 * Re-checks what the handler validated (defence in depth: ids become cache-key parts and log fields), so
 * the domain never runs on a request it was not designed for. Throws InvalidInputError naming the field.
 */
export function requireRecommendationRequest(request: RecommendationRequest): void {
  requireId(request.userId, "userId");
  requireLimit(request.limit, RECOMMENDATION_LIMITS.maxLimit);
  if (request.category !== undefined) requireCategory(request.category);
  if (!Array.isArray(request.exclude)) throw new InvalidInputError("exclude must be a list", "exclude");
  if (request.exclude.length > RECOMMENDATION_LIMITS.maxExcluded) {
    throw new InvalidInputError(
      `exclude names ${request.exclude.length} items, at most ${RECOMMENDATION_LIMITS.maxExcluded} are allowed`,
      "exclude",
    );
  }
  for (const itemId of request.exclude) requireId(itemId, "exclude");
  if (!(DIVERSITY_MODES as readonly string[]).includes(request.diversity)) {
    throw new InvalidInputError(`diversity must be one of ${DIVERSITY_MODES.join(", ")}`, "diversity");
  }
}

/** A user or item id by the events contract's rule (event-limits.ts). */
export function requireId(value: unknown, field: string): string {
  if (typeof value !== "string" || value.length === 0 || value.length > EVENT_LIMITS.maxIdLength) {
    throw new InvalidInputError(`${field} must be 1–${EVENT_LIMITS.maxIdLength} characters`, field);
  }
  if (!ID_PATTERN.test(value)) {
    throw new InvalidInputError(`${field} may hold only letters, digits and . _ : @ + = ~ -`, field);
  }
  return value;
}

export function requireLimit(value: unknown, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max) {
    throw new InvalidInputError(`limit must be an integer from 1 to ${max}`, "limit");
  }
  return value;
}

/** Categories are catalog labels ("Film-Noir", "Home & Garden"): any printable text up to the id length. */
export function requireCategory(value: unknown): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused.
  if (typeof value !== "string" || value.length === 0 || /[\u0000-\u001f\u007f]/.test(value)) {
    throw new InvalidInputError("category must be non-empty printable text", "category");
  }
  if (value.length > EVENT_LIMITS.maxIdLength) {
    throw new InvalidInputError(
      `category must be at most ${EVENT_LIMITS.maxIdLength} characters`,
      "category",
    );
  }
  return value;
}
