import {
  DescribeExecutionCommand,
  type DescribeExecutionOutput,
  type ExecutionStatus,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  type SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { ConflictError, InvalidInputError } from "../../../domain/errors/domain-errors.ts";
import * as z from "../../../domain/validation/zod.ts";
import {
  type StartedTrainingRun,
  TRAINERS,
  type TrainingRun,
  type TrainingRunRequest,
  type TrainingRunStatus,
  type TrainingRunSummary,
  type TrainingRuns,
} from "../../../ports/training-runs.ts";
import { stepsFromHistory } from "./execution-history-steps.ts";
import { isExistingExecution, isMissingExecution, toStepFunctionsError } from "./step-functions-errors.ts";

export interface StepFunctionsTrainingRunsOptions {
  readonly client: SFNClient;
  /** The nightly pipeline's state machine: `arn:<partition>:states:<region>:<account>:stateMachine:<name>`. */
  readonly stateMachineArn: string;
}

const STATE_MACHINE_ARN = /^arn:([\w-]+):states:([\w-]+):(\d{12}):stateMachine:([\w-]{1,80})$/;
/** GetExecutionHistory's largest page. */
const HISTORY_PAGE_SIZE = 1000;
/** ListExecutions' largest page. */
const MAX_LIST_LIMIT = 1000;

/** The parameters part of an execution input, as the adapter starts runs (other inputs are shown without it). */
const ExecutionInputSchema = z.object({
  trainer: z.enum(TRAINERS),
  qualityGate: z.object({ maxNdcgDrop: z.number() }),
});

/**
 * Training runs as executions of the nightly state machine: a run id is the execution's name, so the
 * execution ARN follows from the state machine's ARN and the run id, and a run id can name one run only
 * (Step Functions keeps execution names for 90 days). The input carries the run id too, since the
 * definition reads `$.runId`.
 */
export class StepFunctionsTrainingRuns implements TrainingRuns {
  private readonly client: SFNClient;
  private readonly stateMachineArn: string;
  private readonly executionArnPrefix: string;

  constructor(options: StepFunctionsTrainingRunsOptions) {
    const parts = STATE_MACHINE_ARN.exec(options.stateMachineArn);
    if (parts === null)
      throw new InvalidInputError(
        `stateMachineArn must be arn:<partition>:states:<region>:<account>:stateMachine:<name>, got ${JSON.stringify(options.stateMachineArn)}`,
        "stateMachineArn",
      );
    const [, partition, region, account, name] = parts;
    this.client = options.client;
    this.stateMachineArn = options.stateMachineArn;
    this.executionArnPrefix = `arn:${partition}:states:${region}:${account}:execution:${name}:`;
  }

  async start(request: TrainingRunRequest): Promise<StartedTrainingRun> {
    const input = {
      runId: request.runId,
      trainer: request.trainer,
      qualityGate: { maxNdcgDrop: request.qualityGate.maxNdcgDrop },
    };
    try {
      const output = await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: request.runId,
          input: JSON.stringify(input),
        }),
      );
      return { runId: request.runId, startedAt: output.startDate?.getTime() ?? Date.now() };
    } catch (error) {
      if (isExistingExecution(error))
        throw new ConflictError(
          `training run ${JSON.stringify(request.runId)} was already started; a run id names one run`,
        );
      throw toStepFunctionsError(error, "start training run");
    }
  }

  async get(runId: string): Promise<TrainingRun | undefined> {
    const executionArn = `${this.executionArnPrefix}${runId}`;
    try {
      const execution = await this.client.send(new DescribeExecutionCommand({ executionArn }));
      const events = await this.history(executionArn);
      const summary = summaryOf(runId, execution.status, execution.startDate, execution.stopDate);
      const input = parseInput(execution.input);
      const failure = {
        ...(execution.error === undefined ? {} : { error: execution.error }),
        ...(execution.cause === undefined ? {} : { cause: execution.cause }),
      };
      return {
        ...summary,
        ...(input === undefined ? {} : { input }),
        steps: stepsFromHistory(events, { status: summary.status, ...failure }),
        ...failure,
      };
    } catch (error) {
      if (isMissingExecution(error)) return undefined;
      throw toStepFunctionsError(error, `read training run ${JSON.stringify(runId)}`);
    }
  }

  async listRecent(limit: number): Promise<TrainingRunSummary[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT)
      throw new InvalidInputError(`limit must be an integer from 1 to ${MAX_LIST_LIMIT}`, "limit");
    try {
      // Step Functions lists executions newest first.
      const output = await this.client.send(
        new ListExecutionsCommand({ stateMachineArn: this.stateMachineArn, maxResults: limit }),
      );
      return (output.executions ?? []).flatMap((execution) =>
        execution.name === undefined
          ? []
          : [summaryOf(execution.name, execution.status, execution.startDate, execution.stopDate)],
      );
    } catch (error) {
      throw toStepFunctionsError(error, "list training runs");
    }
  }

  /** Every event, page by page; states' inputs and outputs are left out (the steps need none of them). */
  private async history(executionArn: string): Promise<HistoryEvent[]> {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(
        new GetExecutionHistoryCommand({
          executionArn,
          maxResults: HISTORY_PAGE_SIZE,
          includeExecutionData: false,
          ...(nextToken === undefined ? {} : { nextToken }),
        }),
      );
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
    return events;
  }
}

function summaryOf(
  runId: string,
  status: ExecutionStatus | undefined,
  startDate: Date | undefined,
  stopDate: Date | undefined,
): TrainingRunSummary {
  return {
    runId,
    status: runStatusOf(status),
    startedAt: startDate?.getTime() ?? 0,
    ...(stopDate === undefined ? {} : { stoppedAt: stopDate.getTime() }),
  };
}

function runStatusOf(status: ExecutionStatus | undefined): TrainingRunStatus {
  switch (status) {
    case "SUCCEEDED":
    case "FAILED":
    case "TIMED_OUT":
    case "ABORTED":
      return status;
    default:
      // RUNNING, and PENDING_REDRIVE: a failed run that a redrive is about to resume.
      return "RUNNING";
  }
}

function parseInput(input: DescribeExecutionOutput["input"]): TrainingRun["input"] {
  if (input === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(input);
  } catch {
    return undefined;
  }
  const result = ExecutionInputSchema.safeParse(parsed);
  return result.success ? result.data : undefined;
}
