import { createPopularItemsHandler } from "./create-serving-handlers.ts";
import { popularItemsDependenciesFromEnvironment } from "./popular-items-dependencies-from-environment.ts";

// Built once per cold start; a missing variable fails here, not on a request.
export const handler = createPopularItemsHandler(popularItemsDependenciesFromEnvironment());
