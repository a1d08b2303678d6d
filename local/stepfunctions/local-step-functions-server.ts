import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { z } from "zod";
import { listenOnLoopback } from "../cloud/listen-on-loopback.ts";
import {
  ExecutionHistoryRecorder,
  type ExecutionStatus,
  indexDefinitionStates,
  type LocalRunEvent,
  type RecordedHistoryEvent,
  type RunOutcome,
  type StateInfo,
} from "./execution-history-recorder.ts";

/** What a runner knows of its execution besides the input (the `$$.Execution` context object). */
export interface ExecutionContext {
  readonly executionName: string;
  readonly executionArn: string;
}

/**
 * Runs one execution: receives the execution's input and reports every event of its log (in
 * aws-local-stepfunctions' shape) to `onEvent` before it resolves with how the run ended. A runner that
 * throws ends its execution FAILED with `States.Runtime`.
 */
export type StateMachineRunner = (
  input: unknown,
  onEvent: (event: LocalRunEvent) => void,
  context: ExecutionContext,
) => Promise<RunOutcome>;

export interface LocalStateMachine {
  /** The ASL definition (parsed): it tells Tasks from Parallels and which Maps are distributed. */
  readonly definition: unknown;
  readonly run: StateMachineRunner;
}

/** Errors the endpoint can be told to answer every call with, with the status Step Functions sends them with. */
const INJECTABLE_ERRORS = {
  ThrottlingException: 400,
  ServiceUnavailable: 503,
  InternalFailure: 500,
} as const;

export type InjectableStepFunctionsError = keyof typeof INJECTABLE_ERRORS;

export interface LocalStepFunctionsFaults {
  /** Every call fails with this error instead of being served. @default none */
  readonly failWith?: InjectableStepFunctionsError;
}

export interface LocalStepFunctionsOptions {
  /** State machines by ARN (`arn:aws:states:<region>:<account>:stateMachine:<name>`). */
  readonly stateMachines?: Readonly<Record<string, LocalStateMachine>>;
  /** @default 0, a free port */
  readonly port?: number;
  readonly faults?: LocalStepFunctionsFaults;
}

export interface LocalStepFunctions {
  /** `http://127.0.0.1:<port>`, for AWS_ENDPOINT_URL_SFN. */
  readonly endpoint: string;
  registerStateMachine(stateMachineArn: string, machine: LocalStateMachine): void;
  /** Replaces the injected faults from now on. */
  setFaults(faults: LocalStepFunctionsFaults): void;
  /** Resolves once every execution started so far has ended. */
  idle(): Promise<void>;
  /** Closes the endpoint, then waits for the executions still running to end. */
  stop(): Promise<void>;
}

interface Execution {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly input: string;
  readonly startDate: number;
  /** Start order, to keep the listing stable between executions started in the same millisecond. */
  readonly sequence: number;
  readonly history: ExecutionHistoryRecorder;
  status: ExecutionStatus;
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
}

interface RegisteredStateMachine extends LocalStateMachine {
  readonly states: ReadonlyMap<string, StateInfo>;
}

/** A Step Functions error as the JSON protocol sends it: `__type` and a message, with an HTTP status. */
class ServiceError extends Error {
  readonly type: string;
  readonly status: number;

  constructor(type: string, message: string, status = 400) {
    super(message);
    this.type = type;
    this.status = status;
  }
}

const STATE_MACHINE_ARN = /^arn:([\w-]+):states:([\w-]+):(\d{12}):stateMachine:([^:]{1,80})$/;
const EXECUTION_ARN = /^arn:([\w-]+):states:([\w-]+):(\d{12}):execution:([^:]{1,80}):([^:]{1,80})$/;
/** Step Functions' rule for names: no white space, brackets, wildcards, special or control (Cc) characters. */
const FORBIDDEN_NAME_CHARACTER = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\p{Cc}]/u;
const MAX_NAME_LENGTH = 80;
/** StartExecution's input limit. */
const MAX_INPUT_BYTES = 256 * 1024;
const MAX_REQUEST_BYTES = 1024 * 1024;
const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;
const CONTENT_TYPE = "application/x-amz-json-1.0";

const PageSizeSchema = z.number().int().min(0).max(MAX_PAGE_SIZE).optional();
const StartExecutionSchema = z.looseObject({
  stateMachineArn: z.string(),
  name: z.string().optional(),
  input: z.string().optional(),
});
const DescribeExecutionSchema = z.looseObject({ executionArn: z.string() });
const GetExecutionHistorySchema = z.looseObject({
  executionArn: z.string(),
  maxResults: PageSizeSchema,
  reverseOrder: z.boolean().optional(),
  nextToken: z.string().optional(),
  includeExecutionData: z.boolean().optional(),
});
const ListExecutionsSchema = z.looseObject({
  stateMachineArn: z.string(),
  statusFilter: z
    .enum(["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"])
    .optional(),
  maxResults: PageSizeSchema,
  nextToken: z.string().optional(),
});
const PageTokenSchema = z.object({ offset: z.number().int().min(0), of: z.string() });

