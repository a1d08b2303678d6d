import * as z from "./zod.ts";

/**
 * A string of 1 to `maxLength` characters (ids, attribute names, titles), refused with the messages the API's
 * 400s quote ("must not be empty", "must be at most N characters"); `checks` follow those two.
 */
export function nonEmptyStringOfAtMost(maxLength: number, ...checks: z.core.$ZodCheck<string>[]) {
  return z
    .string()
    .check(
      z.minLength(1, "must not be empty"),
      z.maxLength(maxLength, `must be at most ${maxLength} characters`),
      ...checks,
    );
}
