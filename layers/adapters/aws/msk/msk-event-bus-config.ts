import { InvalidInputError } from "../../../domain/errors/domain-errors.ts";
import { readPositiveInteger } from "../read-integer-variable.ts";
import { KAFKA_DEFAULT_MAX_MESSAGE_BYTES } from "./kafka-config.ts";

/** What the MSK event bus needs beyond the connection (readKafkaConfig). Read once at start. */
export interface MskEventBusConfig {
  readonly topic: string;
  /** @default 10_000 */
  readonly publishTimeoutMs: number;
  /** The topic's `max.message.bytes`. @default 1048588 */
  readonly maxMessageBytes: number;
}

/**
 * Reads FLYWHEEL_KAFKA_TOPIC (required), FLYWHEEL_KAFKA_PUBLISH_TIMEOUT_MS and
 * FLYWHEEL_KAFKA_MAX_MESSAGE_BYTES (set it when the topic's max.message.bytes is not Kafka's default, so
 * oversized records are refused here rather than by the broker). Fails at start, naming the variable.
 */
export function readMskEventBusConfig(env: NodeJS.ProcessEnv = process.env): MskEventBusConfig {
  const topic = env.FLYWHEEL_KAFKA_TOPIC;
  if (topic === undefined || topic === "") {
    throw new InvalidInputError("FLYWHEEL_KAFKA_TOPIC must name the events topic", "FLYWHEEL_KAFKA_TOPIC");
  }
  if (!/^[a-zA-Z0-9._-]{1,249}$/.test(topic)) {
    throw new InvalidInputError(
      `FLYWHEEL_KAFKA_TOPIC ${JSON.stringify(topic)} is not a Kafka topic name (letters, digits, . _ -)`,
      "FLYWHEEL_KAFKA_TOPIC",
    );
  }
  return {
    topic,
    publishTimeoutMs: readPositiveInteger(env, "FLYWHEEL_KAFKA_PUBLISH_TIMEOUT_MS", 10_000),
    maxMessageBytes: readPositiveInteger(
      env,
      "FLYWHEEL_KAFKA_MAX_MESSAGE_BYTES",
      KAFKA_DEFAULT_MAX_MESSAGE_BYTES,
    ),
  };
}
