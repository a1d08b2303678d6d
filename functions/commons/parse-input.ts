import type * as z from "zod/mini";
import { InvalidInputError } from "../../layers/domain/errors/domain-errors.ts";

/**
 * Validates a piece of the request (`body`, `queryStringParameters`, `pathParameters`) against its schema
 * and returns the typed value, or throws InvalidInputError naming the first offending field
 * (`body.events.3.userId`), which http-errors.ts turns into a 400.
 */
export function parseInput<Schema extends z.ZodMiniType>(
  schema: Schema,
  value: unknown,
  where: string,
): z.output<Schema> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = [where, ...(issue?.path ?? []).map(String)].join(".");
  throw new InvalidInputError(`${field}: ${issue?.message ?? "invalid"}`, field);
}
