import { createUsersHandler } from "./create-users-handler.ts";
import { usersDependenciesFromEnvironment } from "./users-dependencies-from-environment.ts";

// Built once per cold start; a missing table name or cache URL fails here, not on a request.
export const handler = createUsersHandler(usersDependenciesFromEnvironment());
