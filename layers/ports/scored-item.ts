/** An item with a score, as recommendation lists carry them. */
export interface ScoredItem {
  readonly itemId: string;
  readonly score: number;
}
