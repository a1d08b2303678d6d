import { randomUUID } from "node:crypto";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import {
  type ObservabilityMiddlewareOptions,
  observabilityMiddlewares,
} from "./observability-middlewares.ts";

/**
 * A stream or pipeline handler with the house instrumentation (observability-middlewares.ts). The context
 * is optional: the local runtime, the bench and the tests call these handlers with the event alone, and get
 * a context that names no Lambda but gives each call a request id of its own.
 */
export function observedHandler<TEvent, TResult>(
  handle: (event: TEvent) => Promise<TResult>,
  options: ObservabilityMiddlewareOptions<TEvent>,
): (event: TEvent, context?: Context) => Promise<TResult> {
  // No early timeout: a stream batch or a pipeline step that runs out of time ends as Lambda ends it, which
  // is what the event-source mapping and the state machine's Retry and Catch expect.
  const instrumented = middy<TEvent, TResult>({ timeoutEarlyInMillis: 0 })
    .use(observabilityMiddlewares(options))
    .handler((event) => handle(event));
  return (event, context) => instrumented(event, context ?? contextOutsideLambda());
}

/** Lambda's longest timeout: a call from outside Lambda gets as long as a Lambda could. */
const LONGEST_LAMBDA_TIMEOUT_MS = 15 * 60 * 1000;

/** What the Lambda runtime would pass, as far as the logger and middy read it, for a call from outside Lambda. */
function contextOutsideLambda(): Context {
  const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? "local";
  const unsupported = (): never => {
    throw new Error("callback-style completion is not supported: return a promise");
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: "0",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => LONGEST_LAMBDA_TIMEOUT_MS,
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}
