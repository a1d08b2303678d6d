import { warmUpWhenProvisioned } from "../commons/warm-up-when-provisioned.ts";
import { createRecommendationsHandler } from "./create-serving-handlers.ts";
import { servingDependenciesFromEnvironment } from "./serving-dependencies-from-environment.ts";

// Built once per cold start; a missing variable fails here, not on a request.
const dependencies = servingDependenciesFromEnvironment();
// Kept initialized (provisioned concurrency): the first request finds the active model loaded.
await warmUpWhenProvisioned({ "active model": () => dependencies.model.current() });

export const handler = createRecommendationsHandler(dependencies);
