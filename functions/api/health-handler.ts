import { readFunctionEnvironment } from "../commons/function-environment.ts";
import { httpHandler } from "../commons/http-handler.ts";
import { jsonResponse } from "../commons/json-response.ts";

// Read once per cold start; a missing variable fails here, not on a request.
const environment = readFunctionEnvironment();

/** GET /v1/health: the API answers and which version it runs. No dependency is called. */
export const handler = httpHandler(async () =>
  jsonResponse(
    200,
    { status: "ok", version: environment.version, time: new Date().toISOString() },
    // A health answer is about this moment; no cache or proxy may replay it.
    { "cache-control": "no-store" },
  ),
);
