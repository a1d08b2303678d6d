import { InvalidInputError } from "../../domain/errors/domain-errors.ts";
import type { HistoryWeight } from "../../ports/batch-rec-store.ts";
import { requireFiniteNumber, requireNonEmptyText } from "./argument-checks.ts";

/**
 * A nightly entry's history as every batch store keeps it: item ids checked, weights rounded to float32 (the
 * precision training and fold-in use, and what DynamoDB stores), in the writer's order. A weight beyond
 * float32's range would come back infinite, so it is refused.
 */
export function float32History(history: readonly HistoryWeight[], field: string): HistoryWeight[] {
  if (!Array.isArray(history)) throw new InvalidInputError(`${field} must be a list`, field);
  return history.map(({ itemId, weight }, index) => {
    requireNonEmptyText(itemId, `${field}[${index}].itemId`);
    const rounded = Math.fround(requireFiniteNumber(weight, `${field}[${index}].weight`));
    if (!Number.isFinite(rounded)) {
      throw new InvalidInputError(
        `${field}[${index}].weight ${weight} is beyond float32's range`,
        `${field}[${index}].weight`,
      );
    }
    return { itemId, weight: rounded };
  });
}
