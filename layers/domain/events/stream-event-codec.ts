import type { StreamEvent } from "../../ports/event-bus.ts";
import { InvalidInputError } from "../errors/domain-errors.ts";
import { StreamEventSchema } from "./event-schema.ts";

/** A stream record that is not a valid event: it can never succeed, so it belongs in the dead-letter queue. */
export class PoisonRecordError extends InvalidInputError {
  override readonly name: string = "PoisonRecordError";
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/** The record payload of one event: UTF-8 JSON, as the Kinesis and Kafka event buses write it. */
export function encodeStreamEvent(event: StreamEvent): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(event));
}

/** Decodes and re-validates a record payload; anything else is a PoisonRecordError naming the problem. */
export function decodeStreamEvent(bytes: Uint8Array): StreamEvent {
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(bytes));
  } catch (error) {
    throw new PoisonRecordError(`record is not UTF-8 JSON: ${(error as Error).message}`);
  }
  const parsed = StreamEventSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = (issue?.path ?? []).map(String).join(".") || "record";
    throw new PoisonRecordError(
      `record is not a valid event: ${field}: ${issue?.message ?? "invalid"}`,
      field,
    );
  }
  const { value, recommendationId, context, ...required } = parsed.data;
  return {
    ...required,
    ...(value === undefined ? {} : { value }),
    ...(recommendationId === undefined ? {} : { recommendationId }),
    ...(context === undefined ? {} : { context }),
  };
}
