import { existsSync } from "node:fs";
import { relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Context } from "aws-lambda";
import type { HandlerDefinition, RouteTable } from "../../functions/api/route-table.ts";

/** A handler as the Node.js runtime calls it: event and context in, a promise of the result out. */
export type LambdaHandler = (event: unknown, context: Context) => unknown;

export interface LoadedHandler {
  readonly id: string;
  readonly definition: HandlerDefinition;
  readonly modulePath: string;
  readonly handler: LambdaHandler;
}

/** Some handler modules of the route table are missing, fail to load, or export no `handler`. */
export class HandlerLoadError extends Error {
  override readonly name = "HandlerLoadError";
}

/**
 * Imports the module of every handler the routes use (what Lambda's cold start does, once per function)
 * and checks that it exports a `handler` function. Every problem is reported together, with the module's
 * own error as the cause, so a table that names a missing module stops the front at start.
 */
export async function loadHandlers(
  table: RouteTable,
  functionsDirectory: string,
  provided: Readonly<Record<string, LambdaHandler>> = {},
): Promise<ReadonlyMap<string, LoadedHandler>> {
  const used = [...new Set(table.routes.map((route) => route.handler))];
  const problems: string[] = [];
  const causes: unknown[] = [];
  const loaded = new Map<string, LoadedHandler>();
  for (const id of used) {
    const definition = table.handlers[id];
    if (definition === undefined) {
      problems.push(`handler "${id}" is not in the handler map`);
      continue;
    }
    const given = provided[id];
    if (given !== undefined) {
      // Composed by the caller over in-process adapters: the module's environment-built handler is not loaded.
      loaded.set(id, {
        id,
        definition,
        modulePath: resolve(functionsDirectory, definition.entry),
        handler: given,
      });
      continue;
    }
    const modulePath = resolve(functionsDirectory, definition.entry);
    const shown = relative(process.cwd(), modulePath);
    if (!existsSync(modulePath)) {
      problems.push(`handler "${id}": module ${shown} does not exist`);
      continue;
    }
    let module: unknown;
    try {
      module = await import(pathToFileURL(modulePath).href);
    } catch (error) {
      problems.push(`handler "${id}": module ${shown} failed to load: ${String(error)}`);
      causes.push(error);
      continue;
    }
    const handler = exportedHandler(module);
    if (handler === undefined) {
      problems.push(`handler "${id}": module ${shown} exports no function named "handler"`);
      continue;
    }
    loaded.set(id, { id, definition, modulePath, handler });
  }
  if (problems.length > 0)
    throw new HandlerLoadError(`cannot serve the route table:\n- ${problems.join("\n- ")}`, {
      cause: causes.length === 1 ? causes[0] : causes.length > 1 ? causes : undefined,
    });
  return loaded;
}

function exportedHandler(module: unknown): LambdaHandler | undefined {
  if (typeof module !== "object" || module === null || !("handler" in module)) return undefined;
  const { handler } = module;
  return isLambdaHandler(handler) ? handler : undefined;
}

function isLambdaHandler(value: unknown): value is LambdaHandler {
  return typeof value === "function";
}
