import { z } from "zod";
import type { DiscardCondition, FailureKind } from "./batch-retry-state.ts";
import type { ShardRecord } from "./kinesis-lambda-record.ts";

/**
 * The invocation record Lambda sends to a Kinesis event-source mapping's on-failure destination (SQS, SNS)
 * when it discards records: metadata only, the records stay in the stream (kinesis-on-failure-destination).
 */
export const kinesisFailureMessageSchema = z.object({
  requestContext: z.object({
    requestId: z.string(),
    functionArn: z.string(),
    condition: z.enum(["RetryAttemptsExhausted", "RecordAgeExceeded"]),
    approximateInvokeCount: z.number().int().nonnegative(),
  }),
  responseContext: z
    .object({
      statusCode: z.number().int(),
      executedVersion: z.string(),
      functionError: z.string().optional(),
    })
    .optional(),
  version: z.literal("1.0"),
  timestamp: z.string(),
  KinesisBatchInfo: z.object({
    shardId: z.string(),
    startSequenceNumber: z.string(),
    endSequenceNumber: z.string(),
    approximateArrivalOfFirstRecord: z.string(),
    approximateArrivalOfLastRecord: z.string(),
    batchSize: z.number().int().positive(),
    streamArn: z.string(),
  }),
});

export type KinesisFailureMessage = z.infer<typeof kinesisFailureMessageSchema>;

export interface FailureMessageInput {
  /** The discarded records, in shard order (at least one). */
  readonly records: readonly ShardRecord[];
  readonly streamArn: string;
  readonly functionArn: string;
  readonly condition: DiscardCondition;
  readonly invokeCount: number;
  readonly lastFailure: FailureKind | undefined;
  /** The request id of the last invocation that included the records (a fresh one if there was none). */
  readonly requestId: string;
  readonly nowMs: number;
}

/**
 * The on-failure message for discarded records, in AWS's format. `responseContext` describes the last
 * invocation: `functionError` "Unhandled" when it threw or timed out, absent when it returned a failure
 * report. Records that aged out before any invocation have no response, so no `responseContext`.
 */
export function buildKinesisFailureMessage(input: FailureMessageInput): KinesisFailureMessage {
  const first = input.records[0];
  const last = input.records.at(-1);
  if (first === undefined || last === undefined)
    throw new Error("a failure message needs at least one record");
  return {
    requestContext: {
      requestId: input.requestId,
      functionArn: input.functionArn,
      condition: input.condition,
      approximateInvokeCount: input.invokeCount,
    },
    ...(input.invokeCount === 0
      ? {}
      : {
          responseContext: {
            statusCode: 200,
            executedVersion: "$LATEST",
            ...(input.lastFailure === "function-error" ? { functionError: "Unhandled" } : {}),
          },
        }),
    version: "1.0",
    timestamp: new Date(input.nowMs).toISOString(),
    KinesisBatchInfo: {
      shardId: first.shardId,
      startSequenceNumber: first.sequenceNumber,
      endSequenceNumber: last.sequenceNumber,
      approximateArrivalOfFirstRecord: new Date(first.approximateArrivalMs).toISOString(),
      approximateArrivalOfLastRecord: new Date(last.approximateArrivalMs).toISOString(),
      batchSize: input.records.length,
      streamArn: input.streamArn,
    },
  };
}

/** Reads a destination message body; throws InvalidFailureMessageError when it is not one. */
export function parseKinesisFailureMessage(body: string): KinesisFailureMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new InvalidFailureMessageError(`not JSON: ${(error as Error).message}`);
  }
  const parsed = kinesisFailureMessageSchema.safeParse(json);
  if (!parsed.success) {
    throw new InvalidFailureMessageError(parsed.error.issues.map((issue) => issue.path.join(".")).join(", "));
  }
  return parsed.data;
}

export class InvalidFailureMessageError extends Error {
  override readonly name = "InvalidFailureMessageError";
  constructor(detail: string) {
    super(`not a Kinesis on-failure message: ${detail}`);
  }
}
