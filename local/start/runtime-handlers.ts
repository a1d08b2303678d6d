import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { createAdminModelsHandler } from "../../functions/api/create-admin-models-handler.ts";
import { createAdminTrainingRunsHandler } from "../../functions/api/create-admin-training-runs-handler.ts";
import { createCatalogItemsHandler } from "../../functions/api/create-catalog-items-handler.ts";
import { createEventsHandler } from "../../functions/api/create-events-handler.ts";
import {
  createPopularItemsHandler,
  createRecommendationsHandler,
  createSimilarItemsHandler,
} from "../../functions/api/create-serving-handlers.ts";
import { createUsersHandler } from "../../functions/api/create-users-handler.ts";
import { API_ROUTE_TABLE, type HandlerId } from "../../functions/api/route-table.ts";
import { functionEnvironmentVariables } from "../../functions/commons/function-environment.ts";
import type { EventBus } from "../../layers/ports/event-bus.ts";
import { type LoadedHandler, loadHandlers } from "../api/handler-loader.ts";
import type { RuntimeDependencies } from "./runtime-dependencies.ts";

const FUNCTIONS_DIRECTORY = fileURLToPath(new URL("../../functions/", import.meta.url));

/**
 * Every handler of the route table for the local runtime: those that read storage are built with the
 * same factories their entry modules call, over the runtime's shared adapters; health and the OpenAPI
 * document read only the function environment, so their entry modules are loaded as Lambda loads them.
 */
export async function runtimeHandlers(
  deps: RuntimeDependencies,
  eventBus: EventBus,
  stageName: string,
): Promise<ReadonlyMap<string, LoadedHandler>> {
  const composed = {
    events: createEventsHandler(eventBus),
    "catalog-items": createCatalogItemsHandler(deps.catalogWrites),
    users: createUsersHandler(deps.users),
    recommendations: createRecommendationsHandler(deps.serving),
    "similar-items": createSimilarItemsHandler(deps.serving),
    "popular-items": createPopularItemsHandler(deps.serving),
    "admin-training-runs": createAdminTrainingRunsHandler(deps.adminTrainingRuns),
    "admin-models": createAdminModelsHandler(deps.adminModels),
  } satisfies Partial<Record<HandlerId, unknown>>;
  // The environment the entry modules read at load (the front sets the same again before it starts).
  Object.assign(process.env, functionEnvironmentVariables({ stageName, version: projectVersion() }));
  // The front calls each handler with the proxy event of its route, the contract the factories are typed to.
  return loadHandlers(API_ROUTE_TABLE, FUNCTIONS_DIRECTORY, composed as Record<string, unknown> as never);
}

const PackageJsonSchema = z.object({ version: z.string().min(1) });

function projectVersion(): string {
  const text = readFileSync(new URL("../../package.json", import.meta.url), "utf8");
  return PackageJsonSchema.parse(JSON.parse(text)).version;
}