/**
 * A local Step Functions endpoint: the JSON protocol (`POST /`, `X-Amz-Target: AWSStepFunctions.<Op>`,
 * `application/x-amz-json-1.0`) for StartExecution, DescribeExecution, GetExecutionHistory and
 * ListExecutions, with Step Functions' own error types (ExecutionDoesNotExist, ExecutionAlreadyExists,
 * InvalidName, InvalidArn, StateMachineDoesNotExist, InvalidExecutionInput, InvalidToken). Each state
 * machine is a definition and a runner that executes it in-process (nightlyStateMachine runs the nightly
 * definition with aws-local-stepfunctions); the endpoint keeps each execution's history in the AWS shape,
 * so `@aws-sdk/client-sfn` with `AWS_ENDPOINT_URL_SFN` set to `endpoint` reads a local run exactly as it
 * reads one in AWS. Executions live in memory, for the endpoint's lifetime. Bound to 127.0.0.1.
 */
export async function startLocalStepFunctions(
  options: LocalStepFunctionsOptions = {},
): Promise<LocalStepFunctions> {
  const machines = new Map<string, RegisteredStateMachine>();
  const executions = new Map<string, Execution>();
  const running = new Set<Promise<void>>();
  let faults: LocalStepFunctionsFaults = options.faults ?? {};
  let sequence = 0;

  const registerStateMachine = (stateMachineArn: string, machine: LocalStateMachine): void => {
    if (!STATE_MACHINE_ARN.test(stateMachineArn))
      throw new Error(`not a state machine ARN: ${JSON.stringify(stateMachineArn)}`);
    machines.set(stateMachineArn, { ...machine, states: indexDefinitionStates(machine.definition) });
  };
  for (const [arn, machine] of Object.entries(options.stateMachines ?? {}))
    registerStateMachine(arn, machine);

  const operations: Readonly<Record<string, (request: unknown) => unknown>> = {
    StartExecution: (request) => {
      const { stateMachineArn, name, input } = parseRequest(StartExecutionSchema, request);
      const machine = requireStateMachine(stateMachineArn);
      const executionName = name ?? randomUUID();
      requireValidName(executionName);
      const inputText = input ?? "{}";
      const parsedInput = parseExecutionInput(inputText);
      const executionArn = executionArnOf(stateMachineArn, executionName);
      const existing = executions.get(executionArn);
      if (existing !== undefined) {
        // As in AWS (Standard workflows): the same name and input while running is the same start.
        if (existing.status === "RUNNING" && existing.input === inputText)
          return { executionArn, startDate: seconds(existing.startDate) };
        throw new ServiceError("ExecutionAlreadyExists", `Execution Already Exists: '${executionArn}'`);
      }
      const startDate = Date.now();
      const region = STATE_MACHINE_ARN.exec(stateMachineArn)?.[2] ?? "us-east-1";
      const execution: Execution = {
        executionArn,
        stateMachineArn,
        name: executionName,
        input: inputText,
        startDate,
        sequence: sequence++,
        history: new ExecutionHistoryRecorder({
          executionArn,
          stateMachineArn,
          region,
          states: machine.states,
        }),
        status: "RUNNING",
      };
      execution.history.executionStarted(inputText, startDate);
      executions.set(executionArn, execution);
      const run = runExecution(execution, machine, parsedInput);
      running.add(run);
      void run.finally(() => running.delete(run));
      return { executionArn, startDate: seconds(startDate) };
    },

    DescribeExecution: (request) => {
      const { executionArn } = parseRequest(DescribeExecutionSchema, request);
      const execution = requireExecution(executionArn);
      return {
        executionArn,
        stateMachineArn: execution.stateMachineArn,
        name: execution.name,
        status: execution.status,
        startDate: seconds(execution.startDate),
        ...(execution.stopDate === undefined ? {} : { stopDate: seconds(execution.stopDate) }),
        input: execution.input,
        inputDetails: { included: true },
        ...(execution.output === undefined
          ? {}
          : { output: execution.output, outputDetails: { included: true } }),
        ...(execution.error === undefined ? {} : { error: execution.error }),
        ...(execution.cause === undefined ? {} : { cause: execution.cause }),
        redriveCount: 0,
      };
    },

    GetExecutionHistory: (request) => {
      const parsed = parseRequest(GetExecutionHistorySchema, request);
      const execution = requireExecution(parsed.executionArn);
      const all = [...execution.history.events()];
      if (parsed.reverseOrder === true) all.reverse();
      const offset = pageOffset(
        parsed.nextToken,
        `history:${parsed.executionArn}:${parsed.reverseOrder === true}`,
      );
      const size = pageSize(parsed.maxResults);
      const page = all.slice(offset, offset + size);
      const includeData = parsed.includeExecutionData ?? true;
      return {
        events: page.map((event) => wireEvent(event, includeData)),
        ...(offset + size < all.length
          ? {
              nextToken: pageToken(
                offset + size,
                `history:${parsed.executionArn}:${parsed.reverseOrder === true}`,
              ),
            }
          : {}),
      };
    },

    ListExecutions: (request) => {
      const parsed = parseRequest(ListExecutionsSchema, request);
      requireStateMachine(parsed.stateMachineArn);
      const listed = [...executions.values()]
        .filter(
          (execution) =>
            execution.stateMachineArn === parsed.stateMachineArn &&
            (parsed.statusFilter === undefined || execution.status === parsed.statusFilter),
        )
        // Newest first, as Step Functions lists them.
        .sort((a, b) => b.startDate - a.startDate || b.sequence - a.sequence);
      const scope = `list:${parsed.stateMachineArn}:${parsed.statusFilter ?? ""}`;
      const offset = pageOffset(parsed.nextToken, scope);
      const size = pageSize(parsed.maxResults);
      return {
        executions: listed.slice(offset, offset + size).map((execution) => ({
          executionArn: execution.executionArn,
          stateMachineArn: execution.stateMachineArn,
          name: execution.name,
          status: execution.status,
          startDate: seconds(execution.startDate),
          ...(execution.stopDate === undefined ? {} : { stopDate: seconds(execution.stopDate) }),
        })),
        ...(offset + size < listed.length ? { nextToken: pageToken(offset + size, scope) } : {}),
      };
    },
  };

  function requireStateMachine(stateMachineArn: string): RegisteredStateMachine {
    if (!STATE_MACHINE_ARN.test(stateMachineArn))
      throw new ServiceError("InvalidArn", `Invalid Arn: '${stateMachineArn}'`);
    const machine = machines.get(stateMachineArn);
    if (machine === undefined)
      throw new ServiceError(
        "StateMachineDoesNotExist",
        `State Machine Does Not Exist: '${stateMachineArn}'`,
      );
    return machine;
  }

  function requireExecution(executionArn: string): Execution {
    if (!EXECUTION_ARN.test(executionArn))
      throw new ServiceError("InvalidArn", `Invalid Arn: '${executionArn}'`);
    const execution = executions.get(executionArn);
    if (execution === undefined)
      throw new ServiceError("ExecutionDoesNotExist", `Execution Does Not Exist: '${executionArn}'`);
    return execution;
  }

  async function runExecution(
    execution: Execution,
    machine: LocalStateMachine,
    input: unknown,
  ): Promise<void> {
    // Answer StartExecution first: the runner's synchronous set-up (loading and validating the definition)
    // is the execution's time, not the call's.
    await new Promise((resolve) => setImmediate(resolve));
    let outcome: RunOutcome;
    try {
      outcome = await machine.run(
        input,
        (event) => {
          if (execution.status === "RUNNING") execution.history.record(event);
        },
        { executionName: execution.name, executionArn: execution.executionArn },
      );
    } catch (error) {
      outcome = {
        status: "FAILED",
        error: "States.Runtime",
        cause: error instanceof Error ? error.message : String(error),
      };
    }
    const stopDate = Math.max(Date.now(), execution.startDate);
    execution.status = outcome.status;
    execution.stopDate = stopDate;
    if (outcome.status === "SUCCEEDED") execution.output = JSON.stringify(outcome.output ?? null);
    if (outcome.error !== undefined) execution.error = outcome.error;
    if (outcome.cause !== undefined) execution.cause = outcome.cause;
    execution.history.executionEnded(outcome, stopDate);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent)
        sendError(
          res,
          new ServiceError("InternalFailure", error instanceof Error ? error.message : "internal error", 500),
        );
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const target = String(req.headers["x-amz-target"] ?? "");
    const operation = target.startsWith("AWSStepFunctions.") ? target.slice("AWSStepFunctions.".length) : "";
    try {
      if (req.method !== "POST" || (req.url ?? "/") !== "/")
        throw new ServiceError("UnknownOperationException", `${req.method} ${req.url} is not an operation`);
      if (body === undefined)
        throw new ServiceError("ValidationException", `the request is over ${MAX_REQUEST_BYTES} bytes`);
      if (faults.failWith !== undefined)
        throw new ServiceError(
          faults.failWith,
          `injected ${faults.failWith}`,
          INJECTABLE_ERRORS[faults.failWith],
        );
      const serve = Object.hasOwn(operations, operation) ? operations[operation] : undefined;
      if (serve === undefined)
        throw new ServiceError(
          "UnknownOperationException",
          `unknown or unsupported operation ${JSON.stringify(target)}`,
        );
      let request: unknown;
      try {
        request = body.length === 0 ? {} : JSON.parse(body.toString("utf8"));
      } catch {
        throw new ServiceError("SerializationException", "the request body is not JSON");
      }
      send(res, 200, serve(request));
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      sendError(res, error);
    }
  }

  const port = await listenOnLoopback(server, options.port, "the local Step Functions endpoint");

  const idle = async (): Promise<void> => {
    while (running.size > 0) await Promise.allSettled([...running]);
  };

  return {
    endpoint: `http://127.0.0.1:${port}`,
    registerStateMachine,
    setFaults: (next) => {
      faults = next;
    },
    idle,
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await idle();
    },
  };
}

