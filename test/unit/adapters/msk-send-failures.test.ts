import type { ClusterMetadata, MetadataOptions, ProduceResult, SendOptions } from "@platformatic/kafka";
import { ResponseError } from "@platformatic/kafka";
import { describe, expect, it } from "vitest";
import {
  kafkaErrorIds,
  needsNewProducer,
  readSendFailure,
  toKafkaError,
} from "../../../layers/adapters/aws/msk/kafka-errors.ts";
import { partitionForKey } from "../../../layers/adapters/aws/msk/kafka-record-batches.ts";
import { type EventProducer, MskEventBus } from "../../../layers/adapters/aws/msk/msk-event-bus.ts";
import { DependencyError, ThrottledError } from "../../../layers/domain/errors/domain-errors.ts";
import type { StreamEvent } from "../../../layers/ports/event-bus.ts";

// How the MSK event bus reads a failed send and what it sends again, with a stand-in producer that answers
// as the client does (its errors are the client's own classes, built from Produce responses). The real
// broker paths (appends, oversize, order, a frozen or stopped broker) are in the integration tier.

const TOPIC = "events";
const PARTITIONS = 2;

/** A Produce response error as the client raises it, for the partitions and codes given. */
function produceError(partitions: Array<{ index: number; errorCode: number; batchIndexes?: number[] }>) {
  const response = {
    responses: [
      {
        name: "events",
        partitionResponses: partitions.map((p) => ({
          index: p.index,
          errorCode: p.errorCode,
          baseOffset: -1n,
          logAppendTimeMs: -1n,
          logStartOffset: -1n,
          recordErrors: (p.batchIndexes ?? []).map((batchIndex) => ({
            batchIndex,
            batchIndexErrorMessage: `record ${batchIndex} is bad`,
          })),
          errorMessage: null,
        })),
      },
    ],
    throttleTimeMs: 0,
  };
  const errors = Object.fromEntries(
    partitions.flatMap((p, j) =>
      p.errorCode === 0
        ? []
        : [[`/responses/0/partition_responses/${j}`, [p.errorCode, null] as [number, null]]],
    ),
  );
  return new ResponseError(0, 11, errors, response);
}

describe("Kafka client errors", () => {
  it("reads which partitions a failed send appended and which it refused, with KIP-467 record errors", () => {
    const error = Object.assign(
      produceError([
        { index: 0, errorCode: 0 },
        { index: 1, errorCode: 87, batchIndexes: [2] }, // INVALID_RECORD
        { index: 2, errorCode: 6 }, // NOT_LEADER_OR_FOLLOWER
      ]),
      { produced: { offsets: [{ topic: "events", partition: 3, offset: 10n }] } },
    );
    const report = readSendFailure(error);
    expect([...report.acknowledged].sort()).toEqual(["events:0", "events:3"]);
    expect(report.refused.get("events:1")?.errorId).toBe("INVALID_RECORD");
    expect(report.refused.get("events:1")?.recordErrors.get(2)).toBe("record 2 is bad");
    expect(report.refused.get("events:2")?.errorId).toBe("NOT_LEADER_OR_FOLLOWER");
    expect(kafkaErrorIds(error)).toEqual(
      expect.arrayContaining(["INVALID_RECORD", "NOT_LEADER_OR_FOLLOWER"]),
    );
  });

  it("a network failure reports no partition at all", () => {
    const report = readSendFailure(new Error("connect ECONNREFUSED 127.0.0.1:9092"));
    expect(report.acknowledged.size).toBe(0);
    expect(report.refused.size).toBe(0);
  });

  it("maps failures to domain errors: throttling, permanent refusals, transient ones", () => {
    expect(toKafkaError(produceError([{ index: 0, errorCode: 89 }]), "Produce")).toBeInstanceOf(
      ThrottledError,
    );
    const denied = toKafkaError(produceError([{ index: 0, errorCode: 29 }]), "Produce"); // TOPIC_AUTHORIZATION_FAILED
    expect(denied).toBeInstanceOf(DependencyError);
    expect((denied as DependencyError).retryable).toBe(false);
    const moving = toKafkaError(produceError([{ index: 0, errorCode: 6 }]), "Produce");
    expect((moving as DependencyError).retryable).toBe(true);
    expect(moving.message).toMatch(/NOT_LEADER_OR_FOLLOWER/);
    expect((toKafkaError(new Error("socket hang up"), "Produce") as DependencyError).retryable).toBe(true);
  });

  it("knows when the idempotent producer must be replaced", () => {
    expect(needsNewProducer(produceError([{ index: 0, errorCode: 45 }]))).toBe(true); // OUT_OF_ORDER_SEQUENCE_NUMBER
    expect(needsNewProducer(produceError([{ index: 0, errorCode: 59 }]))).toBe(true); // UNKNOWN_PRODUCER_ID
    expect(needsNewProducer(produceError([{ index: 0, errorCode: 6 }]))).toBe(false);
  });
});

