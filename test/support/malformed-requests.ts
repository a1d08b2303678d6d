import type { APIGatewayProxyEvent } from "aws-lambda";
import { SeededRandom } from "../../layers/domain/random/seeded-random.ts";
import { apiGatewayEvent } from "../unit/functions/api-gateway-event.ts";
import {
  isPlainObject,
  type JsonSchema,
  operationOf,
  resolvePointer,
  schemaProblems,
} from "./openapi-check.ts";

/**
 * Generates malformed requests for one route of the OpenAPI document, deterministically from a seed, for
 * fuzz tests: bad JSON, wrong types, huge strings, odd unicode, out-of-range or absurd numbers (limits),
 * path-traversal and dot-segment ids (`../x`, `%2e%2e`, `..`), empty and over-long ids, unknown, missing
 * and superfluous fields, oversized bodies and deep nesting.
 *
 * Each request starts from a valid template and breaks exactly one thing, and every request is checked
 * against the document before it is handed out: only requests the document itself says are invalid are
 * generated (and path ids that cannot name a resource, such as `..`, whatever the document says), so a
 * handler that answers one of them with anything but a 4xx disagrees with its own contract (or crashes). The mutations are read from the operation's JSON Schemas, so any route of the
 * document can be fuzzed by giving a valid request:
 *
 *   for (const request of malformedRequests(document, { method: "GET", path: "/v1/popular",
 *     query: { limit: "5" } }, { count: 1000, seed: 7 })) {
 *     const response = await handler(request.event, lambdaContext());
 *     expect(response.statusCode, request.description).toBeLessThan(500);
 *   }
 *
 * Requests are built lazily, one per iteration, because some bodies are megabytes long.
 */

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** A valid request of the route, which each malformed one departs from in one place. */
export interface RequestTemplate {
  readonly method: HttpMethod;
  /** The route's path template, as in the document: `/v1/items/{itemId}`. */
  readonly path: string;
  readonly pathParameters?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string>>;
  /** The JSON body (any JSON value), absent for a route without one. */
  readonly body?: unknown;
}

export type MalformationKind =
  | "path-parameter"
  | "query-parameter"
  | "body-syntax"
  | "body-shape"
  | "body-size"
  | "body-field";

export interface MalformedRequest {
  readonly kind: MalformationKind;
  /** What was broken, to quote in a failing assertion. */
  readonly description: string;
  readonly method: HttpMethod;
  readonly path: string;
  /** Path parameters as API Gateway hands them to the handler; null when none reached it. */
  readonly pathParameters: Readonly<Record<string, string>> | null;
  readonly query: Readonly<Record<string, string>> | null;
  readonly body: string | null;
  readonly isBase64Encoded: boolean;
  /** The REST proxy event of the request, for calling a handler directly. */
  readonly event: APIGatewayProxyEvent;
}

export interface MalformedRequestOptions {
  readonly count: number;
  readonly seed: number;
}

/** Attempts at breaking a request before the generator gives up (the document leaves nothing to break). */
const MAX_ATTEMPTS_PER_REQUEST = 500;

/** Strings that are odd as ids or names: traversal, encodings, control and invisible characters, markup. */
const ODD_STRINGS = [
  "",
  " ",
  "\t",
  "\n",
  ".",
  "..",
  "...",
  "../x",
  "..\\x",
  "../../etc/passwd",
  "%2e%2e",
  "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
  "..%2fx",
  "%252e%252e",
  "a/b",
  "/",
  "\\",
  "%00",
  "\u0000",
  "x\u0000y",
  "\u0007",
  "x y",
  "?",
  "#",
  "x?y=1",
  "x#y",
  "*",
  "items-*",
  "a,b",
  "😀",
  "x😀",
  "\u202e",
  "abc\u202edef",
  "\u200b",
  "\u200d",
  "\ufeff",
  "\ud800",
  "\udfff",
  "e\u0301",
  "\u0301",
  "<script>alert(1)</script>",
  "'; DROP TABLE items;--",
  // A log4shell-style lookup, as text.
  "$" + "{jndi:ldap://x}",
  "{{7*7}}",
  "\\u0000",
  "null",
] as const;

/** Characters to splice into an otherwise valid string. */
const ODD_CHARACTERS = [
  "/",
  "\\",
  " ",
  "\u0000",
  "\u202e",
  "\u200b",
  "😀",
  "\ud800",
  "%",
  "?",
  "#",
  "\n",
  "<",
  "\u0301",
];

