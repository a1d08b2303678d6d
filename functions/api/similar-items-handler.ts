import { warmUpWhenProvisioned } from "../commons/warm-up-when-provisioned.ts";
import { createSimilarItemsHandler } from "./create-serving-handlers.ts";
import { similarItemsDependenciesFromEnvironment } from "./similar-items-dependencies-from-environment.ts";

// Built once per cold start; a missing variable fails here, not on a request.
const dependencies = similarItemsDependenciesFromEnvironment();
// Kept initialized (provisioned concurrency): the first request finds the active model loaded.
await warmUpWhenProvisioned({ "active model": () => dependencies.model.current() });

export const handler = createSimilarItemsHandler(dependencies);
