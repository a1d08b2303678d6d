import { adminModelsDependenciesFromEnvironment } from "./admin-dependencies-from-environment.ts";
import { createAdminModelsHandler } from "./create-admin-models-handler.ts";

// Built once per cold start; a missing table name fails here, not on a request.
export const handler = createAdminModelsHandler(adminModelsDependenciesFromEnvironment());
