import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { vi } from "vitest";
import { createStepFunctionsClient } from "../../../layers/adapters/aws/stepfunctions/step-functions-client.ts";
import { StepFunctionsTrainingRuns } from "../../../layers/adapters/aws/stepfunctions/step-functions-training-runs.ts";
import { expectResponseMatchesDocument } from "../../support/openapi-check.ts";
import { apiGatewayEvent, lambdaContext } from "../functions/api-gateway-event.ts";
import { OPENAPI_DOCUMENT } from "../functions/api-request.ts";

/** The state machine the admin tests register with the local endpoint. */
export const NIGHTLY_ARN = "arn:aws:states:us-east-1:000000000000:stateMachine:flywheel-nightly";
/** An IAM identity as API Gateway hands it to a handler after SigV4 and execute-api:Invoke passed. */
export const ADMIN_CALLER_ARN = "arn:aws:iam::000000000000:user/flywheel-local-admin";
/** How long a local nightly run may take before a test calls it hung (each takes well under a second). */
export const RUN_DEADLINE_MS = 20_000;

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/**
 * Points the SDK at `endpoint` the way a deployment does, through the environment (AWS_ENDPOINT_URL_SFN),
 * with dummy credentials, so no test can reach AWS. Undo with vi.unstubAllEnvs().
 */
export function useStepFunctionsEndpoint(endpoint: string): void {
  vi.stubEnv("AWS_ENDPOINT_URL_SFN", endpoint);
  vi.stubEnv("AWS_REGION", "us-east-1");
  vi.stubEnv("AWS_ACCESS_KEY_ID", "flywheel-local");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "flywheel-local-secret");
  vi.stubEnv("AWS_SESSION_TOKEN", "");
  vi.stubEnv("AWS_PROFILE", "");
}

/** The adapter as the handler builds it, one attempt per call so that injected faults show at once. */
export function trainingRunsAdapter(stateMachineArn = NIGHTLY_ARN): StepFunctionsTrainingRuns {
  return new StepFunctionsTrainingRuns({
    client: createStepFunctionsClient({ connectionTimeoutMs: 1000, requestTimeoutMs: 5000, maxAttempts: 1 }),
    stateMachineArn,
  });
}

export interface AdminRequest {
  readonly method: "GET" | "POST";
  /** The route template, `/v1/admin/training-runs/{runId}`. */
  readonly route: string;
  readonly pathParameters?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string>>;
  /** A string is sent as it is; anything else as JSON; undefined sends no body. */
  readonly body?: unknown;
  /** The caller's IAM ARN. @default ADMIN_CALLER_ARN; null: none (not through API Gateway's IAM check) */
  readonly callerArn?: string | null;
}

/** A REST proxy event for an admin route, as API Gateway sends it after its IAM check. */
export function adminEvent(request: AdminRequest): APIGatewayProxyEvent {
  const path = request.route.replace(/\{([^}]+)\}/g, (_match, name: string) =>
    encodeURIComponent(request.pathParameters?.[name] ?? ""),
  );
  const base = apiGatewayEvent({ path });
  const callerArn = request.callerArn === undefined ? ADMIN_CALLER_ARN : request.callerArn;
  return {
    ...base,
    resource: request.route,
    httpMethod: request.method,
    pathParameters: request.pathParameters === undefined ? null : { ...request.pathParameters },
    queryStringParameters: request.query === undefined ? null : { ...request.query },
    multiValueQueryStringParameters:
      request.query === undefined
        ? null
        : Object.fromEntries(Object.entries(request.query).map(([name, value]) => [name, [value]])),
    body:
      request.body === undefined
        ? null
        : typeof request.body === "string"
          ? request.body
          : JSON.stringify(request.body),
    requestContext: {
      ...base.requestContext,
      httpMethod: request.method,
      resourcePath: request.route,
      identity: { ...base.requestContext.identity, userArn: callerArn },
    },
  };
}

/** The handler with the admin caller's identity put in every event (for generated requests). */
export function asAdminCaller(handler: Handler): Handler {
  return (event, context) =>
    handler(
      {
        ...event,
        requestContext: {
          ...event.requestContext,
          identity: { ...event.requestContext.identity, userArn: ADMIN_CALLER_ARN },
        },
      },
      context,
    );
}

export interface AdminResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, unknown>>;
  /** The parsed JSON body, as a loose record (tests read fields by name). */
  readonly body: Record<string, unknown>;
}

/** Calls the handler and checks the answer against the OpenAPI document before returning it. */
export async function callAdmin(handler: Handler, request: AdminRequest): Promise<AdminResponse> {
  const response = await handler(adminEvent(request), lambdaContext());
  expectResponseMatchesDocument(OPENAPI_DOCUMENT, { method: request.method, path: request.route }, response);
  return {
    status: response.statusCode,
    headers: response.headers ?? {},
    body: response.body === "" ? {} : (JSON.parse(response.body) as Record<string, unknown>),
  };
}

/**
 * Polls GET /v1/admin/training-runs/{runId} until the run is no longer RUNNING, and returns that answer.
 * Endpoint-agnostic: it waits on what the API says, with a deadline, never on the local endpoint itself.
 */
export function waitForRunToEnd(handler: Handler, runId: string): Promise<AdminResponse> {
  return waitForRun(handler, runId, (run) => run.status !== 200 || run.body.status !== "RUNNING");
}

/**
 * Polls GET /v1/admin/training-runs/{runId} until `accepts` the answer, with a deadline, and returns it
 * (to see a run in a given state while it is still running).
 */
export async function waitForRun(
  handler: Handler,
  runId: string,
  accepts: (run: AdminResponse) => boolean,
): Promise<AdminResponse> {
  const deadline = Date.now() + RUN_DEADLINE_MS;
  for (;;) {
    const response = await callAdmin(handler, {
      method: "GET",
      route: "/v1/admin/training-runs/{runId}",
      pathParameters: { runId },
    });
    if (accepts(response)) return response;
    if (Date.now() > deadline)
      throw new Error(`run ${runId} never reached the awaited state: ${JSON.stringify(response.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A promise and the function that resolves it: a gate a test opens when it has seen what it wanted. */
export function gate(): { readonly opened: Promise<void>; open(): void } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/** The steps of a run answer, by name. */
export function stepsByName(run: Record<string, unknown>): Map<string, Record<string, unknown>> {
  const steps = Array.isArray(run.steps) ? (run.steps as Array<Record<string, unknown>>) : [];
  return new Map(steps.map((step) => [String(step.name), step]));
}
