import * as z from "../../../layers/domain/validation/zod.ts";
import { type HttpMethod, PLANNED_ROUTES, ROUTES, type RouteAuth } from "../route-table.ts";
import { parsePathTemplate } from "../route-table-validation.ts";
import {
  type ExtraErrorStatus,
  type OperationDescription,
  type OperationTag,
  ROUTE_OPERATIONS,
} from "./route-operations.ts";
import { REQUEST_COMPONENT_SCHEMAS, RESPONSE_COMPONENT_SCHEMAS } from "./schemas.ts";

/** A JSON Schema (2020-12, OpenAPI 3.1's dialect) as plain data. */
export type JsonSchema = { readonly [keyword: string]: unknown };

export interface OpenApiParameter {
  readonly name: string;
  readonly in: "path" | "query";
  readonly required: boolean;
  readonly description?: string;
  readonly schema: JsonSchema;
}

export interface OpenApiMediaType {
  readonly schema: JsonSchema;
}

export interface OpenApiResponse {
  readonly description: string;
  readonly headers?: Readonly<Record<string, { readonly description: string; readonly schema: JsonSchema }>>;
  readonly content?: { readonly "application/json": OpenApiMediaType };
}

export interface OpenApiRequestBody {
  readonly required: boolean;
  readonly description: string;
  readonly content: { readonly "application/json": OpenApiMediaType };
  /** The handler's limit in bytes; a larger body gets a 413. */
  readonly "x-flywheel-max-bytes": number;
}

export interface OpenApiOperation {
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly OperationTag[];
  readonly security: ReadonlyArray<Readonly<Record<string, readonly string[]>>>;
  readonly parameters?: readonly OpenApiParameter[];
  readonly requestBody?: OpenApiRequestBody;
  readonly responses: Readonly<Record<string, OpenApiResponse>>;
  /** The route is in the table's PLANNED_ROUTES: described, not yet served (API Gateway answers 403). */
  readonly "x-flywheel-planned"?: true;
}

export type OpenApiMethod = Lowercase<HttpMethod>;

export interface OpenApiDocument {
  readonly openapi: "3.1.0";
  readonly info: { readonly title: string; readonly version: string; readonly description: string };
  readonly servers: ReadonlyArray<{
    readonly url: string;
    readonly description: string;
    readonly variables: Readonly<Record<string, { readonly default: string; readonly description: string }>>;
  }>;
  readonly tags: ReadonlyArray<{ readonly name: OperationTag; readonly description: string }>;
  readonly paths: Readonly<Record<string, Readonly<Partial<Record<OpenApiMethod, OpenApiOperation>>>>>;
  readonly components: {
    readonly schemas: Readonly<Record<string, JsonSchema>>;
    readonly securitySchemes: Readonly<Record<string, JsonSchema>>;
  };
}

export interface OpenApiDocumentOptions {
  /** The deployed version (GET /v1/health reports the same). */
  readonly version: string;
  /** The stage, the first path segment of every URL (`/prod/v1/...`). */
  readonly stageName: string;
}

const SECURITY_SCHEMES = {
  apiKey: {
    type: "apiKey",
    in: "header",
    name: "x-api-key",
    description: "A client API key of the stage's usage plan, which also throttles per key.",
  },
  sigv4: {
    type: "apiKey",
    in: "header",
    name: "Authorization",
    description:
      "IAM: the request is signed with AWS Signature Version 4 for the service `execute-api` by an identity " +
      "allowed execute-api:Invoke on the method.",
    "x-amazon-apigateway-authtype": "awsSigv4",
  },
} as const;

const SECURITY_BY_AUTH: Readonly<Record<RouteAuth, OpenApiOperation["security"]>> = {
  "api-key": [{ apiKey: [] }],
  admin: [{ sigv4: [] }],
  none: [],
};