/** Query values that are no number at all, or numbers no limit takes. */
const ODD_NUMBERS = [
  "-1",
  "0",
  "-0.5",
  "1.5",
  "abc",
  "NaN",
  "Infinity",
  "-Infinity",
  "1e309",
  "-1e309",
  "99999999999999999999",
  "9".repeat(400),
  "null",
  "true",
  "[]",
  "{}",
  "1,2",
  "10abc",
  "\u0661\u0660",
  "０",
  "😀",
] as const;

/** Bodies that are not JSON. */
const NOT_JSON = [
  "{",
  "}",
  "[",
  '{"a":}',
  "{'a':1}",
  '{"a":1,}',
  "undefined",
  "NaN",
  "Infinity",
  "{a:1}",
  '{"a":"\\x41"}',
  '{"a":"unterminated}',
  "\u0000",
  "<xml/>",
  "--",
] as const;

/** Keys that no strict object takes, including the one a naive merge would turn into a prototype. */
const UNKNOWN_KEYS = ["__proto__", "constructor", "extra", "itemID", "userid", "x".repeat(300), "😀", ""];

const STRICT_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

interface BodyInput {
  readonly schema: unknown;
  readonly required: boolean;
  readonly maxBytes: number | undefined;
}

interface OperationInputs {
  readonly pathParameters: ReadonlyMap<string, unknown>;
  readonly queryParameters: ReadonlyMap<string, unknown>;
  readonly body: BodyInput | undefined;
}

/** Marks where a deeply nested array goes; spliced in as text, since JSON.stringify would overflow. */
const DEEP_NESTING = "\u0001deep-nesting\u0001";

interface Candidate {
  readonly kind: MalformationKind;
  readonly description: string;
  readonly pathParameters: Readonly<Record<string, string>> | null;
  readonly query: Readonly<Record<string, string>> | null;
  readonly body: string | null;
  readonly isBase64Encoded: boolean;
}

export function* malformedRequests(
  document: unknown,
  template: RequestTemplate,
  options: MalformedRequestOptions,
): Generator<MalformedRequest> {
  const inputs = inputsOf(document, template);
  const random = new SeededRandom(options.seed);
  const valid = validParts(template);
  const families = familiesFor(inputs);
  if (families.length === 0) throw new Error(`${template.method} ${template.path} takes no input to break`);

  for (let produced = 0; produced < options.count; produced++) {
    let candidate: Candidate | undefined;
    for (let attempt = 0; attempt < MAX_ATTEMPTS_PER_REQUEST && candidate === undefined; attempt++) {
      const family = pickWeighted(random, families);
      const proposal = propose(family, document, inputs, valid, random);
      if (proposal !== undefined && isInvalid(document, inputs, proposal)) candidate = proposal;
    }
    if (candidate === undefined)
      throw new Error(`${template.method} ${template.path}: found nothing the document refuses to send`);
    yield {
      ...candidate,
      method: template.method,
      path: template.path,
      event: proxyEventOf(template, candidate),
    };
  }
}

// --- The operation's inputs, read from the document.

function inputsOf(document: unknown, template: RequestTemplate): OperationInputs {
  const operation = operationOf(document, template.method, template.path);
  const pathParameters = new Map<string, unknown>();
  const queryParameters = new Map<string, unknown>();
  for (const parameter of Array.isArray(operation.parameters) ? operation.parameters : []) {
    if (!isPlainObject(parameter) || typeof parameter.name !== "string") continue;
    if (parameter.in === "path") pathParameters.set(parameter.name, parameter.schema);
    if (parameter.in === "query") queryParameters.set(parameter.name, parameter.schema);
  }
  const requestBody = operation.requestBody;
  const content = isPlainObject(requestBody) && isPlainObject(requestBody.content) ? requestBody.content : {};
  const json = content["application/json"];
  const body =
    isPlainObject(requestBody) && isPlainObject(json)
      ? {
          schema: json.schema,
          required: requestBody.required === true,
          maxBytes:
            typeof requestBody["x-flywheel-max-bytes"] === "number"
              ? requestBody["x-flywheel-max-bytes"]
              : undefined,
        }
      : undefined;
  return { pathParameters, queryParameters, body };
}

interface ValidParts {
  readonly pathParameters: Readonly<Record<string, string>> | null;
  readonly query: Readonly<Record<string, string>> | null;
  readonly body: unknown;
  readonly bodyText: string | null;
}

