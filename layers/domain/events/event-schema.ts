import { EVENT_TYPES } from "../interactions/event-types.ts";
import { nonEmptyStringOfAtMost } from "../validation/bounded-string.ts";
import * as z from "../validation/zod.ts";
import { EVENT_LIMITS, ID_PATTERN } from "./event-limits.ts";

export const IdSchema = nonEmptyStringOfAtMost(
  EVENT_LIMITS.maxIdLength,
  z.regex(ID_PATTERN, "may hold only letters, digits and . _ : @ + = ~ -"),
);

const ContextSchema = z
  .record(z.string().check(z.maxLength(EVENT_LIMITS.maxIdLength)), z.unknown())
  .check(z.refine(fitsContextLimit, `must be at most ${EVENT_LIMITS.maxContextBytes} bytes as JSON`));

/** Epoch milliseconds, as the stream carries them. */
const EpochMillisecondsSchema = z.number().check(z.int(), z.nonnegative());

function fitsContextLimit(context: Record<string, unknown>): boolean {
  try {
    return Buffer.byteLength(JSON.stringify(context), "utf8") <= EVENT_LIMITS.maxContextBytes;
  } catch {
    // Nested thousands deep, JSON.stringify overflows the stack: such a context is refused, not a 500.
    return false;
  }
}

/**
 * One event as a client sends it. Unknown fields are refused (a typo such as `itemID` must not be dropped
 * silently). `timestamp` is epoch milliseconds or an ISO-8601 string; its range is checked against the
 * server clock by `acceptClientEvent`, which also assigns missing event ids.
 */
export const ClientEventSchema = z.strictObject({
  eventId: z.optional(IdSchema),
  userId: IdSchema,
  itemId: IdSchema,
  type: z.enum(EVENT_TYPES),
  value: z.optional(
    z.number().check(
      z.refine(Number.isFinite, "must be a finite number"),
      z.refine(
        (value) => Math.abs(value) <= EVENT_LIMITS.maxAbsValue,
        `must be within ±${EVENT_LIMITS.maxAbsValue}`,
      ),
    ),
  ),
  timestamp: z.optional(z.union([EpochMillisecondsSchema, z.iso.datetime({ offset: true })])),
  recommendationId: z.optional(IdSchema),
  context: z.optional(ContextSchema),
});

export type ClientEvent = z.output<typeof ClientEventSchema>;

/**
 * The body of POST /v1/events as a whole. Each event is checked on its own (`acceptClientEvents`), so one
 * bad event is rejected by index while the others are accepted; only a body that is not `{ events: [...] }`
 * with 1–500 entries is a 400.
 */
export const EventsRequestSchema = z.strictObject({
  events: z
    .array(z.unknown())
    .check(
      z.minLength(1, "must hold at least one event"),
      z.maxLength(
        EVENT_LIMITS.maxEventsPerRequest,
        `must hold at most ${EVENT_LIMITS.maxEventsPerRequest} events`,
      ),
    ),
});

/**
 * A StreamEvent as it travels on the stream (JSON in a Kinesis record or Kafka message). Stricter in shape
 * than the client event: every field has been normalised by the API.
 */
export const StreamEventSchema = z.strictObject({
  eventId: IdSchema,
  userId: IdSchema,
  itemId: IdSchema,
  type: z.enum(EVENT_TYPES),
  value: z.optional(z.number().check(z.refine(Number.isFinite, "must be a finite number"))),
  timestamp: EpochMillisecondsSchema,
  recommendationId: z.optional(IdSchema),
  context: z.optional(z.record(z.string(), z.unknown())),
  receivedAt: EpochMillisecondsSchema,
});
