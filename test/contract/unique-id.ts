import { randomUUID } from "node:crypto";

/**
 * An id no other test uses, so a suite can run against a long-lived shared store (a DynamoDB table, a Redis)
 * without assuming it is empty. Lower-case hex, so it is also a valid OpenSearch index name.
 */
export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID().replaceAll("-", "").slice(0, 16)}`;
}
