import middy, { type MiddyfiedHandler } from "@middy/core";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { httpCorrelationIdOf } from "./correlation-id.ts";
import { type ErrorHandlerOptions, errorHandlerMiddleware } from "./error-handler-middleware.ts";
import { observabilityMiddlewares } from "./observability-middlewares.ts";

export type HttpHandlerFunction = (
  event: APIGatewayProxyEvent,
  context: Context,
) => Promise<APIGatewayProxyResult>;

/**
 * The house middleware stack for an API Gateway (REST, payload v1) handler: the error handler first, so
 * that a handler only throws domain errors and never builds an error response itself (its onError runs
 * last and sees every error), then the tracer, logger and metrics (observability-middlewares.ts), with the
 * caller's `x-correlation-id` or API Gateway's request id as the correlation id of every log line.
 */
export function httpHandler(
  handle: HttpHandlerFunction,
  options: ErrorHandlerOptions = {},
): MiddyfiedHandler<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
    .use(errorHandlerMiddleware(options))
    .use(observabilityMiddlewares<APIGatewayProxyEvent>({ correlationIdOf: httpCorrelationIdOf }))
    .handler((event, context) => handle(event, context));
}
