import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { buildOpenApiDocument } from "../../../functions/api/openapi/build-openapi-document.ts";
import { expectResponseMatchesDocument } from "../../support/openapi-check.ts";
import { apiGatewayEvent, lambdaContext } from "./api-gateway-event.ts";

/** The document the handlers promise to follow, as the openapi handler serves it. */
export const OPENAPI_DOCUMENT = buildOpenApiDocument({ version: "0.0.0-test", stageName: "test" });

export interface ApiRequest {
  readonly method: "GET" | "POST" | "PUT" | "DELETE";
  /** The route template, `/v1/items/{itemId}`. */
  readonly route: string;
  readonly pathParameters?: Readonly<Record<string, string>>;
  /** A string is sent as it is; anything else as JSON. */
  readonly body?: unknown;
}

/** A REST proxy event for the route, as API Gateway would send it. */
export function apiRequestEvent(request: ApiRequest): APIGatewayProxyEvent {
  const path = request.route.replace(/\{([^}]+)\}/g, (_match, name: string) =>
    encodeURIComponent(request.pathParameters?.[name] ?? ""),
  );
  const base = apiGatewayEvent({ path });
  return {
    ...base,
    resource: request.route,
    httpMethod: request.method,
    pathParameters: request.pathParameters === undefined ? null : { ...request.pathParameters },
    body:
      request.body === undefined
        ? null
        : typeof request.body === "string"
          ? request.body
          : JSON.stringify(request.body),
    requestContext: { ...base.requestContext, httpMethod: request.method, resourcePath: request.route },
  };
}

export type ProxyHandler = (
  event: APIGatewayProxyEvent,
  context: ReturnType<typeof lambdaContext>,
) => Promise<APIGatewayProxyResult>;

/**
 * Calls the handler and checks its answer against the OpenAPI document (status documented, body matching
 * the schema), then returns the status and the parsed body (undefined when empty).
 */
export async function callRoute(handler: ProxyHandler, request: ApiRequest) {
  const response = await handler(apiRequestEvent(request), lambdaContext());
  expectResponseMatchesDocument(OPENAPI_DOCUMENT, { method: request.method, path: request.route }, response);
  return {
    status: response.statusCode,
    headers: response.headers ?? {},
    body: response.body === "" ? undefined : (JSON.parse(response.body) as unknown),
    rawBody: response.body,
  };
}
