import type { StreamEvent } from "../../ports/event-bus.ts";
import type { ServedRecommendation } from "../../ports/recommendation-log.ts";
import * as z from "../validation/zod.ts";
import { IdSchema } from "./event-schema.ts";

/**
 * What a served list looks like on the stream: one `impression` event per response, carrying the list in
 * its context. The serving path publishes it instead of writing the recommendation log itself, so a request
 * makes one stream write and no table write; the stream handler records the served list (for click
 * attribution) and counts the impression, both idempotent, like every other effect.
 */
const ServedContextSchema = z.strictObject({
  source: z.enum(["cache", "realtime", "batch", "popular"]),
  modelVersion: z.nullable(z.string().check(z.minLength(1))),
  itemIds: z.array(IdSchema).check(z.minLength(1), z.maxLength(100)),
});

/** The impression event of a served list; its id derives from the recommendation id, so a retry is one event. */
export function impressionEventOf(served: ServedRecommendation): StreamEvent | undefined {
  const first = served.itemIds[0];
  if (first === undefined) return undefined;
  return {
    eventId: `${served.recommendationId}.impression`,
    userId: served.userId,
    itemId: first,
    type: "impression",
    timestamp: served.servedAt,
    recommendationId: served.recommendationId,
    context: {
      served: { source: served.source, modelVersion: served.modelVersion, itemIds: [...served.itemIds] },
    },
    receivedAt: served.servedAt,
  };
}

/** The served list an impression event carries, or undefined for a client's plain impression. */
export function servedListOf(event: StreamEvent): ServedRecommendation | undefined {
  if (event.type !== "impression" || event.recommendationId === undefined) return undefined;
  const parsed = ServedContextSchema.safeParse(event.context?.served);
  if (!parsed.success) return undefined;
  return {
    recommendationId: event.recommendationId,
    userId: event.userId,
    source: parsed.data.source,
    modelVersion: parsed.data.modelVersion,
    itemIds: parsed.data.itemIds,
    servedAt: event.timestamp,
  };
}
