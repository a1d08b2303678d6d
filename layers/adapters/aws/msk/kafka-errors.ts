import { protocolErrorsCodesById } from "@platformatic/kafka";
import { DependencyError, DomainError, ThrottledError } from "../../../domain/errors/domain-errors.ts";

export const KAFKA_DEPENDENCY = "kafka";

/** Failures no retry can fix: the principal may not write, or cannot authenticate, or the broker cannot serve. */
const PERMANENT_IDS = new Set([
  "TOPIC_AUTHORIZATION_FAILED",
  "CLUSTER_AUTHORIZATION_FAILED",
  "TRANSACTIONAL_ID_AUTHORIZATION_FAILED",
  "SASL_AUTHENTICATION_FAILED",
  "UNSUPPORTED_SASL_MECHANISM",
  "ILLEGAL_SASL_STATE",
  "INVALID_REQUIRED_ACKS",
  "UNSUPPORTED_FOR_MESSAGE_FORMAT",
  "UNSUPPORTED_VERSION",
]);

/** The broker refused these records themselves: sent again they would be refused again. */
const RECORD_REJECTION_IDS = new Set([
  "MESSAGE_TOO_LARGE",
  "RECORD_LIST_TOO_LARGE",
  "INVALID_RECORD",
  "INVALID_TIMESTAMP",
  "CORRUPT_MESSAGE",
]);

/**
 * The idempotent producer's state no longer matches the broker's (a broker that lost its producer state, a
 * sequence gap, a fenced epoch): this producer cannot send again; a new one (a new producer id) can.
 */
const PRODUCER_STATE_IDS = new Set([
  "OUT_OF_ORDER_SEQUENCE_NUMBER",
  "UNKNOWN_PRODUCER_ID",
  "INVALID_PRODUCER_EPOCH",
  "INVALID_PRODUCER_ID_MAPPING",
  "PRODUCER_FENCED",
]);

const THROTTLING_IDS = new Set(["THROTTLING_QUOTA_EXCEEDED"]);

export function isRecordRejection(errorId: string): boolean {
  return RECORD_REJECTION_IDS.has(errorId);
}

/** What one partition of a Produce response said, when it was not success. */
export interface PartitionRefusal {
  readonly errorId: string;
  readonly message: string;
  /** Records of the partition's batch the broker named (KIP-467), by their index in that batch. */
  readonly recordErrors: ReadonlyMap<number, string>;
}

/** What a failed send still tells about each partition it reached. */
export interface SendFailureReport {
  /** `topic:partition` keys whose records were appended. */
  readonly acknowledged: ReadonlySet<string>;
  /** `topic:partition` keys the broker answered with an error. */
  readonly refused: ReadonlyMap<string, PartitionRefusal>;
}

interface ProducePartitionResponse {
  readonly index: number;
  readonly errorCode: number;
  readonly errorMessage?: string | null;
  readonly recordErrors?: ReadonlyArray<{ batchIndex: number; batchIndexErrorMessage: string | null }>;
}

/**
 * Reads the Produce responses inside a failed send: the client fails the whole send when any partition of a
 * broker's response carries an error, and attaches what other brokers acknowledged (`produced`). Both are
 * needed to know which records went in and which did not.
 */
export function readSendFailure(error: unknown): SendFailureReport {
  const acknowledged = new Set<string>();
  const refused = new Map<string, PartitionRefusal>();
  const produced = (error as { produced?: { offsets?: ReadonlyArray<{ topic: string; partition: number }> } })
    ?.produced;
  for (const offset of produced?.offsets ?? []) acknowledged.add(`${offset.topic}:${offset.partition}`);
  for (const response of produceResponsesIn(error)) {
    for (const topic of response.responses) {
      for (const partition of topic.partitionResponses) {
        const key = `${topic.name}:${partition.index}`;
        if (partition.errorCode === 0) {
          acknowledged.add(key);
          continue;
        }
        const errorId = protocolErrorsCodesById[partition.errorCode] ?? `ERROR_${partition.errorCode}`;
        const recordErrors = new Map<number, string>();
        for (const recordError of partition.recordErrors ?? []) {
          recordErrors.set(recordError.batchIndex, recordError.batchIndexErrorMessage ?? errorId);
        }
        refused.set(key, {
          errorId,
          message: partition.errorMessage ?? describeId(errorId),
          recordErrors,
        });
      }
    }
  }
  return { acknowledged, refused };
}