function validParts(template: RequestTemplate): ValidParts {
  const hasPath = template.pathParameters !== undefined && Object.keys(template.pathParameters).length > 0;
  const hasQuery = template.query !== undefined && Object.keys(template.query).length > 0;
  return {
    pathParameters: hasPath ? { ...template.pathParameters } : null,
    query: hasQuery ? { ...template.query } : null,
    body: template.body,
    bodyText: template.body === undefined ? null : JSON.stringify(template.body),
  };
}

function familiesFor(inputs: OperationInputs): Array<[MalformationKind, number]> {
  const families: Array<[MalformationKind, number]> = [];
  if (inputs.pathParameters.size > 0) families.push(["path-parameter", 3]);
  if (inputs.queryParameters.size > 0) families.push(["query-parameter", 3]);
  if (inputs.body !== undefined) {
    families.push(["body-field", 6], ["body-syntax", 2], ["body-shape", 1]);
    if (inputs.body.maxBytes !== undefined) families.push(["body-size", 1]);
  }
  return families;
}

// --- Is the request invalid by the document?

function isInvalid(document: unknown, inputs: OperationInputs, candidate: Candidate): boolean {
  for (const name of inputs.pathParameters.keys()) {
    const value = candidate.pathParameters?.[name];
    if (value === undefined || escapesItsSegment(value)) return true;
    if (schemaProblems(document, inputs.pathParameters.get(name), value).length > 0) return true;
  }
  for (const [name, value] of Object.entries(candidate.query ?? {})) {
    const schema = inputs.queryParameters.get(name);
    if (schema !== undefined && queryValueInvalid(document, schema, value)) return true;
  }
  const body = inputs.body;
  if (body === undefined) return false;
  const text =
    candidate.body === null
      ? ""
      : candidate.isBase64Encoded
        ? Buffer.from(candidate.body, "base64").toString("utf8")
        : candidate.body;
  if (text.trim() === "") return body.required;
  if (body.maxBytes !== undefined && Buffer.byteLength(text, "utf8") > body.maxBytes) return true;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return true;
  }
  return schemaProblems(document, body.schema, parsed).length > 0;
}

/**
 * A path parameter that is empty, a dot-segment, or holds a separator or an escape is malformed whatever the
 * document says: it cannot name one resource in one path segment (issue 5 asks for a 4xx for each).
 */
function escapesItsSegment(value: string): boolean {
  return value === "" || /^\.+$/.test(value) || /[/\\%]/.test(value);
}

/** A query value is text; a number parameter takes only a plain decimal, read as the number it spells. */
function queryValueInvalid(document: unknown, schema: unknown, value: string): boolean {
  const resolved = resolveSchema(document, schema);
  if (typesOf(resolved).some((type) => type === "number" || type === "integer")) {
    if (!STRICT_NUMBER.test(value)) return true;
    return schemaProblems(document, schema, Number(value)).length > 0;
  }
  return schemaProblems(document, schema, value).length > 0;
}

// --- Proposals, one family at a time.

