import { InvalidInputError } from "../layers/domain/errors/domain-errors.ts";

/** Parsed `--name value` options of one command; every read validates and names the flag on failure. */
export class CliOptions {
  private readonly values: Map<string, string>;
  private readonly flags: Set<string>;
  private readonly used = new Set<string>();

  constructor(values: Map<string, string>, flags: Set<string>) {
    this.values = values;
    this.flags = flags;
  }

  static parse(args: readonly string[], booleanFlags: readonly string[] = []): CliOptions {
    const values = new Map<string, string>();
    const flags = new Set<string>();
    for (let i = 0; i < args.length; i++) {
      const arg = args[i] as string;
      if (!arg.startsWith("--")) throw new InvalidInputError(`unexpected argument '${arg}'`);
      const eq = arg.indexOf("=");
      const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
      if (booleanFlags.includes(name)) {
        flags.add(name);
        continue;
      }
      const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
      if (value === undefined || (eq < 0 && value.startsWith("--"))) {
        throw new InvalidInputError(`--${name} needs a value`, name);
      }
      values.set(name, value);
    }
    return new CliOptions(values, flags);
  }

  flag(name: string): boolean {
    this.used.add(name);
    return this.flags.has(name);
  }

  string(name: string): string | undefined {
    this.used.add(name);
    return this.values.get(name);
  }

  requiredString(name: string): string {
    const value = this.string(name);
    if (value === undefined || value === "") throw new InvalidInputError(`--${name} is required`, name);
    return value;
  }

  choice<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const value = this.string(name) ?? fallback;
    if (!(choices as readonly string[]).includes(value)) {
      throw new InvalidInputError(`--${name} must be one of ${choices.join(", ")}, got '${value}'`, name);
    }
    return value as T;
  }

  number(name: string): number | undefined {
    const text = this.string(name);
    if (text === undefined) return undefined;
    const value = Number(text);
    if (text.trim() === "" || !Number.isFinite(value))
      throw new InvalidInputError(`--${name} must be a number, got '${text}'`, name);
    return value;
  }

  integer(name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const value = this.number(name);
    if (value === undefined) return undefined;
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new InvalidInputError(`--${name} must be an integer from ${min} to ${max}, got ${value}`, name);
    }
    return value;
  }

  requiredInteger(name: string, min: number, max?: number): number {
    const value = this.integer(name, min, max);
    if (value === undefined) throw new InvalidInputError(`--${name} is required`, name);
    return value;
  }

  /** Fails on any option the command did not read: a typo must not be silently ignored. */
  rejectUnknown(): void {
    for (const name of [...this.values.keys(), ...this.flags]) {
      if (!this.used.has(name)) throw new InvalidInputError(`unknown option --${name}`, name);
    }
  }
}
