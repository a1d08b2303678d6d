import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { captureLambdaHandler } from "@aws-lambda-powertools/tracer/middleware";
import type { MiddlewareObj } from "@middy/core";
import type { Context } from "aws-lambda";
import { type Observability, observability as processObservability } from "./observability.ts";

/** Where an invocation's correlation id comes from; undefined leaves the line without one. */
export type CorrelationIdOf<TEvent> = (event: TEvent, context: Context) => string | undefined;

export interface ObservabilityMiddlewareOptions<TEvent> {
  readonly correlationIdOf: CorrelationIdOf<TEvent>;
  /** @default the process's logger, metrics and tracer (observability.ts) */
  readonly observability?: Observability;
}

/**
 * The house instrumentation of a handler, as middy middlewares in the order Powertools documents, after
 * waiting for the log-hash key (user-id-log-key.ts): the tracer's handler segment, the logger's Lambda context (function name, request id, cold start; the
 * invocation's keys are dropped afterwards, so nothing of one request reaches the next one's lines), the
 * correlation id on every line, and one metrics flush (one EMF blob) when the handler returns or throws.
 *
 * The tracer leaves responses out of X-Ray: they hold user ids and recommendation lists.
 */
export function observabilityMiddlewares<TEvent>(
  options: ObservabilityMiddlewareOptions<TEvent>,
): MiddlewareObj<TEvent>[] {
  const { logger, metrics, tracer, userIdLogKey } = options.observability ?? processObservability;
  return [
    // Every line about the request is hashed under the deployment's key: it is read at init, and the first
    // invocation waits here until it is known (or could not be read: then ids are left out).
    {
      before: async () => {
        await userIdLogKey.ready();
      },
    },
    captureLambdaHandler(tracer, { captureResponse: false }),
    injectLambdaContext(logger, { resetKeys: true }),
    {
      before: (request) => {
        const correlationId = options.correlationIdOf(request.event, request.context);
        if (correlationId !== undefined) logger.setCorrelationId(correlationId);
      },
    },
    logMetrics(metrics),
  ];
}
