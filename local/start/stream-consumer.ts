import type { LocalStreamingPath } from "../runtime/local-streaming-path.ts";

/** What the local runtime needs of whichever stream consumer runs: Kinesis polled, or the embedded bus. */
export interface StreamConsumer {
  /** Records handled so far (client events and impressions). */
  processed(): number;
  /** Resolves once everything published before the call has been handled. */
  whenIdle(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** The local event-source mapping over kinesis-mock (the stream Lambda's and the archive Lambda's). */
export function kinesisStreamConsumer(path: LocalStreamingPath): StreamConsumer {
  return {
    processed: () => path.poller.stats().records,
    whenIdle: (timeoutMs) => path.whenIdle(timeoutMs),
    stop: () => path.stop(),
  };
}