function propose(
  family: MalformationKind,
  document: unknown,
  inputs: OperationInputs,
  valid: ValidParts,
  random: SeededRandom,
): Candidate | undefined {
  const base = {
    pathParameters: valid.pathParameters,
    query: valid.query,
    body: valid.bodyText,
    isBase64Encoded: false,
  };
  switch (family) {
    case "path-parameter": {
      const name = pick(random, [...inputs.pathParameters.keys()]);
      if (random.next() < 0.03)
        return { ...base, kind: family, description: "no path parameters at all", pathParameters: null };
      const value = oddString(
        random,
        valid.pathParameters?.[name] ?? "x",
        schemaLimit(document, inputs.pathParameters.get(name), "maxLength"),
      );
      return {
        ...base,
        kind: family,
        description: `path parameter ${name} = ${show(value)}`,
        pathParameters: { ...valid.pathParameters, [name]: value },
      };
    }
    case "query-parameter": {
      const name = pick(random, [...inputs.queryParameters.keys()]);
      const schema = resolveSchema(document, inputs.queryParameters.get(name));
      const numeric = typesOf(schema).some((type) => type === "number" || type === "integer");
      const value = numeric
        ? oddNumber(random, schema)
        : oddString(random, valid.query?.[name] ?? "x", schemaLimit(document, schema, "maxLength"));
      return {
        ...base,
        kind: family,
        description: `query ${name} = ${show(value)}`,
        query: { ...valid.query, [name]: value },
      };
    }
    case "body-syntax": {
      const text = valid.bodyText ?? "{}";
      const choice = random.nextInt(5);
      if (choice === 0) {
        const cut = 1 + random.nextInt(Math.max(1, text.length - 1));
        return {
          ...base,
          kind: family,
          description: `body cut after ${cut} characters`,
          body: text.slice(0, cut),
        };
      }
      if (choice === 1)
        return { ...base, kind: family, description: "body with a byte-order mark", body: `\ufeff${text}` };
      if (choice === 2)
        return {
          ...base,
          kind: family,
          description: "body with trailing garbage",
          body: `${text}${pick(random, NOT_JSON)}`,
        };
      if (choice === 3) {
        const garbage = Buffer.from(
          Array.from({ length: 1 + random.nextInt(64) }, () => random.nextInt(256)),
        ).toString("base64");
        return {
          ...base,
          kind: family,
          description: "base64 body of random bytes",
          body: garbage,
          isBase64Encoded: true,
        };
      }
      const body = pick(random, NOT_JSON);
      return { ...base, kind: family, description: `body ${show(body)}`, body };
    }
    case "body-shape": {
      const shapes: Array<[string, string | null]> = [
        ["no body", null],
        ["an empty body", ""],
        ["a blank body", "  \n "],
        ["body null", "null"],
        ["body []", "[]"],
        ["body 1", "1"],
        ['body "text"', '"text"'],
        ["body true", "true"],
        ["the valid body inside an array", `[${valid.bodyText ?? "{}"}]`],
        ["body {}", "{}"],
      ];
      const [description, body] = pick(random, shapes);
      return { ...base, kind: family, description, body };
    }
    case "body-size": {
      const maxBytes = inputs.body?.maxBytes ?? 0;
      const text = valid.bodyText ?? "{}";
      const padding = Math.max(0, maxBytes - Buffer.byteLength(text, "utf8")) + 1 + random.nextInt(4096);
      const body =
        random.next() < 0.5 ? `${text}${" ".repeat(padding)}` : `[${text},"${"x".repeat(padding)}"]`;
      return {
        ...base,
        kind: family,
        description: `a body of ${Buffer.byteLength(body)} bytes, over ${maxBytes}`,
        body,
      };
    }
    case "body-field":
      return proposeFieldMutation(document, inputs, valid, random, base);
  }
}

function proposeFieldMutation(
  document: unknown,
  inputs: OperationInputs,
  valid: ValidParts,
  random: SeededRandom,
  base: Omit<Candidate, "kind" | "description">,
): Candidate | undefined {
  if (inputs.body === undefined || valid.body === undefined) return undefined;
  const sites: Site[] = [];
  collectSites(document, inputs.body.schema, valid.body, [], sites, 0);
  const site = pick(random, sites);
  const mutation = mutateSite(document, site, random, inputs.body.maxBytes);
  if (mutation === undefined) return undefined;
  const body = structuredClone(valid.body);
  const mutated = applyAt(body, site.path, mutation.apply);
  return {
    ...base,
    kind: "body-field",
    description: `body${pathText(site.path)}: ${mutation.description}`,
    body: serialise(mutated),
  };
}

// --- Body sites: every value of the valid body, and every optional property it leaves out.

interface Site {
  readonly path: ReadonlyArray<string | number>;
  readonly schema: JsonSchema;
  /** undefined for an optional property the valid body leaves out. */
  readonly value: unknown;
}

function collectSites(
  document: unknown,
  schema: unknown,
  value: unknown,
  path: ReadonlyArray<string | number>,
  sites: Site[],
  depth: number,
): void {
  const resolved = resolveSchema(document, schema);
  sites.push({ path, schema: resolved, value });
  if (depth > 8) return;
  if (isPlainObject(value)) {
    const properties = isPlainObject(resolved.properties) ? resolved.properties : {};
    for (const [key, child] of Object.entries(value)) {
      const childSchema = Object.hasOwn(properties, key) ? properties[key] : resolved.additionalProperties;
      if (childSchema !== undefined && typeof childSchema !== "boolean")
        collectSites(document, childSchema, child, [...path, key], sites, depth + 1);
    }
    for (const [key, childSchema] of Object.entries(properties))
      if (!Object.hasOwn(value, key))
        sites.push({ path: [...path, key], schema: resolveSchema(document, childSchema), value: undefined });
  }
  if (Array.isArray(value) && resolved.items !== undefined)
    value.slice(0, 3).forEach((item, index) => {
      collectSites(document, resolved.items, item, [...path, index], sites, depth + 1);
    });
}

