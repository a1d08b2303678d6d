import type { Admin, BaseOptions, ProduceResult, SendOptions } from "@platformatic/kafka";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  createKafkaAdmin,
  createKafkaProducer,
  type KafkaEventProducer,
  kafkaConnectionOptions,
  readKafkaConfig,
} from "../../../layers/adapters/aws/msk/kafka-client.ts";
import { partitionForKey } from "../../../layers/adapters/aws/msk/kafka-record-batches.ts";
import { KafkaTopicReader, type TopicMark } from "../../../layers/adapters/aws/msk/kafka-topic-reader.ts";
import { createTopic, deleteTopic } from "../../../layers/adapters/aws/msk/kafka-topics.ts";
import { MskEventBus } from "../../../layers/adapters/aws/msk/msk-event-bus.ts";
import { DependencyError } from "../../../layers/domain/errors/domain-errors.ts";
import type { StreamEvent } from "../../../layers/ports/event-bus.ts";
import { waitForKafka } from "../../../local/cloud/kafka/wait-for-kafka.ts";
import { describeEventBusContract } from "../../contract/event-bus-contract.ts";
import { uniqueId } from "../../contract/unique-id.ts";

// The MSK event bus against a real Kafka broker (the local cloud's KRaft node, FLYWHEEL_KAFKA_BROKERS), on
// a topic of its own with several partitions, read back partition by partition with Fetch at the offsets
// noted when each test began. The broker boots in the background while other suites run; this file waits
// for it. FLYWHEEL_KAFKA=off skips it (documented in docs/testing.md); a broker that cannot start fails it.

const kafka = inject("localCloudKafka");
const PARTITIONS = 4;
const topic = uniqueId("flywheel-it");
/** The first run on a machine assembles the broker from Maven Central (about a minute) before it boots. */
const BROKER_WAIT_MS = 240_000;

let admin: Admin | undefined;
let connection: BaseOptions | undefined;
const closeables: Array<{ close(): Promise<void> }> = [];

function settings(): BaseOptions {
  if (connection === undefined) throw new Error("the Kafka connection is set up in beforeAll");
  return connection;
}

function bus(options: Partial<ConstructorParameters<typeof MskEventBus>[0]> = {}): MskEventBus {
  const created = new MskEventBus({ connection: settings(), topic, ...options });
  closeables.push(created);
  return created;
}

function reader(): KafkaTopicReader {
  const created = new KafkaTopicReader({ connection: settings(), topic });
  closeables.push(created);
  return created;
}

function decode(value: Buffer): StreamEvent {
  return JSON.parse(value.toString("utf8")) as StreamEvent;
}

function eventsOf(userId: string, count: number, extra: Partial<StreamEvent> = {}): StreamEvent[] {
  const now = Date.now();
  return Array.from({ length: count }, (_, i) => ({
    eventId: `${userId}-event-${i}`,
    userId,
    itemId: `item-${i}`,
    type: "click" as const,
    timestamp: now - 1000 + i,
    receivedAt: now,
    ...extra,
  }));
}

async function delivered(mark: TopicMark, userIds: readonly string[], count: number) {
  const users = new Set(userIds);
  return reader().read(mark, {
    expectedCount: count,
    select: (record) => record.key !== undefined && users.has(record.key),
  });
}

