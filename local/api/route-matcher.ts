import type { RouteDefinition } from "../../functions/api/route-table.ts";
import { parsePathTemplate } from "../../functions/api/route-table-validation.ts";

/** A resource of the API (one path template) and the methods declared on it. */
export interface MatchedResource {
  /** The template, as API Gateway reports it in `resource` and `requestContext.resourcePath`. */
  readonly resourcePath: string;
  readonly methods: ReadonlyMap<string, RouteDefinition>;
  /** Decoded values of the template's variables; empty when it has none. */
  readonly pathParameters: Readonly<Record<string, string>>;
}

interface ResourceNode {
  readonly resourcePath: string;
  readonly literals: Map<string, ResourceNode>;
  variable: { readonly name: string; readonly node: ResourceNode } | undefined;
  readonly methods: Map<string, RouteDefinition>;
}

/**
 * The API's resource tree, as API Gateway builds it from the routes: one node per path segment, literal
 * children before the variable child. The routes must have passed validateRouteTable.
 */
export class RouteMatcher {
  private readonly root: ResourceNode = newNode("/");

  constructor(routes: readonly RouteDefinition[]) {
    for (const route of routes) {
      const segments = parsePathTemplate(route.path);
      if (typeof segments === "string") throw new Error(segments);
      let node = this.root;
      for (const segment of segments) {
        if (segment.kind === "literal") {
          const child = node.literals.get(segment.value) ?? newNode(join(node.resourcePath, segment.value));
          node.literals.set(segment.value, child);
          node = child;
        } else {
          node.variable ??= {
            name: segment.name,
            node: newNode(join(node.resourcePath, `{${segment.name}}`)),
          };
          node = node.variable.node;
        }
      }
      node.methods.set(route.method, route);
    }
  }

  /**
   * The resource for a request path (without the stage, still percent-encoded), or undefined when no
   * resource has this path. An empty segment matches nothing, so `/v1/health/` and `/v1//health` miss,
   * as they do on API Gateway. A literal segment wins over a variable at the same level.
   */
  match(rawPath: string): MatchedResource | undefined {
    if (!rawPath.startsWith("/")) return undefined;
    const segments = rawPath === "/" ? [] : rawPath.slice(1).split("/");
    const parameters: Record<string, string> = {};
    const node = descend(this.root, segments, 0, parameters);
    if (node === undefined) return undefined;
    return { resourcePath: node.resourcePath, methods: node.methods, pathParameters: parameters };
  }
}

function descend(
  node: ResourceNode,
  segments: readonly string[],
  index: number,
  parameters: Record<string, string>,
): ResourceNode | undefined {
  const segment = segments[index];
  // Only a resource with methods is a match; parameters are recorded on the way back from one.
  if (segment === undefined) return node.methods.size > 0 ? node : undefined;
  if (segment === "") return undefined;
  const literal = node.literals.get(segment);
  if (literal !== undefined) {
    const found = descend(literal, segments, index + 1, parameters);
    if (found !== undefined) return found;
  }
  if (node.variable === undefined) return undefined;
  const found = descend(node.variable.node, segments, index + 1, parameters);
  if (found === undefined) return undefined;
  parameters[node.variable.name] = decodeSegment(segment);
  return found;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    // A malformed escape (`%zz`) is passed on as sent rather than refused.
    return segment;
  }
}

function newNode(resourcePath: string): ResourceNode {
  return { resourcePath, literals: new Map(), variable: undefined, methods: new Map() };
}

function join(parent: string, segment: string): string {
  return parent === "/" ? `/${segment}` : `${parent}/${segment}`;
}
