import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  ConflictError,
  DependencyError,
  DomainError,
  PayloadTooLargeError,
  ThrottledError,
} from "../../../domain/errors/domain-errors.ts";

/** The name every DynamoDB failure carries as its DependencyError.dependency. */
export const DYNAMODB_DEPENDENCY = "dynamodb";

/**
 * A transaction DynamoDB cancelled because a condition failed or a concurrent transaction held an item.
 * It is a ConflictError to callers; the adapters read `reasonCodes` (one per transaction item, in order) to
 * tell which records were duplicates and which only need another try.
 */
export class TransactionCanceledError extends ConflictError {
  override readonly name: string = "TransactionCanceledError";
  readonly reasonCodes: readonly string[];
  constructor(message: string, reasonCodes: readonly string[], cause: unknown) {
    super(message, { cause });
    this.reasonCodes = reasonCodes;
  }

  /** Positions of the transaction items whose condition failed. */
  conditionFailedIndexes(): number[] {
    const indexes: number[] = [];
    this.reasonCodes.forEach((code, index) => {
      if (code === "ConditionalCheckFailed") indexes.push(index);
    });
    return indexes;
  }
}

const THROTTLING_ERRORS = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
]);
const THROTTLING_REASONS = new Set(["ProvisionedThroughputExceeded", "ThrottlingError"]);
const NETWORK_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * Maps whatever a DynamoDB call threw to the domain's typed errors. This is the one place that knows SDK
 * error names; the SDK's retries (aws-clients.ts) have already run when an error gets here.
 */
export function toDomainError(error: unknown, what: string): DomainError {
  if (error instanceof DomainError) return error;
  if (error instanceof ConditionalCheckFailedException) {
    return new ConflictError(`${what}: the conditional write lost`, { cause: error });
  }
  if (error instanceof TransactionCanceledException) return fromCancelledTransaction(error, what);
  const name = error instanceof Error ? error.name : "";
  const message = error instanceof Error ? error.message : String(error);
  if (THROTTLING_ERRORS.has(name)) {
    return new ThrottledError(DYNAMODB_DEPENDENCY, `${what}: throttled past retries (${name})`, {
      cause: error,
    });
  }
  if (name === "ValidationException" && isItemSizeMessage(message)) {
    return new PayloadTooLargeError(`${what}: ${message}`);
  }
  if (
    name === "ValidationException" ||
    name === "ResourceNotFoundException" ||
    name === "AccessDeniedException"
  ) {
    // Our request or our deployment is wrong (a missing table, a missing grant): retrying will not help.
    return new DependencyError(DYNAMODB_DEPENDENCY, `${what}: ${name}: ${message}`, {
      retryable: false,
      cause: error,
    });
  }
  if (name === "TimeoutError" || name === "AbortError") {
    return new DependencyError(DYNAMODB_DEPENDENCY, `${what}: timed out`, { cause: error });
  }
  const code = errorCode(error);
  if (code !== undefined && NETWORK_ERROR_CODES.has(code)) {
    return new DependencyError(DYNAMODB_DEPENDENCY, `${what}: unreachable (${code})`, { cause: error });
  }
  const status = httpStatusOf(error);
  const reason = status !== undefined && status >= 500 ? `server error ${status}` : name || "failed";
  return new DependencyError(DYNAMODB_DEPENDENCY, `${what}: ${reason}`, { cause: error });
}

/** Runs one DynamoDB call and maps its failure; adapters never let an SDK error escape. */
export async function callDynamoDb<Result>(what: string, call: () => Promise<Result>): Promise<Result> {
  try {
    return await call();
  } catch (error) {
    throw toDomainError(error, what);
  }
}

function fromCancelledTransaction(error: TransactionCanceledException, what: string): DomainError {
  const reasonCodes = (error.CancellationReasons ?? []).map((reason) => reason.Code ?? "None");
  if (reasonCodes.some((code) => code === "ConditionalCheckFailed" || code === "TransactionConflict")) {
    return new TransactionCanceledError(
      `${what}: the transaction was cancelled (${reasonCodes.join(", ")})`,
      reasonCodes,
      error,
    );
  }
  if (reasonCodes.some((code) => THROTTLING_REASONS.has(code))) {
    return new ThrottledError(DYNAMODB_DEPENDENCY, `${what}: transaction throttled`, { cause: error });
  }
  const messages = (error.CancellationReasons ?? []).map((reason) => reason.Message ?? "");
  if (messages.some(isItemSizeMessage)) {
    return new PayloadTooLargeError(`${what}: an item of the transaction is over DynamoDB's item size limit`);
  }
  return new DependencyError(
    DYNAMODB_DEPENDENCY,
    `${what}: transaction cancelled (${reasonCodes.join(", ")})`,
    {
      retryable: false,
      cause: error,
    },
  );
}

function isItemSizeMessage(message: string): boolean {
  return /item size/i.test(message) && /(exceeded|maximum|too large)/i.test(message);
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  return typeof error.code === "string" ? error.code : undefined;
}

function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null || !("$metadata" in error)) return undefined;
  const metadata = error.$metadata;
  if (typeof metadata !== "object" || metadata === null || !("httpStatusCode" in metadata)) return undefined;
  return typeof metadata.httpStatusCode === "number" ? metadata.httpStatusCode : undefined;
}
