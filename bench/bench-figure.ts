/** One benchmark figure, printed as one JSON line: {"bench","metric","value","unit",…context}. */
export interface BenchFigure {
  readonly bench: string;
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
  readonly [context: string]: unknown;
}

export function printFigure(figure: BenchFigure): void {
  console.log(JSON.stringify(figure));
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function round(value: number, digits = 3): number {
  return Number(value.toFixed(digits));
}
