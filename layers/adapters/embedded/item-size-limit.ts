import { PayloadTooLargeError } from "../../domain/errors/domain-errors.ts";

/**
 * DynamoDB's item size limit. The embedded stores enforce the same limit so that data which works on one
 * machine does not start failing only once it is deployed.
 */
export const DYNAMODB_ITEM_LIMIT_BYTES = 400 * 1024;

/** The stored size of a record, estimated as its UTF-8 JSON plus the raw bytes of a binary attribute. */
export function estimateStoredBytes(record: object, binaryBytes = 0): number {
  return Buffer.byteLength(JSON.stringify(record), "utf8") + binaryBytes;
}

export function requireWithinItemLimit(what: string, id: string, bytes: number, limitBytes: number): void {
  if (bytes > limitBytes) {
    throw new PayloadTooLargeError(
      `${what} ${JSON.stringify(id)} is about ${bytes} bytes, over the ${limitBytes}-byte item limit`,
      what,
    );
  }
}
