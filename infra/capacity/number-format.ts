/**
 * Number formatting for the capacity report, locale-independent on purpose: the docs' scenario table is
 * compared with the command's output byte for byte, so it must not depend on the machine's ICU data.
 */

/** 1234567 → "1,234,567" (rounded to an integer). */
export function groupDigits(value: number): string {
  const rounded = Math.round(value);
  const sign = rounded < 0 ? "-" : "";
  const digits = Math.abs(rounded).toString();
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * A quantity with about three significant digits: 0.0123 → "0.0123", 12.34 → "12.3", 1234.5 → "1,235",
 * 12345678 → "12.3M". Small and large values stay short in a table column.
 */
export function formatQuantity(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude === 0) return "0";
  if (magnitude >= 1e12) return `${trimZeros((value / 1e12).toFixed(magnitude >= 1e14 ? 0 : 2))}T`;
  if (magnitude >= 1e9) return `${trimZeros((value / 1e9).toFixed(magnitude >= 1e11 ? 0 : 2))}B`;
  if (magnitude >= 1e7) return `${trimZeros((value / 1e6).toFixed(magnitude >= 1e8 ? 0 : 1))}M`;
  if (magnitude >= 100) return groupDigits(value);
  if (magnitude >= 10) return trimZeros(value.toFixed(1));
  if (magnitude >= 1) return trimZeros(value.toFixed(2));
  return trimZeros(value.toPrecision(3));
}

/** A count as people say it: 10000 → "10K", 2500000 → "2.5M", 100000000 → "100M". */
export function shortCount(value: number): string {
  const units: Array<[number, string]> = [
    [1e9, "B"],
    [1e6, "M"],
    [1e3, "K"],
  ];
  for (const [size, suffix] of units) {
    if (Math.abs(value) >= size) return `${trimZeros((value / size).toPrecision(3))}${suffix}`;
  }
  return groupDigits(value);
}

/** Dollars: "$1,234" at or above $100, else with cents ("$12.34", "$0.05"). */
export function formatUsd(value: number): string {
  if (Math.abs(value) >= 100) return `$${groupDigits(value)}`;
  return `$${value.toFixed(2)}`;
}

function trimZeros(text: string): string {
  return text.includes(".") ? text.replace(/\.?0+$/, "") : text;
}
