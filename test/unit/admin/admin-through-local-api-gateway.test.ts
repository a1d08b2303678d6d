import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createAdminModelsHandler } from "../../../functions/api/create-admin-models-handler.ts";
import { createAdminTrainingRunsHandler } from "../../../functions/api/create-admin-training-runs-handler.ts";
import { HANDLERS, ROUTES, type RouteTable } from "../../../functions/api/route-table.ts";
import {
  LOCAL_ADMIN_CREDENTIAL,
  type LocalApiGateway,
  startLocalApiGateway,
} from "../../../local/api/local-api-gateway.ts";
import {
  type LocalStepFunctions,
  startLocalStepFunctions,
} from "../../../local/stepfunctions/local-step-functions-server.ts";
import { nightlyStateMachine } from "../../../local/stepfunctions/nightly-state-machine.ts";
import { httpRequest } from "../api/http-request.ts";
import { signRequest } from "../api/sign-request.ts";
import { type PipelineFixture, pipelineFixture } from "../pipeline/pipeline-fixture.ts";
import {
  NIGHTLY_ARN,
  RUN_DEADLINE_MS,
  trainingRunsAdapter,
  useStepFunctionsEndpoint,
} from "./admin-fixture.ts";

// The admin routes as an operator calls them: over HTTP through the local API Gateway front, which checks
// the SigV4 signature as API Gateway's IAM authorization does and hands the handler the caller's identity.

const ADMIN_ROUTES: RouteTable = {
  routes: ROUTES.filter((route) => route.auth === "admin"),
  handlers: {
    "admin-training-runs": HANDLERS["admin-training-runs"],
    "admin-models": HANDLERS["admin-models"],
  },
};

describe("the admin routes through the local API Gateway front", () => {
  let fixture: PipelineFixture;
  let stepFunctions: LocalStepFunctions;
  let api: LocalApiGateway;

  beforeAll(async () => {
    fixture = await pipelineFixture();
    stepFunctions = await startLocalStepFunctions({
      stateMachines: { [NIGHTLY_ARN]: nightlyStateMachine(fixture.deps) },
    });
    useStepFunctionsEndpoint(stepFunctions.endpoint);
    const deps = {
      trainingRuns: trainingRunsAdapter(),
      registry: fixture.registry,
      clock: () => fixture.now.value,
      defaults: { trainer: "embedded", qualityGate: { maxNdcgDrop: 0.05 } },
    } as const;
    api = await startLocalApiGateway({
      routeTable: ADMIN_ROUTES,
      handlers: {
        "admin-training-runs": createAdminTrainingRunsHandler(deps) as never,
        "admin-models": createAdminModelsHandler(deps) as never,
      },
      log: () => {},
    });
  });

  afterAll(async () => {
    await api?.stop();
    await stepFunctions?.stop();
    await fixture?.cleanup();
    vi.unstubAllEnvs();
  });

  /** A request signed by the AWS SDK's SigV4 signer with the local admin credential. */
  async function signed(method: "GET" | "POST", path: string, body?: string) {
    const headers = await signRequest({
      port: api.port,
      method,
      path: `/local${path}`,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      ...(body === undefined ? {} : { body }),
      accessKeyId: LOCAL_ADMIN_CREDENTIAL.accessKeyId,
      secretAccessKey: LOCAL_ADMIN_CREDENTIAL.secretAccessKey,
    });
    const response = await httpRequest(api.port, `/local${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
    });
    return { status: response.status, body: JSON.parse(response.text) as Record<string, unknown> };
  }

  it("a signed start, followed to its end, leaves the new model active", async () => {
    const started = await signed("POST", "/v1/admin/training-runs", JSON.stringify({ runId: "run-http" }));
    expect(started).toMatchObject({ status: 202, body: { runId: "run-http", status: "RUNNING" } });

    const deadline = Date.now() + RUN_DEADLINE_MS;
    let run = await signed("GET", "/v1/admin/training-runs/run-http");
    while (run.body.status === "RUNNING" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      run = await signed("GET", "/v1/admin/training-runs/run-http");
    }
    expect(run).toMatchObject({ status: 200, body: { status: "SUCCEEDED", model: { status: "active" } } });

    const models = await signed("GET", "/v1/admin/models");
    expect(models).toMatchObject({ status: 200, body: { activeVersion: "run-http" } });
  });

  it("an unsigned request never reaches the handler: 403 from the front", async () => {
    const before = await signed("GET", "/v1/admin/training-runs");
    const response = await httpRequest(api.port, "/local/v1/admin/training-runs", {
      method: "POST",
      body: "{}",
    });
    expect(response.status).toBe(403);
    expect(JSON.parse(response.text)).toEqual({ message: "Missing Authentication Token" });
    expect(await signed("GET", "/v1/admin/training-runs")).toEqual(before);
  });
});
