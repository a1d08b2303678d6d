import type { EventType } from "../domain/interactions/event-types.ts";

/** An accepted client event on its way to the stream. */
export interface StreamEvent {
  readonly eventId: string;
  readonly userId: string;
  readonly itemId: string;
  readonly type: EventType;
  readonly value?: number;
  /** Epoch ms. */
  readonly timestamp: number;
  readonly recommendationId?: string;
  readonly context?: Readonly<Record<string, unknown>>;
  /** When the API received it, epoch ms. */
  readonly receivedAt: number;
}

export interface PublishResult {
  /** Positions (in the published array) that could not be delivered after retries, with the reason. */
  readonly failed: ReadonlyArray<{ readonly index: number; readonly reason: string }>;
}

/** Publishes events to the stream, partitioned by userId so one user's events stay in order. */
export interface EventBus {
  publish(events: readonly StreamEvent[]): Promise<PublishResult>;
}
