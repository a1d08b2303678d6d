import { setTimeout as delay } from "node:timers/promises";
import type { Admin } from "@platformatic/kafka";
import { DependencyError } from "../../../domain/errors/domain-errors.ts";
import { KAFKA_DEPENDENCY, kafkaErrorIds, toKafkaError } from "./kafka-errors.ts";

export interface TopicDefinition {
  readonly topic: string;
  readonly partitions: number;
  /** @default the cluster's default.replication.factor (-1 asks the broker to apply it, Kafka 2.4+) */
  readonly replicationFactor?: number;
  /** Topic-level settings, e.g. `{ "retention.ms": "86400000" }`. */
  readonly configs?: Readonly<Record<string, string>>;
  /** How long to wait for every partition to have a serving leader. @default 30_000 */
  readonly readyTimeoutMs?: number;
}

/**
 * Creates a topic (for local provisioning and tests; in AWS the topic belongs to the infrastructure) and
 * waits until every partition has a leader that serves it, so the first produce or fetch does not meet
 * UNKNOWN_TOPIC_OR_PARTITION or NOT_LEADER_OR_FOLLOWER. A topic that already exists is left as it is: calling this twice is safe.
 */
export async function createTopic(admin: Admin, definition: TopicDefinition): Promise<void> {
  try {
    await admin.createTopics({
      topics: [definition.topic],
      partitions: definition.partitions,
      replicas: definition.replicationFactor ?? -1,
      configs: Object.entries(definition.configs ?? {}).map(([name, value]) => ({ name, value })),
    });
  } catch (error) {
    if (!kafkaErrorIds(error).includes("TOPIC_ALREADY_EXISTS")) {
      throw toKafkaError(error, `CreateTopics ${definition.topic}`);
    }
  }
  const deadline = performance.now() + (definition.readyTimeoutMs ?? 30_000);
  for (;;) {
    try {
      const metadata = await admin.metadata({ topics: [definition.topic], forceUpdate: true });
      const topic = metadata.topics.get(definition.topic);
      if (
        topic !== undefined &&
        topic.partitions.length > 0 &&
        topic.partitions.every((p) => p.leader >= 0)
      ) {
        // A leader in the metadata is not yet a leader serving the partition (NOT_LEADER_OR_FOLLOWER for a
        // moment after creation): ready once every partition answers ListOffsets.
        await admin.listOffsets({
          topics: [
            {
              name: definition.topic,
              partitions: topic.partitions.map((_, partitionIndex) => ({ partitionIndex, timestamp: -1n })),
            },
          ],
        });
        return;
      }
    } catch {
      // Not propagated yet (UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE, NOT_LEADER_OR_FOLLOWER): ask again.
    }
    if (performance.now() >= deadline) {
      throw new DependencyError(
        KAFKA_DEPENDENCY,
        `topic ${definition.topic} has no leader for every partition yet`,
      );
    }
    await delay(50);
  }
}

/** Deletes a topic; one that does not exist is no error. */
export async function deleteTopic(admin: Admin, topic: string): Promise<void> {
  try {
    await admin.deleteTopics({ topics: [topic] });
  } catch (error) {
    if (!kafkaErrorIds(error).includes("UNKNOWN_TOPIC_OR_PARTITION"))
      throw toKafkaError(error, `DeleteTopics ${topic}`);
  }
}
