import { randomBytes, randomUUID } from "node:crypto";
import type { Context } from "aws-lambda";

export interface LambdaContextInput {
  readonly functionName: string;
  readonly memorySizeMb: number;
  readonly region: string;
  readonly accountId: string;
  /** When the invocation must end: `getRemainingTimeInMillis` counts down to it. */
  readonly deadlineMs: number;
  readonly now: () => number;
}

/**
 * The Lambda context object of one invocation, as the Node.js 24 runtime passes it. That runtime no
 * longer supports callback-style handlers, so the deprecated `done`/`fail`/`succeed` throw here rather
 * than pretend to work.
 */
export function createLambdaContext(input: LambdaContextInput): Context {
  const unsupported = (name: string) => (): never => {
    throw new Error(`context.${name}() is not supported on nodejs24.x; return a promise from the handler`);
  };
  const today = new Date(input.now()).toISOString().slice(0, 10).replaceAll("-", "/");
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: input.functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${input.region}:${input.accountId}:function:${input.functionName}`,
    memoryLimitInMB: String(input.memorySizeMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${input.functionName}`,
    logStreamName: `${today}/[$LATEST]${randomBytes(16).toString("hex")}`,
    getRemainingTimeInMillis: () => Math.max(0, input.deadlineMs - input.now()),
    done: unsupported("done"),
    fail: unsupported("fail"),
    succeed: unsupported("succeed"),
  };
}
