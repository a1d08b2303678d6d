/**
 * Checks a real handler answer against the OpenAPI document the API serves: the status must be documented
 * for the route, and the body must match that response's JSON Schema.
 *
 * The schemas are checked by a small validator of the JSON Schema 2020-12 keywords the document uses
 * (zod's toJSONSchema output), written here because the project has no JSON Schema validator among its
 * dependencies and zod's own fromJSONSchema drops `pattern`. It refuses a keyword it does not know rather
 * than ignore it, so the document cannot grow a constraint these checks silently skip.
 */

export type JsonSchema = { readonly [keyword: string]: unknown };

/** Keywords that constrain nothing (annotations), which the validator reads past. */
const ANNOTATIONS = new Set([
  "$schema",
  "$id",
  "title",
  "description",
  "default",
  "examples",
  "deprecated",
  "readOnly",
  "writeOnly",
  // An annotation in 2020-12 unless a vocabulary asserts it; zod also emits a `pattern` beside it.
  "format",
]);
const ASSERTIONS = new Set([
  "$ref",
  "type",
  "enum",
  "const",
  "minLength",
  "maxLength",
  "pattern",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "items",
  "minItems",
  "maxItems",
  "uniqueItems",
  "properties",
  "required",
  "additionalProperties",
  "propertyNames",
  "minProperties",
  "maxProperties",
  "allOf",
  "anyOf",
  "oneOf",
  "not",
]);

/**
 * Every schema keyword in the document that the checker does not know, as `<where>: <keyword>`: the
 * document's schemas (components, parameters, bodies, responses, headers) and all their subschemas.
 */
export function unsupportedSchemaKeywords(document: unknown): string[] {
  const found: string[] = [];
  const visitSchema = (schema: unknown, where: string): void => {
    if (!isPlainObject(schema)) return;
    for (const [keyword, value] of Object.entries(schema)) {
      if (!ANNOTATIONS.has(keyword) && !ASSERTIONS.has(keyword) && !keyword.startsWith("x-"))
        found.push(`${where}: ${keyword}`);
      if (keyword === "properties" && isPlainObject(value))
        for (const [name, child] of Object.entries(value)) visitSchema(child, `${where}.properties.${name}`);
      if (["items", "additionalProperties", "propertyNames", "not"].includes(keyword))
        visitSchema(value, `${where}.${keyword}`);
      if (["allOf", "anyOf", "oneOf"].includes(keyword) && Array.isArray(value))
        value.forEach((child, index) => {
          visitSchema(child, `${where}.${keyword}[${index}]`);
        });
    }
  };
  const visitMedia = (content: unknown, where: string): void => {
    if (isPlainObject(content))
      for (const [type, media] of Object.entries(content))
        if (isPlainObject(media)) visitSchema(media.schema, `${where}.content.${type}`);
  };
  const root = isPlainObject(document) ? document : {};
  const components = isPlainObject(root.components) ? root.components : {};
  const schemas = isPlainObject(components.schemas) ? components.schemas : {};
  for (const [name, schema] of Object.entries(schemas)) visitSchema(schema, `components.schemas.${name}`);
  const paths = isPlainObject(root.paths) ? root.paths : {};
  for (const [path, item] of Object.entries(paths)) {
    if (!isPlainObject(item)) continue;
    for (const [method, operation] of Object.entries(item)) {
      if (!isPlainObject(operation)) continue;
      const where = `${method.toUpperCase()} ${path}`;
      for (const parameter of Array.isArray(operation.parameters) ? operation.parameters : [])
        if (isPlainObject(parameter))
          visitSchema(parameter.schema, `${where} parameter ${String(parameter.name)}`);
      if (isPlainObject(operation.requestBody)) visitMedia(operation.requestBody.content, `${where} body`);
      const responses = isPlainObject(operation.responses) ? operation.responses : {};
      for (const [status, response] of Object.entries(responses)) {
        if (!isPlainObject(response)) continue;
        visitMedia(response.content, `${where} ${status}`);
        const headers = isPlainObject(response.headers) ? response.headers : {};
        for (const [name, header] of Object.entries(headers))
          if (isPlainObject(header)) visitSchema(header.schema, `${where} ${status} header ${name}`);
      }
    }
  }
  return found;
}

