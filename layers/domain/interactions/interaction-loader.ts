import { open } from "node:fs/promises";
import { InvalidInputError } from "../errors/domain-errors.ts";
import { DEFAULT_EVENT_WEIGHTS, type EventWeights } from "./event-types.ts";
import { type InteractionFormat, interactionFormatSpec } from "./interaction-formats.ts";
import {
  InteractionRowParser,
  type LoadedInteractions,
  type MalformedRowPolicy,
} from "./interaction-row-parser.ts";

export { INTERACTION_FORMATS, type InteractionFormat, isInteractionFormat } from "./interaction-formats.ts";
export type { LoadedInteractions, MalformedRowPolicy, SkippedRow } from "./interaction-row-parser.ts";

export interface InteractionLoadOptions {
  /** @default "csv" */
  readonly format?: InteractionFormat;
  /** "error" stops at the first malformed row; "skip" leaves it out and counts it. @default "error" */
  readonly onMalformed?: MalformedRowPolicy;
  /** Event-type weights for files with an event_type column. @default DEFAULT_EVENT_WEIGHTS */
  readonly weights?: EventWeights;
  /** "Now" in epoch seconds for the future-timestamp check (tests pin it). @default the clock */
  readonly nowSeconds?: number;
}

const CHUNK_BYTES = 1 << 20;
const NEWLINE = 10;

function createParser(options: InteractionLoadOptions, sourceName: string): InteractionRowParser {
  const onMalformed = options.onMalformed ?? "error";
  if (onMalformed !== "error" && onMalformed !== "skip") {
    throw new InvalidInputError(
      `onMalformed must be "error" or "skip", got "${String(onMalformed)}"`,
      "onMalformed",
    );
  }
  return new InteractionRowParser({
    spec: interactionFormatSpec(options.format ?? "csv"),
    onMalformed,
    weights: options.weights ?? DEFAULT_EVENT_WEIGHTS,
    nowSeconds: options.nowSeconds ?? Date.now() / 1000,
    sourceName,
  });
}

/** Parses interactions held in memory (small inputs, tests). */
export function parseInteractions(text: string, options: InteractionLoadOptions = {}): LoadedInteractions {
  const parser = createParser(options, "input");
  const bytes = Buffer.from(text, "utf8");
  parser.feed(bytes, 0, bytes.length);
  return parser.finish();
}

/**
 * Streams an interactions file into an InteractionTable. The file is read in 1 MiB chunks cut at the last
 * newline and parsed as bytes, so memory holds the table and one chunk, never the whole text.
 */
export async function loadInteractionsFromFile(
  path: string,
  options: InteractionLoadOptions = {},
): Promise<LoadedInteractions> {
  const parser = createParser(options, path);
  const handle = await openForReading(path);
  try {
    let buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    let carried = 0;
    for (;;) {
      if (carried === buffer.length) {
        // One line longer than the buffer: grow rather than split it.
        const larger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(larger, 0, 0, carried);
        buffer = larger;
      }
      const { bytesRead } = await handle.read(buffer, carried, buffer.length - carried, null);
      if (bytesRead === 0) break;
      const filled = carried + bytesRead;
      const lastNewline = buffer.lastIndexOf(NEWLINE, filled - 1);
      if (lastNewline === -1) {
        carried = filled;
        continue;
      }
      parser.feed(buffer, 0, lastNewline + 1);
      carried = filled - lastNewline - 1;
      buffer.copy(buffer, 0, lastNewline + 1, filled);
    }
    if (carried > 0) parser.feed(buffer, 0, carried);
  } catch (error) {
    throw translateReadError(error, path);
  } finally {
    await handle.close();
  }
  return parser.finish();
}

async function openForReading(path: string) {
  try {
    return await open(path, "r");
  } catch (error) {
    throw translateReadError(error, path);
  }
}

function translateReadError(error: unknown, path: string): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "ENOENT") return new InvalidInputError(`interactions file ${path} does not exist`, "path");
  if (code === "EISDIR")
    return new InvalidInputError(`${path} is a directory, not an interactions file`, "path");
  if (code === "EACCES" || code === "EPERM") {
    return new InvalidInputError(`interactions file ${path} cannot be read (permission denied)`, "path");
  }
  return error;
}