describe.skipIf(kafka.state === "off")("MskEventBus on a Kafka broker", () => {
  beforeAll(async () => {
    if (kafka.state !== "launched") return;
    await waitForKafka({ brokers: kafka.brokers, statusFile: kafka.statusFile, timeoutMs: BROKER_WAIT_MS });
    // What a Lambda function would do at module load: the broker list and auth mode come from the env.
    connection = kafkaConnectionOptions(readKafkaConfig());
    admin = createKafkaAdmin(connection);
    await createTopic(admin, { topic, partitions: PARTITIONS });
  }, BROKER_WAIT_MS + 30_000);

  afterAll(async () => {
    await Promise.allSettled(closeables.splice(0).map((each) => each.close()));
    if (admin !== undefined) {
      await deleteTopic(admin, topic).catch(() => {});
      await admin.close();
    }
  });

  describeEventBusContract("msk (local Kafka)", async () => {
    const topicReader = new KafkaTopicReader({ connection: settings(), topic });
    const mark = await topicReader.mark();
    const subject = bus();
    return {
      subject,
      maxRecordBytes: subject.recordLimitBytes,
      readPublished: async (userIds, expectedCount) => {
        const users = new Set(userIds);
        const records = await topicReader.read(mark, {
          expectedCount,
          select: (record) => record.key !== undefined && users.has(record.key),
        });
        return records.map((record) => decode(record.value));
      },
      cleanup: () => topicReader.close(),
    };
  });

  it("keeps each user in one partition, in publish order, while users spread over every partition", async () => {
    const mark = await reader().mark();
    const users = Array.from({ length: 24 }, () => uniqueId("user"));
    const published: StreamEvent[] = [];
    const publisher = bus();
    for (let call = 0; call < 4; call++) {
      // Users interleaved within each call, as in a real request: event 0 of every user, then event 1, …
      const perUser = users.map((userId) => eventsOf(userId, 5, { itemId: `call-${call}` }));
      const batch = perUser[0]?.flatMap((_, i) => perUser.map((events) => events[i] as StreamEvent)) ?? [];
      for (const event of batch) Object.assign(event, { eventId: `${event.eventId}-call-${call}` });
      expect(await publisher.publish(batch)).toEqual({ failed: [] });
      published.push(...batch);
    }
    const records = await delivered(mark, users, published.length);
    expect(records).toHaveLength(published.length);
    for (const userId of users) {
      const own = records.filter((record) => record.key === userId);
      expect(new Set(own.map((record) => record.partition))).toEqual(
        new Set([partitionForKey(userId, PARTITIONS)]),
      );
      expect(own.map((record) => decode(record.value).eventId)).toEqual(
        published.filter((event) => event.userId === userId).map((event) => event.eventId),
      );
    }
    expect(new Set(records.map((record) => record.partition)).size).toBe(PARTITIONS);
  });

  it("writes key = userId and value = the event's JSON", async () => {
    const mark = await reader().mark();
    const userId = uniqueId("user");
    const [event] = eventsOf(userId, 1, { context: { page: "home", ü: "ß" } });
    if (event === undefined) throw new Error("no event");
    expect(await bus().publish([event])).toEqual({ failed: [] });
    const [record] = await delivered(mark, [userId], 1);
    expect(record?.key).toBe(userId);
    expect(record?.value.toString("utf8")).toBe(JSON.stringify(event));
  });

  it("appends a record exactly at the record limit, and refuses one byte more without sending it", async () => {
    const publisher = bus();
    const limit = publisher.recordLimitBytes;
    const userId = uniqueId("user");
    const [base] = eventsOf(userId, 1);
    if (base === undefined) throw new Error("no event");
    const withBlob = (eventId: string, length: number): StreamEvent => ({
      ...base,
      eventId,
      context: { blob: "x".repeat(length) },
    });
    const recordBytes = (event: StreamEvent) =>
      Buffer.byteLength(JSON.stringify(event)) + Buffer.byteLength(userId);
    const padding = limit - recordBytes(withBlob(`${userId}-at`, 0));
    const atLimit = withBlob(`${userId}-at`, padding);
    const overLimit = withBlob(`${userId}-ov`, padding + 1);
    expect(recordBytes(atLimit)).toBe(limit);
    expect(recordBytes(overLimit)).toBe(limit + 1);
    const mark = await reader().mark();
    const result = await publisher.publish([overLimit, atLimit]);
    expect(result.failed.map((failure) => failure.index)).toEqual([0]);
    expect(result.failed[0]?.reason).toMatch(/record limit/);
    const records = await delivered(mark, [userId], 1);
    expect(records.map((record) => decode(record.value).eventId)).toEqual([atLimit.eventId]);
  });

  it("sends at most 500 records per send, and keeps each send's batch under max.message.bytes", async () => {
    const sends: number[][] = [];
    const publisher = bus({ createProducer: (options) => recordingProducer(options, sends) });
    expect(await publisher.publish(eventsOf(uniqueId("user"), 1001))).toEqual({ failed: [] });
    expect(sends.map((send) => send.length)).toEqual([500, 500, 1]);
    sends.length = 0;
    // Three of these fit in one 1 MB batch, a fourth would not.
    const bulky = eventsOf(uniqueId("user"), 5, { context: { blob: "b".repeat(300_000) } });
    expect(await publisher.publish(bulky)).toEqual({ failed: [] });
    expect(sends.map((send) => send.length)).toEqual([3, 2]);
  });

  it("uses an idempotent producer (a producer id from the broker, acks=all)", async () => {
    let producer: KafkaEventProducer | undefined;
    const publisher = bus({
      createProducer: (options) => {
        producer = createKafkaProducer(options);
        return producer;
      },
    });
    expect(await publisher.publish(eventsOf(uniqueId("user"), 2))).toEqual({ failed: [] });
    expect(typeof producer?.producerId).toBe("bigint");
    expect(producer?.producerId).toBeGreaterThanOrEqual(0n);
  });

  it("throws DependencyError for a topic that does not exist (topics are never created by a produce)", async () => {
    const missing = bus({ topic: uniqueId("no-such-topic"), maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 });
    await expect(missing.publish(eventsOf(uniqueId("user"), 1))).rejects.toBeInstanceOf(DependencyError);
  });

  it("reads a topic from the beginning as well as from a mark", async () => {
    const userId = uniqueId("user");
    const events = eventsOf(userId, 3);
    expect(await bus().publish(events)).toEqual({ failed: [] });
    const fromStart = await delivered(reader().markBeginning(), [userId], 3);
    expect(fromStart.map((record) => decode(record.value))).toEqual(events);
  });
});

type ProducerSend = (options: SendOptions<string, Buffer, string, string>) => Promise<ProduceResult>;

/** A real producer whose sends are noted (the value sizes of each send's records) before they go out. */
function recordingProducer(options: BaseOptions, sends: number[][]): KafkaEventProducer {
  const producer = createKafkaProducer(options);
  const send: ProducerSend = producer.send.bind(producer);
  const noted: ProducerSend = (sendOptions) => {
    sends.push(sendOptions.messages.map((message) => message.value?.byteLength ?? 0));
    return send(sendOptions);
  };
  return Object.assign(producer, { send: noted });
}