/** Every way `value` breaks `schema`, each as `<path>: <problem>`; empty when it conforms. */
export function schemaProblems(document: unknown, schema: unknown, value: unknown, at = "$"): string[] {
  if (schema === true || (isPlainObject(schema) && Object.keys(schema).length === 0)) return [];
  if (schema === false) return [`${at}: no value is allowed here`];
  if (!isPlainObject(schema)) throw new Error(`${at}: a schema must be an object or a boolean`);
  const problems: string[] = [];
  for (const keyword of Object.keys(schema)) {
    if (!ANNOTATIONS.has(keyword) && !ASSERTIONS.has(keyword) && !keyword.startsWith("x-"))
      throw new Error(`${at}: the checker does not know the JSON Schema keyword "${keyword}"`);
  }
  if (typeof schema.$ref === "string")
    problems.push(...schemaProblems(document, resolvePointer(document, schema.$ref), value, at));
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((type) => hasType(value, String(type))))
      return [...problems, `${at}: expected ${types.join(" or ")}, got ${describeType(value)}`];
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((option) => deepEqual(option, value)))
    problems.push(`${at}: ${preview(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if ("const" in schema && !deepEqual(schema.const, value))
    problems.push(`${at}: expected ${JSON.stringify(schema.const)}, got ${preview(value)}`);
  if (typeof value === "string") problems.push(...stringProblems(schema, value, at));
  if (typeof value === "number") problems.push(...numberProblems(schema, value, at));
  if (Array.isArray(value)) problems.push(...arrayProblems(document, schema, value, at));
  if (isPlainObject(value)) problems.push(...objectProblems(document, schema, value, at));
  problems.push(...combinatorProblems(document, schema, value, at));
  return problems;
}

function stringProblems(schema: JsonSchema, value: string, at: string): string[] {
  const problems: string[] = [];
  // JSON Schema counts characters as code points, not UTF-16 units.
  const length = [...value].length;
  if (typeof schema.minLength === "number" && length < schema.minLength)
    problems.push(`${at}: ${length} characters, fewer than ${schema.minLength}`);
  if (typeof schema.maxLength === "number" && length > schema.maxLength)
    problems.push(`${at}: ${length} characters, more than ${schema.maxLength}`);
  if (typeof schema.pattern === "string" && !new RegExp(schema.pattern, "u").test(value))
    problems.push(`${at}: ${preview(value)} does not match ${schema.pattern}`);
  return problems;
}

function numberProblems(schema: JsonSchema, value: number, at: string): string[] {
  const problems: string[] = [];
  if (typeof schema.minimum === "number" && value < schema.minimum)
    problems.push(`${at}: ${value} is less than ${schema.minimum}`);
  if (typeof schema.maximum === "number" && value > schema.maximum)
    problems.push(`${at}: ${value} is more than ${schema.maximum}`);
  if (typeof schema.exclusiveMinimum === "number" && value <= schema.exclusiveMinimum)
    problems.push(`${at}: ${value} is not more than ${schema.exclusiveMinimum}`);
  if (typeof schema.exclusiveMaximum === "number" && value >= schema.exclusiveMaximum)
    problems.push(`${at}: ${value} is not less than ${schema.exclusiveMaximum}`);
  if (typeof schema.multipleOf === "number" && !Number.isInteger(value / schema.multipleOf))
    problems.push(`${at}: ${value} is not a multiple of ${schema.multipleOf}`);
  return problems;
}

function arrayProblems(
  document: unknown,
  schema: JsonSchema,
  value: readonly unknown[],
  at: string,
): string[] {
  const problems: string[] = [];
  if (typeof schema.minItems === "number" && value.length < schema.minItems)
    problems.push(`${at}: ${value.length} items, fewer than ${schema.minItems}`);
  if (typeof schema.maxItems === "number" && value.length > schema.maxItems)
    problems.push(`${at}: ${value.length} items, more than ${schema.maxItems}`);
  if (schema.uniqueItems === true) {
    const seen = new Set(value.map((item) => JSON.stringify(item)));
    if (seen.size !== value.length) problems.push(`${at}: items repeat`);
  }
  if (schema.items !== undefined)
    value.forEach((item, index) => {
      problems.push(...schemaProblems(document, schema.items, item, `${at}[${index}]`));
    });
  return problems;
}

function objectProblems(
  document: unknown,
  schema: JsonSchema,
  value: Readonly<Record<string, unknown>>,
  at: string,
): string[] {
  const problems: string[] = [];
  const keys = Object.keys(value);
  const properties = isPlainObject(schema.properties) ? schema.properties : {};
  if (Array.isArray(schema.required))
    for (const name of schema.required)
      if (typeof name === "string" && !Object.hasOwn(value, name)) problems.push(`${at}: lacks "${name}"`);
  if (typeof schema.minProperties === "number" && keys.length < schema.minProperties)
    problems.push(`${at}: ${keys.length} properties, fewer than ${schema.minProperties}`);
  if (typeof schema.maxProperties === "number" && keys.length > schema.maxProperties)
    problems.push(`${at}: ${keys.length} properties, more than ${schema.maxProperties}`);
  for (const key of keys) {
    const where = `${at}.${key}`;
    if (schema.propertyNames !== undefined)
      problems.push(...schemaProblems(document, schema.propertyNames, key, `${where} (name)`));
    if (Object.hasOwn(properties, key))
      problems.push(...schemaProblems(document, properties[key], value[key], where));
    else if (schema.additionalProperties === false) problems.push(`${at}: unexpected property "${key}"`);
    else if (schema.additionalProperties !== undefined)
      problems.push(...schemaProblems(document, schema.additionalProperties, value[key], where));
  }
  return problems;
}

function combinatorProblems(document: unknown, schema: JsonSchema, value: unknown, at: string): string[] {
  const problems: string[] = [];
  if (Array.isArray(schema.allOf))
    for (const part of schema.allOf) problems.push(...schemaProblems(document, part, value, at));
  if (Array.isArray(schema.anyOf)) {
    const branches = schema.anyOf.map((part) => schemaProblems(document, part, value, at));
    if (!branches.some((branch) => branch.length === 0))
      problems.push(`${at}: matches none of anyOf (${branches.map((branch) => branch[0]).join("; ")})`);
  }
  if (Array.isArray(schema.oneOf)) {
    const matching = schema.oneOf.filter((part) => schemaProblems(document, part, value, at).length === 0);
    if (matching.length !== 1) problems.push(`${at}: matches ${matching.length} branches of oneOf, not 1`);
  }
  if (schema.not !== undefined && schemaProblems(document, schema.not, value, at).length === 0)
    problems.push(`${at}: matches the schema under "not"`);
  return problems;
}

/** A local reference (`#/components/schemas/ErrorBody`) into the document. */
export function resolvePointer(document: unknown, reference: string): unknown {
  if (!reference.startsWith("#/")) throw new Error(`only local references are supported, got ${reference}`);
  let node: unknown = document;
  for (const raw of reference.slice(2).split("/")) {
    const part = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (!isPlainObject(node) || !Object.hasOwn(node, part))
      throw new Error(`unresolved reference ${reference}`);
    node = node[part];
  }
  return node;
}

/** The operation object of `METHOD path` (a route template such as `/v1/items/{itemId}`). */
export function operationOf(
  document: unknown,
  method: string,
  path: string,
): Readonly<Record<string, unknown>> {
  const paths = isPlainObject(document) ? document.paths : undefined;
  const item = isPlainObject(paths) ? paths[path] : undefined;
  const operation = isPlainObject(item) ? item[method.toLowerCase()] : undefined;
  if (!isPlainObject(operation)) throw new Error(`the document has no operation ${method} ${path}`);
  return operation;
}

export interface CheckedResponse {
  readonly statusCode: number;
  readonly headers?: Readonly<Record<string, unknown>> | undefined;
  readonly body?: string | null | undefined;
}

/**
 * Every way a handler's answer departs from the document: an undocumented status, a body where none is
 * documented (204) or none where one is, a content type other than JSON, or a body that breaks the schema.
 */
export function responseProblems(
  document: unknown,
  route: { readonly method: string; readonly path: string },
  response: CheckedResponse,
): string[] {
  const label = `${route.method} ${route.path} ${response.statusCode}`;
  const responses = operationOf(document, route.method, route.path).responses;
  const documented = isPlainObject(responses) ? responses[String(response.statusCode)] : undefined;
  if (!isPlainObject(documented)) {
    const statuses = isPlainObject(responses) ? Object.keys(responses).join(", ") : "none";
    return [`${label}: status not documented (documented: ${statuses})`];
  }
  const content = isPlainObject(documented.content) ? documented.content["application/json"] : undefined;
  const body = response.body ?? "";
  if (!isPlainObject(content))
    return body === "" ? [] : [`${label}: the document promises no body, got ${preview(body)}`];
  const contentType = headerValue(response.headers, "content-type");
  if (contentType === undefined || !/^application\/json\b/i.test(contentType))
    return [`${label}: content-type is ${String(contentType)}, not application/json`];
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return [`${label}: the body is not JSON: ${preview(body)}`];
  }
  return schemaProblems(document, content.schema, parsed).map((problem) => `${label}: ${problem}`);
}

