import middy, { type MiddyfiedHandler } from "@middy/core";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { type ErrorHandlerOptions, errorHandlerMiddleware } from "./error-handler-middleware.ts";

export type HttpHandlerFunction = (
  event: APIGatewayProxyEvent,
  context: Context,
) => Promise<APIGatewayProxyResult>;

/**
 * The house middleware stack for an API Gateway (REST, payload v1) handler: today the error handler, so
 * that a handler only throws domain errors and never builds an error response itself. Logger, tracer
 * and metrics middlewares join here once Powertools is a dependency.
 */
export function httpHandler(
  handle: HttpHandlerFunction,
  options: ErrorHandlerOptions = {},
): MiddyfiedHandler<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
    .use(errorHandlerMiddleware(options))
    .handler((event, context) => handle(event, context));
}
