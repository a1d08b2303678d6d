/**
 * The limits of the events contract (DESIGN.md §3), in one place: the API validates against them, the
 * stream decoder re-checks them, and the OpenAPI document states them.
 */
export const EVENT_LIMITS = {
  /** Events in one POST /v1/events body. */
  maxEventsPerRequest: 500,
  /** Bytes of one POST /v1/events body (API Gateway itself stops at 10 MB). */
  maxRequestBytes: 1024 * 1024,
  /** Characters of a user, item, event or recommendation id. */
  maxIdLength: 200,
  /** Bytes of one event's `context` object as JSON. */
  maxContextBytes: 4096,
  /** How far ahead of the server's clock a timestamp may be (client clocks drift). */
  maxFutureSkewMs: 5 * 60 * 1000,
  /** How far back a timestamp may be: older events are refused, not silently mis-trained. */
  maxAgeMs: 30 * 24 * 3600 * 1000,
  /** |value| above this is refused (a rating, a quantity, a price: never astronomically large). */
  maxAbsValue: 1e6,
} as const;

/**
 * An id: 1–200 characters of letters and digits of any script and `. _ : @ + = ~ -`. No slashes, spaces
 * or control characters, so an id is safe in a URL path segment, a Redis key part and a log line alike.
 */
export const ID_PATTERN = /^[\p{L}\p{N}._:@+=~-]+$/u;
