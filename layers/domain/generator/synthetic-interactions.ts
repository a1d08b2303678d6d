import { createWriteStream, type WriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { finished } from "node:stream/promises";
import type { EventType } from "../interactions/event-types.ts";
import {
  eventTypeOfCode,
  SyntheticActivityEngine,
  type SyntheticInteractionOptions,
} from "./synthetic-activity.ts";
import { itemIdOf, userIdOf } from "./synthetic-catalog.ts";
import { SyntheticCsvEncoder } from "./synthetic-csv-encoder.ts";

export type { SyntheticInteractionOptions } from "./synthetic-activity.ts";
export { generateCatalog, type SyntheticCatalogOptions } from "./synthetic-catalog.ts";

export interface SyntheticInteraction {
  readonly userId: string;
  readonly itemId: string;
  readonly eventType: EventType;
  /** The rating (1..5) of a rate event; undefined for the others. */
  readonly value: number | undefined;
  /** Epoch seconds. */
  readonly timestamp: number;
}

export interface SyntheticCsvResult {
  readonly rows: number;
  readonly bytes: number;
}

export type SyntheticCsvProgress = (writtenRows: number, totalRows: number) => void;

export const SYNTHETIC_CSV_HEADER = "user_id,item_id,value,timestamp,event_type";

/**
 * Synthetic interactions, deterministic for a seed: users in order, each user's rows in time order.
 * Options are validated at the call, not at the first `next()`.
 */
export function generateInteractions(
  options: SyntheticInteractionOptions,
): IterableIterator<SyntheticInteraction> {
  return iterateInteractions(new SyntheticActivityEngine(options));
}

function* iterateInteractions(
  engine: SyntheticActivityEngine,
): Generator<SyntheticInteraction, void, undefined> {
  for (let user = 0; user < engine.users; user++) {
    const rows = engine.generateUser(user);
    const userId = userIdOf(user);
    for (let r = 0; r < rows; r++) {
      const value = engine.batchValue[r] as number;
      yield {
        userId,
        itemId: itemIdOf(engine.batchItem[r] as number),
        eventType: eventTypeOfCode(engine.batchType[r] as number),
        value: value === 0 ? undefined : value,
        timestamp: engine.batchTimestamp[r] as number,
      };
    }
  }
}

const CHUNK_BYTES = 1 << 20;

/**
 * Streams synthetic interactions to `outPath` as CSV (the `csv` loader format, with event_type), honouring
 * backpressure. The file appears complete or not at all: it is written beside the target and renamed at the end.
 */
export async function writeInteractionsCsv(
  options: SyntheticInteractionOptions,
  outPath: string,
  onProgress?: SyntheticCsvProgress,
): Promise<SyntheticCsvResult> {
  const engine = new SyntheticActivityEngine(options);
  const total = engine.options.interactions;
  const encoder = new SyntheticCsvEncoder(CHUNK_BYTES);
  const partialPath = `${outPath}.${process.pid}.partial`;
  // Room for a few chunks, so generation continues while the disk catches up.
  const stream = createWriteStream(partialPath, { highWaterMark: 4 * CHUNK_BYTES });
  // A listener at all times: an error between two writes is kept for the next one instead of crashing the process.
  let failure: unknown;
  stream.on("error", (error) => {
    failure ??= error;
  });
  let bytes = 0;
  let written = 0;
  const flush = async (chunk: Buffer): Promise<void> => {
    if (failure !== undefined) throw failure;
    bytes += chunk.length;
    if (!stream.write(chunk)) await drained(stream, () => failure);
  };
  try {
    encoder.writeText(`${SYNTHETIC_CSV_HEADER}\n`);
    for (let user = 0; user < engine.users; user++) {
      const rows = engine.generateUser(user);
      if (!encoder.fits(rows)) {
        await flush(encoder.take(rows));
        onProgress?.(written, total);
      }
      encoder.encodeUser(user, engine, rows);
      written += rows;
    }
    if (encoder.pendingBytes > 0) await flush(encoder.take());
    stream.end();
    await finished(stream);
    await rename(partialPath, outPath);
  } catch (error) {
    await discard(stream, partialPath);
    throw error;
  }
  onProgress?.(written, total);
  return { rows: written, bytes };
}

/** Resolves when the stream wants more data; rejects if it fails or closes first. */
function drained(stream: WriteStream, failure: () => unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    if (stream.destroyed) {
      reject(failure() ?? new Error("the output stream closed before everything was written"));
      return;
    }
    const settle = (error?: unknown): void => {
      stream.off("drain", onDrain);
      stream.off("error", onError);
      stream.off("close", onClose);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onDrain = (): void => settle();
    const onError = (error: unknown): void => settle(error);
    const onClose = (): void =>
      settle(failure() ?? new Error("the output stream closed before everything was written"));
    stream.on("drain", onDrain);
    stream.on("error", onError);
    stream.on("close", onClose);
  });
}

/** Closes the stream (an open still in flight would otherwise create the file after it was removed) and deletes it. */
async function discard(stream: WriteStream, path: string): Promise<void> {
  if (!stream.closed) {
    const closed = new Promise<void>((resolve) => stream.once("close", () => resolve()));
    stream.destroy();
    await closed;
  }
  await rm(path, { force: true });
}