const TAGS: OpenApiDocument["tags"] = [
  { name: "recommendations", description: "Recommendation lists, similar and popular items." },
  { name: "events", description: "Interaction events, the input of the real-time loop." },
  { name: "catalog", description: "The item catalog." },
  { name: "users", description: "User attributes and erasure." },
  { name: "health", description: "Liveness." },
  { name: "documentation", description: "This document." },
  { name: "admin", description: "Operator routes (IAM)." },
];

type ErrorStatus = 400 | 403 | 413 | 429 | 500 | ExtraErrorStatus;

const ERROR_DESCRIPTIONS: Readonly<Record<ErrorStatus, string>> = {
  400: "The request is invalid: `message` says how, `field` names the culprit.",
  401: "No caller identity reached the handler.",
  403: "API Gateway refused the credential (a bare `message`), or the caller may not do this (`forbidden`).",
  404: "The resource does not exist.",
  409: "A concurrent write won, again and again: retry.",
  413: "The body is over the route's limit (`x-flywheel-max-bytes`).",
  429: "Throttled, by the usage plan (a bare `message`) or by a dependency (`throttled`): retry later.",
  500: "Internal error: quote the `requestId`.",
  503: "A dependency is unavailable and no fallback could answer: retry.",
};

const RETRY_AFTER = {
  "Retry-After": { description: "Seconds to wait before retrying.", schema: { type: "integer", minimum: 0 } },
} as const;

/** The operations by `METHOD path`, as a plain lookup (the template of a route union is not one key type). */
const OPERATIONS_BY_KEY: Readonly<Record<string, OperationDescription | undefined>> = ROUTE_OPERATIONS;

const ERROR_BODY_REF = { $ref: "#/components/schemas/ErrorBody" } as const;
/** 403 and 429 also come from API Gateway itself, before any handler, with its own body. */
const ERROR_OR_GATEWAY_BODY = {
  anyOf: [ERROR_BODY_REF, { $ref: "#/components/schemas/GatewayErrorBody" }],
} as const;

/**
 * The OpenAPI 3.1 document of every route in the table, served and planned, from ROUTE_OPERATIONS and the
 * zod schemas: the handlers parse and answer with the same schemas the document states.
 */
export function buildOpenApiDocument(options: OpenApiDocumentOptions): OpenApiDocument {
  const componentNames = new Map<z.ZodMiniType, string>();
  const schemas: Record<string, JsonSchema> = {};
  for (const [name, schema] of Object.entries(RESPONSE_COMPONENT_SCHEMAS)) {
    componentNames.set(schema, name);
    schemas[name] = jsonSchemaOf(schema, "output");
  }
  for (const [name, schema] of Object.entries(REQUEST_COMPONENT_SCHEMAS)) {
    componentNames.set(schema, name);
    schemas[name] = jsonSchemaOf(schema, "input");
  }
  const schemaFor = (schema: z.ZodMiniType, io: "input" | "output"): JsonSchema => {
    const name = componentNames.get(schema);
    return name === undefined ? jsonSchemaOf(schema, io) : { $ref: `#/components/schemas/${name}` };
  };

  const served = new Set<string>(ROUTES.map((route) => `${route.method} ${route.path}`));
  const paths: Record<string, Partial<Record<OpenApiMethod, OpenApiOperation>>> = {};
  for (const route of [...ROUTES, ...PLANNED_ROUTES]) {
    const key = `${route.method} ${route.path}`;
    const operation = OPERATIONS_BY_KEY[key];
    // ROUTE_OPERATIONS is typed by the route table, so this fails only for a table built at run time.
    if (operation === undefined) throw new Error(`${key}: no operation in ROUTE_OPERATIONS`);
    requireMatchingPathParameters(key, route.path, operation);
    const pathItem = paths[route.path] ?? {};
    paths[route.path] = pathItem;
    pathItem[lowerCaseMethod(route.method)] = operationObject(
      operation,
      route.auth,
      served.has(key),
      schemaFor,
    );
  }

  return {
    openapi: "3.1.0",
    info: {
      title: "Flywheel API",
      version: options.version,
      description:
        "A real-time recommendation engine: recommendation lists, similar and popular items, interaction " +
        "events, the catalog and users. Client routes take an API key (`x-api-key`); admin routes are signed " +
        "with AWS SigV4.",
    },
    servers: [
      {
        url: "/{stage}",
        description: "The API Gateway stage this document was served from.",
        variables: { stage: { default: options.stageName, description: "The deployment stage." } },
      },
    ],
    tags: TAGS,
    paths,
    components: { schemas, securitySchemes: SECURITY_SCHEMES },
  };
}