interface Mutation {
  readonly description: string;
  /** The new value at the site, from the valid one (undefined for an absent property). */
  readonly apply: (current: unknown) => unknown;
}

function mutateSite(
  document: unknown,
  site: Site,
  random: SeededRandom,
  maxBytes: number | undefined,
): Mutation | undefined {
  const schema = site.schema;
  const options: Array<() => Mutation | undefined> = [() => wrongType(random, maxBytes)];
  const types = typesOf(schema);
  if (types.includes("string") || typeof schema.pattern === "string" || Array.isArray(schema.allOf))
    options.push(() => badString(document, schema, site.value, random, maxBytes));
  const enumValues = Array.isArray(schema.enum) ? schema.enum : undefined;
  if (enumValues !== undefined)
    options.push(() => replaceWith("not in the enum", `${String(enumValues[0])}-x`));
  if (types.includes("number") || types.includes("integer")) options.push(() => badNumber(schema, random));
  if (types.includes("array") || schema.items !== undefined) options.push(() => badArray(schema, random));
  if (types.includes("object") || schema.properties !== undefined)
    options.push(() => badObject(document, schema, random));
  return pick(random, options)();
}

function replaceWith(description: string, value: unknown): Mutation {
  return { description, apply: () => value };
}

function wrongType(random: SeededRandom, maxBytes: number | undefined): Mutation {
  const depth = Math.min(50_000, Math.max(2, Math.floor(((maxBytes ?? 100_000) - 1000) / 2)));
  const values: Array<[string, unknown]> = [
    ["null", null],
    ["true", true],
    ["0", 0],
    ["-1", -1],
    ["1.5", 1.5],
    ["1e300", 1e300],
    ['""', ""],
    ['"text"', "text"],
    ["[]", []],
    ['[1,"a"]', [1, "a"]],
    ["{}", {}],
    ['{"a":1}', { a: 1 }],
    [`an array nested ${depth} deep`, { [DEEP_NESTING]: depth }],
  ];
  const [description, value] = pick(random, values);
  return replaceWith(`replaced by ${description}`, value);
}

function badString(
  document: unknown,
  schema: JsonSchema,
  current: unknown,
  random: SeededRandom,
  maxBytes: number | undefined,
): Mutation | undefined {
  const maxLength = schemaLimit(document, schema, "maxLength");
  const minLength = schemaLimit(document, schema, "minLength");
  const choice = random.nextInt(3);
  if (choice === 0 && maxLength !== undefined) {
    // Mostly just over the limit; now and then over the whole body's limit as well.
    const huge = maxBytes !== undefined && random.next() < 0.1;
    const length = huge
      ? (maxBytes ?? 0) + 1 + random.nextInt(1024)
      : maxLength + 1 + random.nextInt(maxLength + 1);
    return replaceWith(`a string of ${length} characters (at most ${maxLength})`, "x".repeat(length));
  }
  if (choice === 1 && minLength !== undefined && minLength > 0) return replaceWith("an empty string", "");
  const value = oddString(random, typeof current === "string" && current !== "" ? current : "abc", maxLength);
  return replaceWith(`replaced by ${show(value)}`, value);
}

function badNumber(schema: JsonSchema, random: SeededRandom): Mutation {
  const choices: Array<[string, number]> = [
    ["-1e300", -1e300],
    ["1e300", 1e300],
  ];
  if (typeof schema.minimum === "number")
    choices.push([`below the minimum`, schema.minimum - 1 - random.nextInt(1000)]);
  if (typeof schema.maximum === "number")
    choices.push([`above the maximum`, schema.maximum + 1 + random.nextInt(1000)]);
  if (typesOf(schema).includes("integer")) choices.push(["a fraction", 0.5 + random.nextInt(100)]);
  const [description, value] = pick(random, choices);
  return replaceWith(`${description} (${value})`, value);
}

