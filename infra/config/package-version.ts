import { readFileSync } from "node:fs";
import { z } from "zod";

const PackageJsonSchema = z.object({ version: z.string().min(1) });

/** The repository's package.json version: what every deployed function reports as FLYWHEEL_VERSION. */
export function packageVersion(): string {
  const text = readFileSync(new URL("../../package.json", import.meta.url), "utf8");
  return PackageJsonSchema.parse(JSON.parse(text)).version;
}
