import { IdSchema } from "../events/event-schema.ts";
import * as z from "../validation/zod.ts";

/**
 * An id that names a resource in a URL path (`/v1/items/{itemId}`, `/v1/users/{userId}`): an event id
 * (IdSchema) that is not only dots. `.` and `..` are dot-segments, which clients, proxies and URL parsers
 * remove from a path before it is sent (RFC 3986 §5.2.4), so an item with such an id could be written but
 * never addressed again.
 */
export const ResourceIdSchema = IdSchema.check(
  z.regex(/^(?!\.+$)/u, "must not be only dots (a URL dot-segment)"),
);