function badArray(schema: JsonSchema, random: SeededRandom): Mutation | undefined {
  const minItems = typeof schema.minItems === "number" ? schema.minItems : 0;
  const maxItems = typeof schema.maxItems === "number" ? schema.maxItems : undefined;
  if (maxItems !== undefined && (minItems === 0 || random.next() < 0.5)) {
    const length = maxItems + 1 + random.nextInt(3);
    return {
      description: `${length} items (at most ${maxItems})`,
      apply: (current) => {
        const items = Array.isArray(current) && current.length > 0 ? current : ["x"];
        return Array.from({ length }, (_, index) => structuredClone(items[index % items.length]));
      },
    };
  }
  if (minItems > 0)
    return {
      description: `${minItems - 1} items (at least ${minItems})`,
      apply: (current) => (Array.isArray(current) ? current.slice(0, minItems - 1) : []),
    };
  return undefined;
}

function badObject(document: unknown, schema: JsonSchema, random: SeededRandom): Mutation | undefined {
  const choices: Array<() => Mutation | undefined> = [];
  const required = Array.isArray(schema.required)
    ? schema.required.filter((key) => typeof key === "string")
    : [];
  if (required.length > 0) {
    const key = pick(random, required);
    choices.push(() => ({
      description: `without the required "${key}"`,
      apply: (current) => withoutKey(current, key),
    }));
  }
  if (schema.additionalProperties === false) {
    const key = pick(random, UNKNOWN_KEYS);
    choices.push(() => ({
      description: `with the unknown key ${show(key)}`,
      apply: (current) => withKey(current, key, "x"),
    }));
  }
  if (schema.propertyNames !== undefined) {
    const key = oddString(random, "name", schemaLimit(document, schema.propertyNames, "maxLength"));
    choices.push(() => ({
      description: `with the key ${show(key)}`,
      apply: (current) => withKey(current, key, "x"),
    }));
  }
  if (typeof schema.maxProperties === "number") {
    const count = schema.maxProperties + 1;
    choices.push(() => ({
      description: `with ${count} entries (at most ${schema.maxProperties})`,
      apply: (current) => {
        let object = current;
        for (let index = 0; index < count; index++) object = withKey(object, `k${index}`, "v");
        return object;
      },
    }));
  }
  if (isPlainObject(schema.additionalProperties) && Object.keys(schema.additionalProperties).length > 0)
    choices.push(() => ({
      description: "with an entry of the wrong type",
      apply: (current) => withKey(current, "k", pick(random, [1, null, true, [], { a: 1 }])),
    }));
  return choices.length === 0 ? undefined : pick(random, choices)();
}

function withoutKey(current: unknown, key: string): unknown {
  if (!isPlainObject(current)) return current;
  const copy: Record<string, unknown> = { ...current };
  delete copy[key];
  return copy;
}

/** Adds an own key (even `__proto__`, which plain assignment would turn into a prototype). */
function withKey(current: unknown, key: string, value: unknown): unknown {
  const copy: Record<string, unknown> = isPlainObject(current) ? { ...current } : {};
  Object.defineProperty(copy, key, { value, enumerable: true, configurable: true, writable: true });
  return copy;
}

function applyAt(
  root: unknown,
  path: ReadonlyArray<string | number>,
  apply: (current: unknown) => unknown,
): unknown {
  if (path.length === 0) return apply(root);
  const [head, ...rest] = path;
  if (head === undefined) return root;
  if (Array.isArray(root) && typeof head === "number") {
    const copy = [...root];
    copy[head] = applyAt(root[head], rest, apply);
    return copy;
  }
  if (isPlainObject(root)) {
    return withKey(root, String(head), applyAt(root[head], rest, apply));
  }
  return root;
}

/** JSON text of the body, with the deep-nesting marker expanded (too deep for JSON.stringify). */
function serialise(body: unknown): string {
  const text = JSON.stringify(body, (_key, value: unknown) =>
    isPlainObject(value) && typeof value[DEEP_NESTING] === "number"
      ? `${DEEP_NESTING}${value[DEEP_NESTING]}`
      : value,
  );
  const marker = JSON.stringify(DEEP_NESTING).slice(1, -1);
  return text.replace(new RegExp(`"${escapeRegExp(marker)}(\\d+)"`, "g"), (_match, depth: string) => {
    const levels = Number(depth);
    return `${"[".repeat(levels)}${"]".repeat(levels)}`;
  });
}

// --- Odd values.

