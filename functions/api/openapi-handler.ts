import { readFunctionEnvironment } from "../commons/function-environment.ts";
import { httpHandler } from "../commons/http-handler.ts";
import { jsonResponse } from "../commons/json-response.ts";
import { buildOpenApiDocument } from "./openapi/build-openapi-document.ts";

// Built and serialised once per cold start: the document depends only on the code and the stage.
const environment = readFunctionEnvironment();
const documentResponse = jsonResponse(
  200,
  buildOpenApiDocument({ version: environment.version, stageName: environment.stageName }),
  // The document changes only with a deployment; a client may keep it for a few minutes.
  { "cache-control": "public, max-age=300" },
);

/** GET /v1/openapi.json: the OpenAPI 3.1 document of every route, served and planned. */
export const handler = httpHandler(async () => ({
  ...documentResponse,
  headers: { ...documentResponse.headers },
}));
