import { randomBytes } from "node:crypto";

/**
 * A new model version id: sortable by creation time, unique across concurrent runs, and safe as a path
 * segment and an OpenSearch index suffix (lowercase letters, digits and dashes).
 */
export function newModelVersion(now: Date = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "z")
    .toLowerCase();
  return `${stamp}-${randomBytes(4).toString("hex")}`;
}