type Message = { key: string; partition: number; eventId: string };
type SendBehaviour = (call: number, messages: readonly Message[]) => Promise<ProduceResult>;

/** Stand-in producers: every send is noted, and answered by `behaviour`; counts the producers made. */
function standIn(behaviour: SendBehaviour) {
  const sends: Message[][] = [];
  let made = 0;
  let closed = 0;
  const factory = (): EventProducer => {
    made++;
    return {
      metadata: async (_options: MetadataOptions): Promise<ClusterMetadata> => clusterMetadata(),
      send: async (options: SendOptions<string, Buffer, string, string>): Promise<ProduceResult> => {
        const messages = options.messages.map((message) => ({
          key: message.key ?? "",
          partition: message.partition ?? -1,
          eventId: (JSON.parse(message.value?.toString("utf8") ?? "{}") as StreamEvent).eventId,
        }));
        sends.push(messages);
        return behaviour(sends.length, messages);
      },
      close: async () => {
        closed++;
      },
    };
  };
  return {
    factory,
    sends,
    producersMade: () => made,
    producersClosed: () => closed,
  };
}

function clusterMetadata(): ClusterMetadata {
  return {
    id: "cluster",
    brokers: new Map([[1, { host: "127.0.0.1", port: 9092, rack: null }]]),
    controllerId: 1,
    topics: new Map([
      [
        TOPIC,
        {
          id: "topic-id",
          partitions: Array.from({ length: PARTITIONS }, () => ({
            leader: 1,
            leaderEpoch: 0,
            replicas: [1],
            isr: [1],
            offlineReplicas: [],
          })),
          partitionsCount: PARTITIONS,
          lastUpdate: 0,
        },
      ],
    ]),
    lastUpdate: 0,
  };
}

/** A user id whose records go to `partition`. */
function userOn(partition: number): string {
  for (let i = 0; ; i++) if (partitionForKey(`user-${i}`, PARTITIONS) === partition) return `user-${i}`;
}

function eventsOf(userId: string, count: number): StreamEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    eventId: `${userId}-${i}`,
    userId,
    itemId: "item",
    type: "click" as const,
    timestamp: 1,
    receivedAt: 2,
  }));
}

const ok = async (): Promise<ProduceResult> => ({ offsets: [] });
const quick = { baseDelayMs: 1, maxDelayMs: 2 };
const connection = { clientId: "unit", bootstrapBrokers: ["127.0.0.1:9092"] };

