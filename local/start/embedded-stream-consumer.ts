import { setTimeout as delay } from "node:timers/promises";
import type { InMemoryEventBus } from "../../layers/adapters/embedded/in-memory-event-bus.ts";
import { archiveEvents } from "../../layers/domain/archive/archive-events.ts";
import {
  type PositionedEvent,
  processStreamBatch,
  type StreamingDependencies,
} from "../../layers/domain/streaming/process-stream-batch.ts";
import type { ArchiveStore } from "../../layers/ports/archive-store.ts";
import type { StreamConsumer } from "./stream-consumer.ts";

export interface EmbeddedStreamConsumerOptions {
  readonly bus: InMemoryEventBus;
  readonly deps: StreamingDependencies;
  readonly archive: ArchiveStore;
  /** @default 100, the ingest stack's batch size */
  readonly batchSize?: number;
  /** Attempts at a batch whose effects did not all complete before it is given up (and logged). @default 5 */
  readonly maxAttempts?: number;
  readonly log?: (line: string) => void;
}

/**
 * The stream consumer when there is no Kinesis to poll: the in-memory bus is read like an event-source
 * mapping reads a shard (peek a batch, apply it, acknowledge it), through the same domain step the stream
 * Lambda runs, and each batch is archived as the archive Lambda would. A batch that fails is delivered
 * again after a pause, up to `maxAttempts`, as with a Kinesis mapping's bounded retries.
 */
export function startEmbeddedStreamConsumer(options: EmbeddedStreamConsumerOptions): StreamConsumer {
  const { bus, deps, archive } = options;
  const batchSize = options.batchSize ?? 100;
  const maxAttempts = options.maxAttempts ?? 5;
  const log = options.log ?? ((line: string) => console.warn(line));
  let processed = 0;
  let position = 0;
  let stopped = false;
  let wake: (() => void) | undefined;
  const unsubscribe = bus.subscribe(() => wake?.());

  const loop = (async () => {
    let attempts = 0;
    while (!stopped) {
      const batch = bus.peek(batchSize);
      if (batch.length === 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
        continue;
      }
      const delivered: PositionedEvent[] = batch.map((event, index) => ({
        position: String(position + index),
        event,
      }));
      let failed = batch.length;
      try {
        const outcome = await processStreamBatch(deps, delivered);
        await archiveEvents(archive, `embedded-${position}`, batch);
        const firstFailed = delivered.findIndex((entry) => outcome.failedPositions.includes(entry.position));
        failed = firstFailed < 0 ? 0 : batch.length - firstFailed;
      } catch (error) {
        log(`embedded stream consumer: batch at ${position} failed: ${String(error)}`);
      }
      attempts = failed === 0 ? 0 : attempts + 1;
      const done = failed === 0 || attempts >= maxAttempts ? batch.length : batch.length - failed;
      if (failed > 0 && attempts >= maxAttempts) {
        log(`embedded stream consumer: gave up on ${failed} events after ${attempts} attempts`);
        attempts = 0;
      }
      bus.acknowledge(done);
      processed += done;
      position += done;
      if (done < batch.length) await delay(100 * attempts);
    }
  })();

  return {
    processed: () => processed,
    whenIdle: async (timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      while (bus.pending > 0) {
        if (Date.now() > deadline)
          throw new Error(`the embedded stream consumer was not idle in ${timeoutMs} ms`);
        await delay(10);
      }
    },
    stop: async () => {
      stopped = true;
      unsubscribe();
      wake?.();
      await loop;
    },
  };
}
