import type * as z from "zod/mini";
import { CATALOG_LIMITS } from "../../layers/domain/catalog/catalog-limits.ts";
import { NotFoundError } from "../../layers/domain/errors/domain-errors.ts";
import { eraseUser, type UserErasureDependencies } from "../../layers/domain/users/erase-user.ts";
import { setUserAttributes } from "../../layers/domain/users/set-user-attributes.ts";
import { UserAttributesBodySchema } from "../../layers/domain/users/user-attributes-schema.ts";
import type { Clock } from "../../layers/ports/clock.ts";
import { httpHandler } from "../commons/http-handler.ts";
import { jsonResponse } from "../commons/json-response.ts";
import { parseInput } from "../commons/parse-input.ts";
import { noContentResponse } from "./empty-response.ts";
import { UserPathSchema } from "./openapi/parameter-schemas.ts";
import type { UserResponseSchema } from "./openapi/schemas.ts";
import { readJsonBody } from "./read-json-body.ts";

export interface UsersHandlerDependencies extends UserErasureDependencies {
  readonly clock: Clock;
}

/**
 * PUT /v1/users/{userId} (200, the attributes as stored) and DELETE /v1/users/{userId} (204, the user
 * erased). Bad ids and bodies are 400s naming the field, bodies over 64 KiB 413s. Exported as a factory
 * for tests; users-handler.ts builds it from the environment.
 */
export function createUsersHandler(deps: UsersHandlerDependencies) {
  return httpHandler(async (event) => {
    switch (event.httpMethod) {
      case "PUT": {
        const { userId } = parseInput(UserPathSchema, event.pathParameters, "pathParameters");
        const { attributes } = parseInput(
          UserAttributesBodySchema,
          readJsonBody(event, CATALOG_LIMITS.maxSingleRequestBytes),
          "body",
        );
        const stored = await setUserAttributes(deps, userId, attributes);
        const response: z.input<typeof UserResponseSchema> = {
          userId: stored.userId,
          attributes: { ...stored.attributes },
          updatedAt: stored.updatedAt,
        };
        return jsonResponse(200, response);
      }
      case "DELETE": {
        const { userId } = parseInput(UserPathSchema, event.pathParameters, "pathParameters");
        await eraseUser(deps, userId);
        return noContentResponse();
      }
      default:
        // API Gateway routes only the two methods here; a direct invoke with another gets a clear 404.
        throw new NotFoundError(`no route ${event.httpMethod} ${event.resource}`);
    }
  });
}
