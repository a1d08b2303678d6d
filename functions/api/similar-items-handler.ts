import { createSimilarItemsHandler } from "./create-serving-handlers.ts";
import { similarItemsDependenciesFromEnvironment } from "./similar-items-dependencies-from-environment.ts";

// Built once per cold start; a missing variable fails here, not on a request.
export const handler = createSimilarItemsHandler(similarItemsDependenciesFromEnvironment());
