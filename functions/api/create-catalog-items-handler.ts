import type * as z from "zod/mini";
import {
  CatalogItemBodySchema,
  CatalogItemsBatchSchema,
} from "../../layers/domain/catalog/catalog-item-schema.ts";
import { CATALOG_LIMITS } from "../../layers/domain/catalog/catalog-limits.ts";
import type { CatalogWriteDependencies } from "../../layers/domain/catalog/catalog-write-dependencies.ts";
import { hideCatalogItem } from "../../layers/domain/catalog/hide-catalog-item.ts";
import { upsertCatalogItems } from "../../layers/domain/catalog/upsert-catalog-items.ts";
import { NotFoundError } from "../../layers/domain/errors/domain-errors.ts";
import type { CatalogItem } from "../../layers/ports/item-catalog.ts";
import { httpHandler } from "../commons/http-handler.ts";
import { jsonResponse } from "../commons/json-response.ts";
import { parseInput } from "../commons/parse-input.ts";
import { noContentResponse } from "./empty-response.ts";
import { ItemPathSchema } from "./openapi/parameter-schemas.ts";
import type { CatalogItemResponseSchema, CatalogUpsertResponseSchema } from "./openapi/schemas.ts";
import { readJsonBody } from "./read-json-body.ts";

/**
 * PUT /v1/items/{itemId} (200, the item as stored), POST /v1/items (200, `{ upserted }`) and
 * DELETE /v1/items/{itemId} (204, the item hidden). Bad ids and bodies are 400s naming the field, bodies
 * over the route's limit 413s. Exported as a factory for tests; catalog-items-handler.ts builds it from
 * the environment.
 */
export function createCatalogItemsHandler(deps: CatalogWriteDependencies) {
  return httpHandler(async (event) => {
    switch (event.httpMethod) {
      case "PUT": {
        const { itemId } = parseInput(ItemPathSchema, event.pathParameters, "pathParameters");
        const body = parseInput(
          CatalogItemBodySchema,
          readJsonBody(event, CATALOG_LIMITS.maxSingleRequestBytes),
          "body",
        );
        const [stored] = await upsertCatalogItems(deps, [{ itemId, ...body }]);
        if (stored === undefined) throw new Error("upsertCatalogItems returned no item for one input");
        return jsonResponse(200, catalogItemResponse(stored));
      }
      case "POST": {
        const { items } = parseInput(
          CatalogItemsBatchSchema,
          readJsonBody(event, CATALOG_LIMITS.maxBatchRequestBytes),
          "body",
        );
        const stored = await upsertCatalogItems(deps, items);
        const response: z.input<typeof CatalogUpsertResponseSchema> = { upserted: stored.length };
        return jsonResponse(200, response);
      }
      case "DELETE": {
        const { itemId } = parseInput(ItemPathSchema, event.pathParameters, "pathParameters");
        await hideCatalogItem(deps, itemId);
        return noContentResponse();
      }
      default:
        // API Gateway routes only the three methods here; a direct invoke with another gets a clear 404.
        throw new NotFoundError(`no route ${event.httpMethod} ${event.resource}`);
    }
  });
}

function catalogItemResponse(item: CatalogItem): z.input<typeof CatalogItemResponseSchema> {
  return {
    itemId: item.itemId,
    ...(item.title === undefined ? {} : { title: item.title }),
    categories: [...item.categories],
    available: item.available,
    hidden: item.hidden,
    attributes: { ...item.attributes },
    updatedAt: item.updatedAt,
  };
}