/** Every protocol error id in a client error's chain (AggregateError members and causes included). */
export function kafkaErrorIds(error: unknown): string[] {
  const ids: string[] = [];
  for (const each of errorChain(error)) {
    const apiId = (each as { apiId?: unknown }).apiId;
    if (typeof apiId === "string") ids.push(apiId);
  }
  return ids;
}

/** True when the error says this producer's idempotence state is broken and a new producer is needed. */
export function needsNewProducer(error: unknown): boolean {
  return kafkaErrorIds(error).some((id) => PRODUCER_STATE_IDS.has(id));
}

/**
 * The one place where Kafka client failures become domain errors: quota throttling is ThrottledError,
 * everything else DependencyError, `retryable` unless an id in the chain is permanent (authorization,
 * authentication, an unsupported protocol) or the client refused the call itself (PLT_KFK_USER: a bug here).
 */
export function toKafkaError(error: unknown, operation: string): DomainError {
  if (error instanceof DomainError) return error;
  const detail = `${operation}: ${describeError(error)}`;
  const ids = kafkaErrorIds(error);
  if (ids.some((id) => THROTTLING_IDS.has(id))) {
    return new ThrottledError(KAFKA_DEPENDENCY, detail, { cause: error });
  }
  const codes = errorChain(error).map((each) => (each as { code?: unknown }).code);
  const permanent =
    ids.some((id) => PERMANENT_IDS.has(id)) ||
    codes.includes("PLT_KFK_AUTHENTICATION") ||
    codes.includes("PLT_KFK_USER");
  return new DependencyError(KAFKA_DEPENDENCY, detail, { cause: error, retryable: !permanent });
}

/** A one-line account of a client error: its message and the protocol errors or causes under it. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const details = new Set<string>();
  for (const each of errorChain(error).slice(1)) {
    const apiId = (each as { apiId?: unknown }).apiId;
    if (typeof apiId === "string") details.add(apiId);
    else if (each instanceof Error && !(each instanceof AggregateError)) details.add(each.message);
  }
  const suffix = details.size === 0 ? "" : ` (${[...details].slice(0, 5).join("; ")})`;
  return `${error.message}${suffix}`;
}

function describeId(errorId: string): string {
  return errorId.toLowerCase().replaceAll("_", " ");
}

function produceResponsesIn(
  error: unknown,
): Array<{ responses: ReadonlyArray<{ name: string; partitionResponses: ProducePartitionResponse[] }> }> {
  const found: Array<{
    responses: ReadonlyArray<{ name: string; partitionResponses: ProducePartitionResponse[] }>;
  }> = [];
  for (const each of errorChain(error)) {
    const response = (each as { response?: unknown }).response;
    if (isProduceResponse(response)) found.push(response);
  }
  return found;
}

function isProduceResponse(
  value: unknown,
): value is { responses: ReadonlyArray<{ name: string; partitionResponses: ProducePartitionResponse[] }> } {
  if (typeof value !== "object" || value === null || !("responses" in value)) return false;
  const responses = value.responses;
  return (
    Array.isArray(responses) &&
    responses.every(
      (topic: unknown) =>
        typeof topic === "object" &&
        topic !== null &&
        "name" in topic &&
        "partitionResponses" in topic &&
        Array.isArray(topic.partitionResponses),
    )
  );
}

/** The error, the members of every AggregateError under it, and every cause, depth first, each once. */
function errorChain(error: unknown): unknown[] {
  const seen = new Set<unknown>();
  const chain: unknown[] = [];
  const visit = (each: unknown, depth: number) => {
    if (each === undefined || each === null || seen.has(each) || depth > 8) return;
    seen.add(each);
    chain.push(each);
    if (each instanceof AggregateError) for (const member of each.errors) visit(member, depth + 1);
    if (each instanceof Error) visit(each.cause, depth + 1);
  };
  visit(error, 0);
  return chain;
}
