import { InvalidInputError } from "../../domain/errors/domain-errors.ts";

// How the adapters' configuration readers take a whole number from an environment variable: unset or empty
// is the default; anything else must be a whole number in range, or the start fails naming the variable.

/** A whole number ≥ 1 from `env[name]`, or `fallback` when it is unset. */
export function readPositiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  return readInteger(env, name, fallback, 1, "a positive integer");
}

/** A whole number ≥ 0 from `env[name]`, or `fallback` when it is unset. */
export function readNonNegativeInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  return readInteger(env, name, fallback, 0, "a non-negative integer");
}

function readInteger(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  what: string,
): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new InvalidInputError(`${name} must be ${what}, got ${JSON.stringify(raw)}`, name);
  }
  return value;
}
