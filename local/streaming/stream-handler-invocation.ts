import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import { createLambdaContext } from "../api/lambda-context.ts";
import type { InvocationOutcome } from "./batch-retry-state.ts";

/** What a stream handler resolves to: a partial-batch response, or nothing. */
// biome-ignore lint/suspicious/noConfusingVoidType: a handler that returns nothing is Promise<void>, which aws-lambda's KinesisStreamHandler allows too
export type KinesisStreamHandlerResult = KinesisStreamBatchResponse | void;

/** A stream function's handler, as the Node.js runtime calls it. */
export type KinesisStreamEventHandler = (
  event: KinesisStreamEvent,
  context: Context,
) => Promise<KinesisStreamHandlerResult>;

export interface StreamFunction {
  readonly handler: KinesisStreamEventHandler;
  readonly functionName: string;
  readonly region: string;
  readonly accountId: string;
  readonly timeoutMs: number;
  /** @default 512 */
  readonly memorySizeMb?: number;
}

/** The function timed out, as Lambda reports it. */
export class FunctionTimeoutError extends Error {
  override readonly name = "FunctionTimeoutError";
}

/**
 * Invokes the handler once, as Lambda invokes a stream function (synchronously, with a fresh context whose
 * remaining time counts down to the timeout), and says how it ended. A throw, a rejection or a timeout is a
 * function error. Unlike Lambda, nothing can stop a handler that times out: its promise is left to settle
 * on its own, and whatever it returns then is ignored.
 */
export async function invokeStreamFunction(
  fn: StreamFunction,
  event: KinesisStreamEvent,
): Promise<{ readonly outcome: InvocationOutcome; readonly requestId: string }> {
  const deadlineMs = Date.now() + fn.timeoutMs;
  const context = createLambdaContext({
    functionName: fn.functionName,
    memorySizeMb: fn.memorySizeMb ?? 512,
    region: fn.region,
    accountId: fn.accountId,
    deadlineMs,
    now: Date.now,
  });
  const running = Promise.resolve().then(() => fn.handler(event, context));
  running.catch(() => {}); // a rejection after the timeout must not become an unhandled rejection
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new FunctionTimeoutError(`Task timed out after ${(fn.timeoutMs / 1000).toFixed(2)} seconds`)),
      fn.timeoutMs,
    );
  });
  try {
    const response = await Promise.race([running, timedOut]);
    return { outcome: { kind: "returned", response }, requestId: context.awsRequestId };
  } catch (error) {
    return { outcome: { kind: "function-error", error }, requestId: context.awsRequestId };
  } finally {
    clearTimeout(timer);
  }
}