function oddString(random: SeededRandom, validBase: string, maxLength: number | undefined): string {
  const choice = random.nextInt(5);
  if (choice === 0) {
    const limit = maxLength ?? 200;
    return "a".repeat(limit + 1 + random.nextInt(limit * 4 + 1));
  }
  if (choice === 1) {
    const position = random.nextInt(validBase.length + 1);
    return `${validBase.slice(0, position)}${pick(random, ODD_CHARACTERS)}${validBase.slice(position)}`;
  }
  if (choice === 2) {
    const dots = pick(random, ["%2e%2e", "%2E%2E", "%2e", "..", "."]);
    const separator = pick(random, ["", "/", "%2f", "%2F", "\\"]);
    return `${dots}${separator}${random.next() < 0.5 ? validBase : ""}`;
  }
  return pick(random, ODD_STRINGS);
}

function oddNumber(random: SeededRandom, schema: JsonSchema): string {
  if (random.next() < 0.4) {
    if (typeof schema.maximum === "number" && random.next() < 0.5)
      return String(schema.maximum + 1 + random.nextInt(10_000));
    if (typeof schema.minimum === "number") return String(schema.minimum - 1 - random.nextInt(10_000));
  }
  return pick(random, ODD_NUMBERS);
}

// --- Helpers.

function resolveSchema(document: unknown, schema: unknown): JsonSchema {
  if (!isPlainObject(schema)) return {};
  if (typeof schema.$ref !== "string") return schema;
  const { $ref, ...rest } = schema;
  return { ...resolveSchema(document, resolvePointer(document, $ref)), ...rest };
}

function typesOf(schema: JsonSchema): string[] {
  if (typeof schema.type === "string") return [schema.type];
  if (Array.isArray(schema.type)) return schema.type.filter((type) => typeof type === "string");
  return [];
}

/** A numeric keyword of the schema or of its `allOf` parts. */
function schemaLimit(
  document: unknown,
  schema: unknown,
  keyword: "maxLength" | "minLength",
): number | undefined {
  const resolved = resolveSchema(document, schema);
  const own = resolved[keyword];
  if (typeof own === "number") return own;
  for (const part of Array.isArray(resolved.allOf) ? resolved.allOf : []) {
    const found = schemaLimit(document, part, keyword);
    if (found !== undefined) return found;
  }
  return undefined;
}

function pickWeighted<T>(random: SeededRandom, weighted: ReadonlyArray<readonly [T, number]>): T {
  const total = weighted.reduce((sum, [, weight]) => sum + weight, 0);
  let point = random.next() * total;
  for (const [value, weight] of weighted) {
    point -= weight;
    if (point < 0) return value;
  }
  const last = weighted[weighted.length - 1];
  if (last === undefined) throw new Error("nothing to pick from");
  return last[0];
}

function pick<T>(random: SeededRandom, values: readonly T[]): T {
  const value = values[random.nextInt(values.length)];
  if (value === undefined) throw new Error("nothing to pick from");
  return value;
}

function pathText(path: ReadonlyArray<string | number>): string {
  return path.map((part) => (typeof part === "number" ? `[${part}]` : `.${part}`)).join("");
}

function show(value: string): string {
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 40)}... (${value.length} characters)` : text;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// --- The proxy event.

function proxyEventOf(template: RequestTemplate, candidate: Candidate): APIGatewayProxyEvent {
  const path = template.path.replace(/\{([^}]+)\}/g, (_match, name: string) =>
    encodeSegment(candidate.pathParameters?.[name] ?? ""),
  );
  const base = apiGatewayEvent({ path });
  const query = candidate.query;
  return {
    ...base,
    resource: template.path,
    httpMethod: template.method,
    pathParameters: candidate.pathParameters === null ? null : { ...candidate.pathParameters },
    queryStringParameters: query === null ? null : { ...query },
    multiValueQueryStringParameters:
      query === null
        ? null
        : Object.fromEntries(Object.entries(query).map(([name, value]) => [name, [value]])),
    body: candidate.body,
    isBase64Encoded: candidate.isBase64Encoded,
    requestContext: {
      ...base.requestContext,
      httpMethod: template.method,
      resourcePath: template.path,
    },
  };
}

/** Percent-encodes a path segment, lone surrogates included (encodeURIComponent throws on those). */
function encodeSegment(value: string): string {
  return [...value]
    .map((character) => {
      try {
        return encodeURIComponent(character);
      } catch {
        return "%EF%BF%BD";
      }
    })
    .join("");
}
