import { type PopularItemsDependencies, popularItems } from "../../layers/domain/serving/popular-items.ts";
import { recommendForUser } from "../../layers/domain/serving/recommend-for-user.ts";
import type { ServingDependencies } from "../../layers/domain/serving/serving-dependencies.ts";
import { type SimilarItemsDependencies, similarItems } from "../../layers/domain/serving/similar-items.ts";
import { recordMetric } from "../commons/application-metrics.ts";
import { httpHandler } from "../commons/http-handler.ts";
import { jsonResponse } from "../commons/json-response.ts";
import { logger } from "../commons/observability.ts";
import { parseInput } from "../commons/parse-input.ts";
import {
  ItemPathSchema,
  PopularItemsQuerySchema,
  RecommendationsQuerySchema,
  SimilarItemsQuerySchema,
  UserPathSchema,
} from "./openapi/parameter-schemas.ts";

/** Recommendations are per user and per moment: no shared cache may keep them. */
const PRIVATE = { "cache-control": "private, no-store" };
/** Popular and similar lists are the same for everyone for a short while. */
const SHARED_SHORT = { "cache-control": "public, max-age=60" };

/** GET /v1/users/{userId}/recommendations: the serving cascade; its latency is recorded per tier. */
export function createRecommendationsHandler(deps: ServingDependencies) {
  return httpHandler(async (event) => {
    const { userId } = parseInput(UserPathSchema, event.pathParameters ?? {}, "path");
    // On this request's lines only (the logger drops them after it), hashed when the option is on.
    logger.appendKeys({ userId });
    const query = parseInput(RecommendationsQuerySchema, event.queryStringParameters ?? {}, "query");
    const started = performance.now();
    const response = await recommendForUser(deps, {
      userId,
      limit: query.limit,
      ...(query.category === undefined ? {} : { category: query.category }),
      exclude: query.exclude ?? [],
      diversity: query.diversity,
    });
    recordMetric.recommendationServed(response.source, performance.now() - started);
    return jsonResponse(200, response, PRIVATE);
  });
}

/** GET /v1/items/{itemId}/similar: item-to-item by the model's vectors. */
export function createSimilarItemsHandler(deps: SimilarItemsDependencies) {
  return httpHandler(async (event) => {
    const { itemId } = parseInput(ItemPathSchema, event.pathParameters ?? {}, "path");
    const { limit } = parseInput(SimilarItemsQuerySchema, event.queryStringParameters ?? {}, "query");
    return jsonResponse(200, await similarItems(deps, { itemId, limit }), SHARED_SHORT);
  });
}

/** GET /v1/popular: trending over a window, overall or in one category. */
export function createPopularItemsHandler(deps: PopularItemsDependencies) {
  return httpHandler(async (event) => {
    const query = parseInput(PopularItemsQuerySchema, event.queryStringParameters ?? {}, "query");
    const answer = await popularItems(deps, {
      limit: query.limit,
      ...(query.category === undefined ? {} : { category: query.category }),
      windowMs: query.window * 3600_000,
    });
    return jsonResponse(
      200,
      {
        ...(answer.category === null ? {} : { category: answer.category }),
        windowHours: query.window,
        items: answer.items,
      },
      SHARED_SHORT,
    );
  });
}
