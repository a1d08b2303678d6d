import type { Context } from "aws-lambda";
import * as z from "../../layers/domain/validation/zod.ts";
import { requestIdOf } from "./request-id.ts";

/** A caller that wants its own id in our logs sends it in this header. */
export const CORRELATION_ID_HEADER = "x-correlation-id";

/**
 * What a caller's correlation id may be: visible ASCII, no spaces, at most 128 characters. Anything else is
 * ignored (the request id is used instead), so a header can neither flood a log line nor forge its layout.
 */
const CallerCorrelationIdSchema = z.string().check(z.trim(), z.regex(/^[\x21-\x7e]{1,128}$/));

const EventWithHeadersSchema = z.object({
  headers: z.optional(z.nullable(z.record(z.string(), z.optional(z.nullable(z.string()))))),
});

/**
 * The correlation id of an API request: the caller's `x-correlation-id` when it sent a usable one, else the
 * id it can quote anyway, API Gateway's request id (requestIdOf). The event is not trusted to have any
 * shape: this runs before validation.
 */
export function httpCorrelationIdOf(
  event: unknown,
  context: Pick<Context, "awsRequestId"> | undefined,
): string {
  const parsed = EventWithHeadersSchema.safeParse(event);
  const headers = parsed.success ? (parsed.data.headers ?? {}) : {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() !== CORRELATION_ID_HEADER || value == null) continue;
    const sent = CallerCorrelationIdSchema.safeParse(value);
    if (sent.success) return sent.data;
  }
  return requestIdOf(event, context);
}

/**
 * The correlation id of a delivered stream batch: where it starts and ends in its shard or partition
 * (`shardId-000000000000:4954…..4954…`), which is also what the mapping, the dead-letter queue and the
 * archive's batch id name. Undefined for an empty batch.
 */
export function streamBatchCorrelationId(
  positions: readonly { readonly shardId: string; readonly position: string }[],
): string | undefined {
  const first = positions[0];
  const last = positions[positions.length - 1];
  if (first === undefined || last === undefined) return undefined;
  return first === last || first.position === last.position
    ? `${first.shardId}:${first.position}`
    : `${first.shardId}:${first.position}..${last.position}`;
}
