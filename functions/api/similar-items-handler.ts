import { createSimilarItemsHandler } from "./create-serving-handlers.ts";
import { servingDependenciesFromEnvironment } from "./serving-dependencies-from-environment.ts";

// Built once per cold start; a missing variable fails here, not on a request.
export const handler = createSimilarItemsHandler(servingDependenciesFromEnvironment());