function operationObject(
  operation: OperationDescription,
  auth: RouteAuth,
  served: boolean,
  schemaFor: (schema: z.ZodMiniType, io: "input" | "output") => JsonSchema,
): OpenApiOperation {
  const parameters = [
    ...parametersOf(operation.pathParameters, "path"),
    ...parametersOf(operation.query, "query"),
  ];
  const body = operation.requestBody;
  const errorStatuses = new Set<ErrorStatus>([403, 429, 500, ...(operation.errors ?? [])]);
  if (parameters.length > 0 || body !== undefined) errorStatuses.add(400);
  if (body !== undefined) errorStatuses.add(413);

  const responses: Record<string, OpenApiResponse> = {
    [String(operation.success.status)]:
      operation.success.schema === undefined
        ? { description: operation.success.description }
        : {
            description: operation.success.description,
            content: { "application/json": { schema: schemaFor(operation.success.schema, "output") } },
          },
  };
  for (const status of [...errorStatuses].sort((a, b) => a - b)) {
    responses[String(status)] = {
      description: ERROR_DESCRIPTIONS[status],
      ...(status === 429 || status === 503 ? { headers: RETRY_AFTER } : {}),
      content: {
        "application/json": {
          schema: status === 403 || status === 429 ? ERROR_OR_GATEWAY_BODY : ERROR_BODY_REF,
        },
      },
    };
  }

  return {
    operationId: operation.operationId,
    summary: operation.summary,
    ...(operation.description === undefined ? {} : { description: operation.description }),
    tags: [operation.tag],
    security: SECURITY_BY_AUTH[auth],
    ...(parameters.length === 0 ? {} : { parameters }),
    ...(body === undefined
      ? {}
      : {
          requestBody: {
            required: body.required ?? true,
            description: `JSON, at most ${body.maxBytes} bytes.`,
            content: { "application/json": { schema: schemaFor(body.schema, "input") } },
            "x-flywheel-max-bytes": body.maxBytes,
          },
        }),
    responses,
    ...(served ? {} : { "x-flywheel-planned": true as const }),
  };
}

/** One parameter per key of the object schema, described as a client sends it (defaults optional). */
function parametersOf(schema: z.ZodMiniObject | undefined, location: "path" | "query"): OpenApiParameter[] {
  if (schema === undefined) return [];
  const json = jsonSchemaOf(schema, "input");
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: location,
      // OpenAPI requires every path parameter to be required.
      required: location === "path" || required.has(name),
      ...(typeof description === "string" ? { description } : {}),
      schema: rest,
    };
  });
}

function requireMatchingPathParameters(key: string, path: string, operation: OperationDescription): void {
  const segments = parsePathTemplate(path);
  const inPath =
    typeof segments === "string" ? [] : segments.flatMap((s) => (s.kind === "variable" ? [s.name] : []));
  const described = Object.keys(operation.pathParameters?.shape ?? {});
  if ([...inPath].sort().join() !== [...described].sort().join())
    throw new Error(
      `${key}: path parameters {${inPath.join(", ")}} but the operation describes {${described.join(", ")}}`,
    );
}

function jsonSchemaOf(schema: z.ZodMiniType, io: "input" | "output"): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "throw" });
  return rest;
}

const LOWER_CASE_METHODS: Readonly<Record<HttpMethod, OpenApiMethod>> = {
  GET: "get",
  POST: "post",
  PUT: "put",
  PATCH: "patch",
  DELETE: "delete",
};

function lowerCaseMethod(method: HttpMethod): OpenApiMethod {
  return LOWER_CASE_METHODS[method];
}
