import type { MiddlewareObj } from "@middy/core";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { httpErrorOf } from "./http-errors.ts";
import { jsonResponse } from "./json-response.ts";
import { requestIdOf } from "./request-id.ts";

/** One log line per failed request; `error` carries the detail that the response body leaves out. */
export interface ErrorLogEntry {
  readonly level: "WARN" | "ERROR";
  readonly message: "request failed";
  readonly statusCode: number;
  readonly requestId: string;
  readonly awsRequestId: string | undefined;
  readonly error: {
    readonly name: string;
    readonly message: string;
    readonly stack?: string;
    readonly cause?: string;
  };
}

export interface ErrorHandlerOptions {
  /** @default one JSON line on stderr (CloudWatch in Lambda) */
  readonly log?: (entry: ErrorLogEntry) => void;
}

/**
 * Turns any error thrown by the handler (or an earlier middleware) into the response http-errors.ts maps
 * it to, and logs it once with both request ids. A client error is logged without its stack; a 429 or
 * 5xx with everything, since the response carries none of it. Register it first, so that its onError
 * runs last and sees every error.
 */
export function errorHandlerMiddleware(
  options: ErrorHandlerOptions = {},
): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  const log = options.log ?? writeErrorLog;
  return {
    onError: (request) => {
      const requestId = requestIdOf(request.event, request.context);
      const mapped = httpErrorOf(request.error, requestId);
      log({
        level: mapped.clientError ? "WARN" : "ERROR",
        message: "request failed",
        statusCode: mapped.statusCode,
        requestId,
        awsRequestId: request.context?.awsRequestId,
        error: describeError(request.error, !mapped.clientError),
      });
      request.response = jsonResponse(mapped.statusCode, mapped.body, mapped.headers);
    },
  };
}

function describeError(error: unknown, withDetail: boolean): ErrorLogEntry["error"] {
  if (!(error instanceof Error)) return { name: typeof error, message: String(error) };
  const cause = error.cause instanceof Error ? `${error.cause.name}: ${error.cause.message}` : undefined;
  return {
    name: error.name,
    message: error.message,
    ...(withDetail && error.stack !== undefined ? { stack: error.stack } : {}),
    ...(withDetail && cause !== undefined ? { cause } : {}),
  };
}

function writeErrorLog(entry: ErrorLogEntry): void {
  console.error(JSON.stringify(entry));
}
