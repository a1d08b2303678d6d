import { catalogDependenciesFromEnvironment } from "./catalog-dependencies-from-environment.ts";
import { createCatalogItemsHandler } from "./create-catalog-items-handler.ts";

// Built once per cold start; a missing table name or endpoint fails here, not on a request.
export const handler = createCatalogItemsHandler(catalogDependenciesFromEnvironment());
