import type { EventBus, PublishResult, StreamEvent } from "../../ports/event-bus.ts";

/** Kinesis's limit on one record (data plus partition key); the embedded bus refuses what Kinesis would. */
export const KINESIS_MAX_RECORD_BYTES = 1024 * 1024;

export interface InMemoryEventBusOptions {
  /** @default 1 MiB, the Kinesis record limit */
  readonly maxRecordBytes?: number;
}

/**
 * The stream as an in-process queue. Published events are kept in publish order, so each user's events
 * stay in order (a stronger guarantee than the per-shard order Kinesis gives). The local streaming path
 * polls it like an event-source mapping: `peek` a batch, handle it, `acknowledge` it; a batch that was
 * not acknowledged is delivered again, so delivery is at least once, as on Kinesis.
 */
export class InMemoryEventBus implements EventBus {
  private readonly queue: StreamEvent[] = [];
  private readonly listeners = new Set<() => void>();
  private readonly maxRecordBytes: number;

  constructor(options: InMemoryEventBusOptions = {}) {
    this.maxRecordBytes = options.maxRecordBytes ?? KINESIS_MAX_RECORD_BYTES;
  }

  async publish(events: readonly StreamEvent[]): Promise<PublishResult> {
    const failed: Array<{ index: number; reason: string }> = [];
    const accepted: StreamEvent[] = [];
    events.forEach((event, index) => {
      const problem = this.recordProblem(event);
      if (problem === undefined) accepted.push(structuredClone(event));
      else failed.push({ index, reason: problem });
    });
    this.queue.push(...accepted);
    // Listeners run after publish returns, so a consumer never runs inside the publisher's call.
    if (accepted.length > 0) for (const listener of this.listeners) queueMicrotask(listener);
    return { failed };
  }

  /** Events published and not yet acknowledged. */
  get pending(): number {
    return this.queue.length;
  }

  /** The oldest unacknowledged events, oldest first, without removing them. */
  peek(limit = Number.POSITIVE_INFINITY): StreamEvent[] {
    return this.queue.slice(0, limit).map((event) => structuredClone(event));
  }

  /** Removes the oldest `count` events: the consumer has handled them. */
  acknowledge(count: number): void {
    this.queue.splice(0, Math.max(0, Math.min(count, this.queue.length)));
  }

  /** Takes the oldest events at once (peek + acknowledge), for consumers that cannot fail. */
  drain(limit = Number.POSITIVE_INFINITY): StreamEvent[] {
    const events = this.peek(limit);
    this.acknowledge(events.length);
    return events;
  }

  /** Calls `listener` after every publish that added events, so a poller can wait instead of spinning. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private recordProblem(event: StreamEvent): string | undefined {
    let data: string;
    try {
      data = JSON.stringify(event);
    } catch (error) {
      return `not serialisable as JSON: ${(error as Error).message}`;
    }
    const bytes = Buffer.byteLength(data, "utf8") + Buffer.byteLength(event.userId, "utf8");
    if (bytes > this.maxRecordBytes) {
      return `record is ${bytes} bytes, over the ${this.maxRecordBytes}-byte record limit`;
    }
    return undefined;
  }
}
