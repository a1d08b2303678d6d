import type * as z from "zod/mini";
import { NotFoundError } from "../../layers/domain/errors/domain-errors.ts";
import { listModelVersions } from "../../layers/domain/training-runs/list-model-versions.ts";
import type { ModelRegistry } from "../../layers/ports/model-registry.ts";
import { httpHandler } from "../commons/http-handler.ts";
import { jsonResponse } from "../commons/json-response.ts";
import { parseInput } from "../commons/parse-input.ts";
import { requireAdminCaller } from "./admin-caller.ts";
import { modelVersionResponse } from "./model-version-response.ts";
import { ModelsQuerySchema } from "./openapi/parameter-schemas.ts";
import type { ModelListResponseSchema } from "./openapi/schemas.ts";

export interface AdminModelsHandlerDependencies {
  readonly registry: ModelRegistry;
}

/**
 * GET /v1/admin/models (200): the registered model versions, newest first, with their metrics and status,
 * and which one is active. Only for IAM callers (requireAdminCaller). Exported as a factory for tests;
 * admin-models-handler.ts builds it from the environment.
 */
export function createAdminModelsHandler(deps: AdminModelsHandlerDependencies) {
  return httpHandler(async (event) => {
    requireAdminCaller(event);
    if (`${event.httpMethod} ${event.resource}` !== "GET /v1/admin/models")
      throw new NotFoundError(`no route ${event.httpMethod} ${event.resource}`);
    const { limit } = parseInput(ModelsQuerySchema, event.queryStringParameters ?? {}, "query");
    const versions = await listModelVersions(deps.registry, limit);
    const response: z.input<typeof ModelListResponseSchema> = {
      activeVersion: versions.activeVersion,
      models: versions.models.map(modelVersionResponse),
    };
    return jsonResponse(200, response, { "cache-control": "no-store" });
  });
}