function parseRequest<Schema extends z.ZodType>(schema: Schema, request: unknown): z.output<Schema> {
  const parsed = schema.safeParse(request);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.map(String).join(".") ?? "";
  throw new ServiceError("ValidationException", `${field}: ${issue?.message ?? "invalid"}`);
}

function requireValidName(name: string): void {
  const length = [...name].length;
  if (length < 1 || length > MAX_NAME_LENGTH || FORBIDDEN_NAME_CHARACTER.test(name))
    throw new ServiceError("InvalidName", `Invalid Name: '${name}'`);
}

function parseExecutionInput(input: string): unknown {
  if (Buffer.byteLength(input, "utf8") > MAX_INPUT_BYTES)
    throw new ServiceError("InvalidExecutionInput", `input is over ${MAX_INPUT_BYTES} bytes`);
  try {
    return JSON.parse(input);
  } catch {
    throw new ServiceError("InvalidExecutionInput", "Invalid State Machine Execution Input: not JSON");
  }
}

/** arn:…:stateMachine:<machine> and a name → arn:…:execution:<machine>:<name>. */
function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`;
}

function pageSize(maxResults: number | undefined): number {
  return maxResults === undefined || maxResults === 0 ? DEFAULT_PAGE_SIZE : maxResults;
}

/** Tokens are opaque to callers; one from another listing is refused, as Step Functions does. */
function pageToken(offset: number, scope: string): string {
  return Buffer.from(JSON.stringify({ offset, of: scope }), "utf8").toString("base64url");
}

function pageOffset(token: string | undefined, scope: string): number {
  if (token === undefined) return 0;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw new ServiceError("InvalidToken", "Invalid Token: not a token of this endpoint");
  }
  const parsed = PageTokenSchema.safeParse(decoded);
  if (!parsed.success || parsed.data.of !== scope)
    throw new ServiceError("InvalidToken", "Invalid Token: not a token of this listing");
  return parsed.data.offset;
}

/** The event as GetExecutionHistory sends it: epoch seconds, and without inputs and outputs when asked. */
function wireEvent(event: RecordedHistoryEvent, includeData: boolean): Record<string, unknown> {
  const wire: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    if (key === "timestamp") wire[key] = seconds(event.timestamp);
    else if (!includeData && typeof value === "object" && value !== null && key.endsWith("EventDetails"))
      wire[key] = withoutExecutionData(value);
    else wire[key] = value;
  }
  return wire;
}

function withoutExecutionData(details: object): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(details))
    if (key !== "input" && key !== "output" && key !== "inputDetails" && key !== "outputDetails")
      kept[key] = value;
  return kept;
}

/** The JSON protocol's timestamps: epoch seconds, milliseconds as the fraction. */
function seconds(epochMs: number): number {
  return epochMs / 1000;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": CONTENT_TYPE,
    "content-length": Buffer.byteLength(text),
    "x-amzn-requestid": randomUUID(),
  });
  res.end(text);
}

function sendError(res: ServerResponse, error: ServiceError): void {
  send(res, error.status, { __type: error.type, message: error.message });
}

/** The whole body, or undefined when it is over MAX_REQUEST_BYTES (the rest is drained, not buffered). */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  let tooLarge = false;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    bytes += buffer.length;
    if (bytes > MAX_REQUEST_BYTES) tooLarge = true;
    else chunks.push(buffer);
  }
  return tooLarge ? undefined : Buffer.concat(chunks);
}
