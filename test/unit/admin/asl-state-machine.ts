import { ExecutionError, StateMachine, type StateMachineDefinition } from "aws-local-stepfunctions";
import type { LocalStateMachine } from "../../../local/stepfunctions/local-step-functions-server.ts";

/** A Task handler: the state's resolved Parameters in, the task's result out; a thrown error's name is its Error. */
export type TaskHandler = (parameters: unknown) => Promise<unknown>;

/**
 * Any ASL definition as a state machine of the local endpoint, run by aws-local-stepfunctions with the Tasks
 * mapped to `tasks` by state name and retry intervals zeroed: the same engine runNightlyCycle drives, for
 * definitions small enough to pin one history shape each.
 */
export function aslStateMachine(
  definition: StateMachineDefinition,
  tasks: Readonly<Record<string, TaskHandler>>,
  retriedStates: readonly string[] = [],
): LocalStateMachine {
  return {
    definition,
    run: async (input, onEvent, { executionName }) => {
      const machine = new StateMachine(definition, {
        validationOptions: { checkArn: true, checkPaths: true },
      });
      const execution = machine.run(input as never, {
        context: { Execution: { Name: executionName } },
        overrides: {
          taskResourceLocalHandlers: tasks as never,
          retryIntervalOverrides: Object.fromEntries(retriedStates.map((state) => [state, 0])),
        },
      });
      const forwarded = (async () => {
        for await (const event of execution.eventLogs) onEvent(event);
      })();
      try {
        const output = await execution.result;
        await forwarded;
        return { status: "SUCCEEDED", output };
      } catch (error) {
        await forwarded;
        if (!(error instanceof ExecutionError)) throw error;
        const cause = error.cause instanceof Error ? error.cause : undefined;
        return {
          status: "FAILED",
          error: cause?.name ?? "States.Runtime",
          cause: cause?.message ?? error.message,
        };
      }
    },
  };
}

/** An error as a Lambda's failure reaches a Task: its name is the Error the Retry and Catch match. */
export function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** A lambda:invoke Task of a test definition. */
export function lambdaTask(functionName: string, fields: Record<string, unknown>): Record<string, unknown> {
  return {
    Type: "Task",
    Resource: "arn:aws:states:::lambda:invoke",
    Parameters: {
      FunctionName: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
      "Payload.$": "$",
    },
    ...fields,
  };
}
