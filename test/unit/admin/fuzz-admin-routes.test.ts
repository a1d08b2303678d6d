import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createAdminModelsHandler } from "../../../functions/api/create-admin-models-handler.ts";
import { createAdminTrainingRunsHandler } from "../../../functions/api/create-admin-training-runs-handler.ts";
import { InMemoryModelRegistry } from "../../../layers/adapters/embedded/in-memory-model-registry.ts";
import {
  type LocalStepFunctions,
  startLocalStepFunctions,
} from "../../../local/stepfunctions/local-step-functions-server.ts";
import { malformedRequests, type RequestTemplate } from "../../support/malformed-requests.ts";
import { expectResponseMatchesDocument } from "../../support/openapi-check.ts";
import { lambdaContext } from "../functions/api-gateway-event.ts";
import { OPENAPI_DOCUMENT } from "../functions/api-request.ts";
import {
  asAdminCaller,
  NIGHTLY_ARN,
  trainingRunsAdapter,
  useStepFunctionsEndpoint,
} from "./admin-fixture.ts";

// The admin routes called directly, as an authorized IAM caller, with generated malformed requests: each
// must get a 4xx the OpenAPI document describes, never a 5xx or a hang, and no run may start. The state
// machine behind the local endpoint only counts the executions it is asked to run.

const HANG_DEADLINE_MS = 10_000;
type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

async function fuzzRoute(
  handler: Handler,
  template: RequestTemplate,
  options: { readonly count: number; readonly seed: number },
): Promise<{ requests: number; statuses: Set<number> }> {
  const statuses = new Set<number>();
  let requests = 0;
  for (const request of malformedRequests(OPENAPI_DOCUMENT, template, options)) {
    const response = await withDeadline(handler(request.event, lambdaContext()), request.description);
    expect(
      response.statusCode,
      `${request.kind}: ${request.description} → ${response.body}`,
    ).toBeGreaterThanOrEqual(400);
    expect(response.statusCode, `${request.kind}: ${request.description} → ${response.body}`).toBeLessThan(
      500,
    );
    expectResponseMatchesDocument(OPENAPI_DOCUMENT, template, response);
    statuses.add(response.statusCode);
    requests++;
  }
  return { requests, statuses };
}

async function withDeadline<T>(call: Promise<T>, description: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${HANG_DEADLINE_MS} ms: ${description}`)),
      HANG_DEADLINE_MS,
    );
  });
  try {
    return await Promise.race([call, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

describe("fuzz: the admin routes", () => {
  let stepFunctions: LocalStepFunctions;
  let executions = 0;
  let runsHandler: Handler;
  let modelsHandler: Handler;

  beforeAll(async () => {
    stepFunctions = await startLocalStepFunctions({
      stateMachines: {
        [NIGHTLY_ARN]: {
          definition: { StartAt: "Done", States: { Done: { Type: "Succeed" } } },
          run: async () => {
            executions++;
            return { status: "SUCCEEDED", output: {} };
          },
        },
      },
    });
  });
  afterAll(async () => {
    await stepFunctions.stop();
  });

  beforeEach(() => {
    // The error middleware logs every refused request (hundreds here).
    vi.spyOn(console, "error").mockImplementation(() => {});
    useStepFunctionsEndpoint(stepFunctions.endpoint);
    const registry = new InMemoryModelRegistry();
    const deps = {
      trainingRuns: trainingRunsAdapter(),
      registry,
      clock: () => Date.UTC(2026, 0, 1),
      defaults: { trainer: "embedded", qualityGate: { maxNdcgDrop: 0.05 } },
    } as const;
    runsHandler = asAdminCaller(createAdminTrainingRunsHandler(deps));
    modelsHandler = asAdminCaller(createAdminModelsHandler(deps));
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it("1,000 malformed requests over the four routes: each a documented 4xx, no run started", async () => {
    const start = await fuzzRoute(
      runsHandler,
      {
        method: "POST",
        path: "/v1/admin/training-runs",
        body: { runId: "run-1", trainer: "spark", qualityGate: { maxNdcgDrop: 0.1 } },
      },
      { count: 500, seed: 601 },
    );
    const get = await fuzzRoute(
      runsHandler,
      { method: "GET", path: "/v1/admin/training-runs/{runId}", pathParameters: { runId: "run-1" } },
      { count: 200, seed: 602 },
    );
    const list = await fuzzRoute(
      runsHandler,
      { method: "GET", path: "/v1/admin/training-runs", query: { limit: "5" } },
      { count: 150, seed: 603 },
    );
    const models = await fuzzRoute(
      modelsHandler,
      { method: "GET", path: "/v1/admin/models", query: { limit: "5" } },
      { count: 150, seed: 604 },
    );

    expect(start.requests + get.requests + list.requests + models.requests).toBe(1000);
    expect([...start.statuses].sort()).toEqual([400, 413]);
    expect([...get.statuses]).toEqual([400]);
    expect([...list.statuses]).toEqual([400]);
    expect([...models.statuses]).toEqual([400]);
    await stepFunctions.idle();
    expect(executions).toBe(0);
  });
});
