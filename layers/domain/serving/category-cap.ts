import type { ScoredItem } from "../../ports/scored-item.ts";

/**
 * The first `count` candidates, in order, such that no category holds more than `maxPerCategory` of them.
 * An item of several categories counts towards each, and is skipped when any of them is full. `exempt`
 * (the category the request asked for, which every item has) is not capped. The cap holds even when it
 * leaves the list shorter than `count`: the client asked for a diverse list, not a long one.
 */
export function capPerCategory<T extends ScoredItem>(
  candidates: readonly T[],
  count: number,
  maxPerCategory: number,
  categoriesOf: (itemId: string) => readonly string[],
  exempt?: string,
): T[] {
  const taken = new Map<string, number>();
  const selected: T[] = [];
  for (const candidate of candidates) {
    if (selected.length >= count) break;
    const categories = [...new Set(categoriesOf(candidate.itemId))].filter((category) => category !== exempt);
    if (categories.some((category) => (taken.get(category) ?? 0) >= maxPerCategory)) continue;
    for (const category of categories) taken.set(category, (taken.get(category) ?? 0) + 1);
    selected.push(candidate);
  }
  return selected;
}