/** Throws, listing every problem, when the answer departs from the document (for use in a test). */
export function expectResponseMatchesDocument(
  document: unknown,
  route: { readonly method: string; readonly path: string },
  response: CheckedResponse,
): void {
  const problems = responseProblems(document, route, response);
  if (problems.length > 0)
    throw new Error(`response does not match the OpenAPI document:\n- ${problems.join("\n- ")}`);
}

function headerValue(
  headers: Readonly<Record<string, unknown>> | undefined,
  name: string,
): string | undefined {
  for (const [key, value] of Object.entries(headers ?? {}))
    if (key.toLowerCase() === name) return String(value);
  return undefined;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case "null":
      return value === null;
    case "boolean":
      return typeof value === "boolean";
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "array":
      return Array.isArray(value);
    case "object":
      return isPlainObject(value);
    default:
      throw new Error(`unknown JSON Schema type "${type}"`);
  }
}

function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number" && Number.isInteger(value)) return "integer";
  return typeof value;
}

export function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((item, index) => deepEqual(item, b[index]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]))
    );
  }
  return false;
}

function preview(value: unknown): string {
  let text: string;
  try {
    text = String(JSON.stringify(value));
  } catch {
    // Nesting too deep to serialise: the fuzz sends such values on purpose.
    text = Array.isArray(value) ? "[deeply nested array]" : "[deeply nested value]";
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
