import type { HttpMethod, RouteTable } from "./route-table.ts";

/** One segment of a resource path template: `users` or `{userId}`. */
export type PathSegment =
  | { readonly kind: "literal"; readonly value: string }
  | { readonly kind: "variable"; readonly name: string };

/** The route table breaks a rule API Gateway (or this project) sets; the message lists every problem. */
export class RouteTableError extends Error {
  override readonly name = "RouteTableError";
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid route table:\n- ${problems.join("\n- ")}`);
    this.problems = problems;
  }
}

const HTTP_METHODS: ReadonlySet<string> = new Set<HttpMethod>(["GET", "POST", "PUT", "PATCH", "DELETE"]);
/** API Gateway's path part characters, kept to the unreserved set so a path never needs escaping. */
const LITERAL_SEGMENT = /^[A-Za-z0-9._~-]+$/;
const VARIABLE_SEGMENT = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;
const ADMIN_PREFIX = "/v1/admin/";
/** Lambda's own bounds. */
const MAX_TIMEOUT_SECONDS = 900;
const MIN_MEMORY_MB = 128;
const MAX_MEMORY_MB = 10_240;

/** Splits a template into segments, or says why it is not one API Gateway (and the front) can serve. */
export function parsePathTemplate(path: string): PathSegment[] | string {
  if (!path.startsWith("/")) return `path ${path} must start with "/"`;
  if (path === "/") return [];
  if (path.endsWith("/")) return `path ${path} must not end with "/"`;
  const segments: PathSegment[] = [];
  for (const part of path.slice(1).split("/")) {
    const variable = VARIABLE_SEGMENT.exec(part);
    if (variable?.[1] !== undefined) segments.push({ kind: "variable", name: variable[1] });
    else if (part.includes("{"))
      return `path ${path}: segment "${part}" is not a plain {name} variable (greedy {name+} and partial variables are not supported)`;
    else if (LITERAL_SEGMENT.test(part)) segments.push({ kind: "literal", value: part });
    else return `path ${path}: segment "${part}" must be letters, digits, ".", "_", "~" or "-"`;
  }
  return segments;
}

/**
 * Checks the table once, where it is read (the front at start, the CDK construct at synthesis), so both
 * refuse the same mistakes: malformed paths, duplicate routes, sibling variables with different names
 * (API Gateway refuses `/items/{id}` beside `/items/{itemId}/similar`), unknown or unused handlers,
 * Lambda settings out of range, and an admin path that is not admin-authorized.
 */
export function validateRouteTable(table: RouteTable): void {
  const problems: string[] = [];
  const seen = new Set<string>();
  const variableNameAt = new Map<string, string>();
  const usedHandlers = new Set<string>();

  for (const route of table.routes) {
    const label = `${route.method} ${route.path}`;
    if (!HTTP_METHODS.has(route.method)) problems.push(`${label}: unsupported method ${route.method}`);
    if (seen.has(label)) problems.push(`${label}: declared twice`);
    seen.add(label);
    if (!(route.handler in table.handlers))
      problems.push(`${label}: handler "${route.handler}" is not in the handler map`);
    usedHandlers.add(route.handler);
    if ((route.path.startsWith(ADMIN_PREFIX) || route.path === "/v1/admin") && route.auth !== "admin")
      problems.push(`${label}: routes under /v1/admin must use auth "admin", not "${route.auth}"`);

    const segments = parsePathTemplate(route.path);
    if (typeof segments === "string") {
      problems.push(segments);
      continue;
    }
    let parent = "";
    for (const segment of segments) {
      if (segment.kind === "variable") {
        const existing = variableNameAt.get(parent);
        if (existing !== undefined && existing !== segment.name)
          problems.push(
            `${label}: {${segment.name}} beside {${existing}} under "${parent || "/"}"; API Gateway allows one variable name per level`,
          );
        else variableNameAt.set(parent, segment.name);
        parent = `${parent}/{${existing ?? segment.name}}`;
      } else parent = `${parent}/${segment.value}`;
    }
  }

  for (const [id, handler] of Object.entries(table.handlers)) {
    if (!usedHandlers.has(id)) problems.push(`handler "${id}" is not used by any route`);
    if (!handler.entry.endsWith(".ts"))
      problems.push(`handler "${id}": entry ${handler.entry} must be a .ts module`);
    if (
      !Number.isInteger(handler.timeoutSeconds) ||
      handler.timeoutSeconds < 1 ||
      handler.timeoutSeconds > MAX_TIMEOUT_SECONDS
    )
      problems.push(
        `handler "${id}": timeoutSeconds must be a whole number from 1 to ${MAX_TIMEOUT_SECONDS}`,
      );
    if (
      !Number.isInteger(handler.memorySizeMb) ||
      handler.memorySizeMb < MIN_MEMORY_MB ||
      handler.memorySizeMb > MAX_MEMORY_MB
    )
      problems.push(
        `handler "${id}": memorySizeMb must be a whole number from ${MIN_MEMORY_MB} to ${MAX_MEMORY_MB}`,
      );
  }

  if (problems.length > 0) throw new RouteTableError(problems);
}
