import { adminTrainingRunsDependenciesFromEnvironment } from "./admin-dependencies-from-environment.ts";
import { createAdminTrainingRunsHandler } from "./create-admin-training-runs-handler.ts";

// Built once per cold start; a missing state machine ARN or table name fails here, not on a request.
export const handler = createAdminTrainingRunsHandler(adminTrainingRunsDependenciesFromEnvironment());
