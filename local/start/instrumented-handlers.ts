import { z } from "zod";
import type { LambdaHandler, LoadedHandler } from "../api/handler-loader.ts";
import type { RuntimeStats } from "./runtime-stats.ts";

const ProxyResultSchema = z.looseObject({ statusCode: z.number(), body: z.string().optional() });
const ProxyEventSchema = z.looseObject({
  body: z.string().nullable().optional(),
  isBase64Encoded: z.boolean().optional(),
});
const RecommendationsBodySchema = z.looseObject({
  source: z.string(),
  items: z.array(z.looseObject({ itemId: z.string() })),
});
const EventsRequestSchema = z.looseObject({ events: z.array(z.unknown()) });
const EventsResultSchema = z.looseObject({
  rejected: z.array(z.looseObject({ index: z.number() })),
});
const EventTypeSchema = z.looseObject({ type: z.string() });

/**
 * Each handler wrapped as the local runtime's counters need it: how long it took and how it answered, the
 * tier behind each recommendation list, the types of the client events accepted. The wrapper only reads;
 * the event and the result pass through unchanged.
 */
export function instrumentHandlers(
  loaded: ReadonlyMap<string, LoadedHandler>,
  stats: RuntimeStats,
): Record<string, LambdaHandler> {
  const wrapped: Record<string, LambdaHandler> = {};
  for (const [id, { handler }] of loaded) {
    wrapped[id] = async (event, context) => {
      const startedAt = performance.now();
      let result: unknown;
      try {
        result = await handler(event, context);
      } catch (error) {
        stats.recordRequest(id, 500, performance.now() - startedAt);
        throw error;
      }
      const durationMs = performance.now() - startedAt;
      const reply = ProxyResultSchema.safeParse(result);
      stats.recordRequest(id, reply.success ? reply.data.statusCode : 500, durationMs);
      if (reply.success && reply.data.statusCode < 300) observe(id, event, reply.data.body ?? "", stats);
      return result;
    };
  }
  return wrapped;
}

function observe(handlerId: string, event: unknown, body: string, stats: RuntimeStats): void {
  if (handlerId === "recommendations") {
    const list = RecommendationsBodySchema.safeParse(parseJson(body));
    if (list.success)
      stats.recordRecommendations(
        list.data.source,
        list.data.items.map((item) => item.itemId),
      );
  } else if (handlerId === "events") {
    const proxyEvent = ProxyEventSchema.safeParse(event);
    const requestText = proxyEvent.success ? (proxyEvent.data.body ?? "") : "";
    const request = EventsRequestSchema.safeParse(
      parseJson(
        proxyEvent.success && proxyEvent.data.isBase64Encoded === true
          ? Buffer.from(requestText, "base64").toString("utf8")
          : requestText,
      ),
    );
    const result = EventsResultSchema.safeParse(parseJson(body));
    if (!request.success || !result.success) return;
    const rejected = new Set(result.data.rejected.map((entry) => entry.index));
    const types = request.data.events.flatMap((sent, index) => {
      const typed = EventTypeSchema.safeParse(sent);
      return rejected.has(index) || !typed.success ? [] : [typed.data.type];
    });
    stats.recordAcceptedEvents(types);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
