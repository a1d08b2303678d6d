import {
  INTERACTION_FORMATS,
  type LoadedInteractions,
  loadInteractionsFromFile,
} from "../../layers/domain/interactions/interaction-loader.ts";
import type { CliOptions } from "../cli-arguments.ts";

export const INPUT_OPTIONS_HELP = `  --input FILE         interactions file
  --format F           ${INTERACTION_FORMATS.join(" | ")} (default csv)
  --skip-malformed     skip and count malformed rows instead of stopping at the first`;

/** Loads the interactions named by --input/--format, reporting skipped rows on stderr. */
export async function loadInputFrom(options: CliOptions): Promise<LoadedInteractions> {
  const input = options.requiredString("input");
  const format = options.choice("format", INTERACTION_FORMATS, "csv");
  const skip = options.flag("skip-malformed");
  const loaded = await loadInteractionsFromFile(input, { format, onMalformed: skip ? "skip" : "error" });
  if (loaded.skipped > 0) {
    process.stderr.write(`skipped ${loaded.skipped} malformed rows of ${loaded.rows + loaded.skipped}\n`);
    for (const row of loaded.skippedReasons) process.stderr.write(`  line ${row.line}: ${row.reason}\n`);
  }
  return loaded;
}