describe("MskEventBus retries", () => {
  it("sends each record to its user's partition, computed as the Java client would", async () => {
    const producers = standIn(ok);
    const bus = new MskEventBus({ connection, topic: TOPIC, createProducer: producers.factory });
    const [a, b] = [userOn(0), userOn(1)];
    expect(await bus.publish([...eventsOf(a, 2), ...eventsOf(b, 1)])).toEqual({ failed: [] });
    expect(producers.sends).toEqual([
      [
        { key: a, partition: 0, eventId: `${a}-0` },
        { key: a, partition: 0, eventId: `${a}-1` },
        { key: b, partition: 1, eventId: `${b}-0` },
      ],
    ]);
  });

  it("sends again only the records of a refused partition, from a new producer", async () => {
    const [a, b] = [userOn(0), userOn(1)];
    const producers = standIn(async (call) => {
      if (call === 1)
        throw produceError([
          { index: 0, errorCode: 0 },
          { index: 1, errorCode: 6 },
        ]);
      return { offsets: [] };
    });
    const bus = new MskEventBus({ connection, topic: TOPIC, createProducer: producers.factory, ...quick });
    expect(await bus.publish([...eventsOf(a, 2), ...eventsOf(b, 2)])).toEqual({ failed: [] });
    expect(producers.sends.map((send) => send.map((m) => m.eventId))).toEqual([
      [`${a}-0`, `${a}-1`, `${b}-0`, `${b}-1`],
      [`${b}-0`, `${b}-1`],
    ]);
    // The client leaves its sequence numbers behind after a partly failed response: a new producer id.
    expect(producers.producersMade()).toBe(2);
    expect(producers.producersClosed()).toBe(1);
  });

  it("fails the record a broker blames (KIP-467) at its index, and sends the rest of its batch again", async () => {
    const [a, b] = [userOn(0), userOn(1)];
    const producers = standIn(async (call) => {
      // Partition 1's batch is [b-0, b-1, b-2]; the broker blames its record 1.
      if (call === 1)
        throw produceError([
          { index: 0, errorCode: 0 },
          { index: 1, errorCode: 87, batchIndexes: [1] },
        ]);
      return { offsets: [] };
    });
    const bus = new MskEventBus({ connection, topic: TOPIC, createProducer: producers.factory, ...quick });
    const events = [...eventsOf(b, 1), ...eventsOf(a, 1), ...eventsOf(b, 3).slice(1)];
    const result = await bus.publish(events);
    expect(result.failed).toEqual([{ index: 2, reason: "INVALID_RECORD: record 1 is bad" }]);
    expect(producers.sends[1]?.map((m) => m.eventId)).toEqual([`${b}-0`, `${b}-2`]);
  });

  it("fails a whole partition's records at once when the broker refuses them for good", async () => {
    const [a, b] = [userOn(0), userOn(1)];
    const producers = standIn(async () => {
      throw produceError([
        { index: 0, errorCode: 0 },
        { index: 1, errorCode: 10 },
      ]); // MESSAGE_TOO_LARGE
    });
    const bus = new MskEventBus({ connection, topic: TOPIC, createProducer: producers.factory, ...quick });
    const result = await bus.publish([...eventsOf(a, 1), ...eventsOf(b, 2)]);
    expect(result.failed.map((failure) => failure.index)).toEqual([1, 2]);
    expect(result.failed[0]?.reason).toMatch(/^MESSAGE_TOO_LARGE/);
    expect(producers.sends).toHaveLength(1);
  });

  it("reports records still refused after their attempts, with the broker's error", async () => {
    const b = userOn(1);
    const producers = standIn(async () => {
      throw produceError([{ index: 1, errorCode: 19 }]); // NOT_ENOUGH_REPLICAS
    });
    const bus = new MskEventBus({
      connection,
      topic: TOPIC,
      createProducer: producers.factory,
      maxAttempts: 3,
      ...quick,
    });
    const result = await bus.publish(eventsOf(b, 2));
    expect(result.failed.map((failure) => failure.index)).toEqual([0, 1]);
    expect(result.failed[0]?.reason).toMatch(/^NOT_ENOUGH_REPLICAS: .*\(after 3 attempts\)$/);
    expect(producers.sends).toHaveLength(3);
  });

  it("sends everything again, from the same producer, when a send reached no broker", async () => {
    const a = userOn(0);
    const producers = standIn(async (call) => {
      if (call === 1) throw new Error("connect ECONNREFUSED 127.0.0.1:9092");
      return { offsets: [] };
    });
    const bus = new MskEventBus({ connection, topic: TOPIC, createProducer: producers.factory, ...quick });
    expect(await bus.publish(eventsOf(a, 2))).toEqual({ failed: [] });
    expect(producers.sends).toHaveLength(2);
    // Same producer id and sequence numbers: if the first send did land, the broker drops the repeat.
    expect(producers.producersMade()).toBe(1);
  });

  it("throws DependencyError once a send that reaches no broker has used its attempts", async () => {
    const producers = standIn(async () => {
      throw new Error("connect ECONNREFUSED 127.0.0.1:9092");
    });
    const bus = new MskEventBus({
      connection,
      topic: TOPIC,
      createProducer: producers.factory,
      maxAttempts: 3,
      ...quick,
    });
    const failure = await bus.publish(eventsOf(userOn(0), 1)).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DependencyError);
    expect((failure as DependencyError).retryable).toBe(true);
    expect(producers.sends).toHaveLength(3);
  });

  it("throws a non-retryable DependencyError at once when the principal may not write", async () => {
    const producers = standIn(async () => {
      throw new ResponseError(0, 11, { "/": [29, null] }, { responses: [] }); // TOPIC_AUTHORIZATION_FAILED
    });
    const bus = new MskEventBus({ connection, topic: TOPIC, createProducer: producers.factory, ...quick });
    const failure = await bus.publish(eventsOf(userOn(0), 1)).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DependencyError);
    expect((failure as DependencyError).retryable).toBe(false);
    expect(producers.sends).toHaveLength(1);
  });

  it("gives up a send that does not answer by the publish timeout, and replaces the producer", async () => {
    const producers = standIn((call) => (call === 1 ? new Promise<ProduceResult>(() => {}) : ok()));
    const bus = new MskEventBus({
      connection,
      topic: TOPIC,
      createProducer: producers.factory,
      publishTimeoutMs: 50,
    });
    const failure = await bus.publish(eventsOf(userOn(0), 1)).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DependencyError);
    expect((failure as DependencyError).message).toMatch(/did not finish within 50 ms/);
    // The abandoned send may still land under the old producer id; the next publish uses a new one.
    expect(await bus.publish(eventsOf(userOn(0), 1))).toEqual({ failed: [] });
    expect(producers.producersMade()).toBe(2);
  });

  it("replaces the producer when the broker no longer knows its idempotence state", async () => {
    const producers = standIn(async (call) => {
      if (call === 1) throw new ResponseError(0, 11, { "/": [59, null] }, { responses: [] }); // UNKNOWN_PRODUCER_ID
      return { offsets: [] };
    });
    const bus = new MskEventBus({ connection, topic: TOPIC, createProducer: producers.factory, ...quick });
    expect(await bus.publish(eventsOf(userOn(1), 1))).toEqual({ failed: [] });
    expect(producers.producersMade()).toBe(2);
  });
});
