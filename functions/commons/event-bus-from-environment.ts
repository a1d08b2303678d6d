import { createKinesisClient } from "../../layers/adapters/aws/kinesis/kinesis-client.ts";
import { KinesisEventBus } from "../../layers/adapters/aws/kinesis/kinesis-event-bus.ts";
import { type KafkaConfig, readKafkaConfig } from "../../layers/adapters/aws/msk/kafka-config.ts";
import {
  type MskEventBusConfig,
  readMskEventBusConfig,
} from "../../layers/adapters/aws/msk/msk-event-bus-config.ts";
import { InvalidInputError } from "../../layers/domain/errors/domain-errors.ts";
import type { EventBus } from "../../layers/ports/event-bus.ts";

/** Which stream carries events: `kinesis` (default) or `msk` (the Kafka option). */
export const EVENT_BUS_KIND_VARIABLE = "FLYWHEEL_EVENT_BUS";
/**
 * Not a run-time variable: the function construct replaces `process.env.FLYWHEEL_BUNDLED_EVENT_BUS` in the
 * bundle with the stage's bus kind (infra/bundling, `bundledEventBusDefine`), so that a Kinesis stage's
 * bundles leave the Kafka client out (about 600 KB). Unreplaced (tests, the local runtime) both buses work.
 */
export const BUNDLED_EVENT_BUS_VARIABLE = "FLYWHEEL_BUNDLED_EVENT_BUS";
export const EVENT_STREAM_NAME_VARIABLE = "FLYWHEEL_EVENT_STREAM_NAME";

/**
 * The event bus the environment names, built once per cold start. Kinesis needs FLYWHEEL_EVENT_STREAM_NAME
 * (set by the data stack's grantEventPublish); MSK needs the Kafka variables (readKafkaConfig and
 * readMskEventBusConfig). A missing variable fails the cold start, naming it.
 */
export function eventBusFromEnvironment(env: NodeJS.ProcessEnv = process.env): EventBus {
  const kind = env[EVENT_BUS_KIND_VARIABLE] ?? "kinesis";
  if (kind === "kinesis") {
    const streamName = env[EVENT_STREAM_NAME_VARIABLE];
    if (streamName === undefined || streamName === "") {
      throw new InvalidInputError(
        `${EVENT_STREAM_NAME_VARIABLE} must name the event stream`,
        EVENT_STREAM_NAME_VARIABLE,
      );
    }
    return new KinesisEventBus({ client: createKinesisClient(), stream: { streamName } });
  }
  if (kind === "msk") return mskEventBus(readKafkaConfig(env), readMskEventBusConfig(env));
  throw new InvalidInputError(
    `${EVENT_BUS_KIND_VARIABLE} must be kinesis or msk, got ${JSON.stringify(kind)}`,
    EVENT_BUS_KIND_VARIABLE,
  );
}

/**
 * The Kafka client library is imported only here, dynamically: loading it costs about 300 ms (it compiles
 * JSON schemas), which a Kinesis deployment would otherwise pay on every cold start for a client it never
 * uses. The import starts at once, so an MSK deployment still loads it during its cold start, not on its
 * first request; the configuration has been checked before. A bundle built for a Kinesis stage has no Kafka
 * client at all: the condition below is then constant and esbuild drops the branch with its imports.
 */
function mskEventBus(kafka: KafkaConfig, config: MskEventBusConfig): EventBus {
  // Spelled out (not through BUNDLED_EVENT_BUS_VARIABLE): esbuild's define replaces this exact expression.
  if (process.env.FLYWHEEL_BUNDLED_EVENT_BUS !== "kinesis") {
    const bus = Promise.all([
      import("../../layers/adapters/aws/msk/kafka-client.ts"),
      import("../../layers/adapters/aws/msk/msk-event-bus.ts"),
    ]).then(
      ([{ kafkaConnectionOptions }, { MskEventBus }]) =>
        new MskEventBus({
          connection: kafkaConnectionOptions(kafka),
          topic: config.topic,
          publishTimeoutMs: config.publishTimeoutMs,
          maxMessageBytes: config.maxMessageBytes,
        }),
    );
    return { publish: async (events) => (await bus).publish(events) };
  }
  throw new InvalidInputError(
    `${EVENT_BUS_KIND_VARIABLE}=msk, but this bundle was built for a Kinesis stage and has no Kafka client: deploy the stage with eventBus=msk`,
    EVENT_BUS_KIND_VARIABLE,
  );
}
