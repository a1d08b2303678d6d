import { Admin, type BaseOptions, Producer, stringSerializer } from "@platformatic/kafka";
import { InvalidInputError } from "../../../domain/errors/domain-errors.ts";
import type { KafkaConfig } from "./kafka-config.ts";
import { createMskIamTokenProvider, type MskTokenSigner, mskIamSasl } from "./msk-iam-auth.ts";

// The configuration lives in kafka-config.ts, which loads without the Kafka library; re-exported for the
// modules that read it and build a client in one place (the topic custom resource, the tests).
export {
  DEFAULT_KAFKA_CONNECT_TIMEOUT_MS,
  DEFAULT_KAFKA_REQUEST_TIMEOUT_MS,
  type KafkaAuthMode,
  type KafkaConfig,
  readKafkaConfig,
} from "./kafka-config.ts";

/**
 * The connection settings every Flywheel Kafka client shares: brokers, timeouts, and the security the
 * auth mode implies. Client retries are off (`retries: false`): the event bus retries per send with its own
 * budget, and retries underneath would multiply it.
 */
export function kafkaConnectionOptions(
  config: KafkaConfig,
  dependencies: { readonly sign?: MskTokenSigner } = {},
): BaseOptions {
  const common: BaseOptions = {
    clientId: config.clientId,
    bootstrapBrokers: [...config.brokers],
    connectTimeout: config.connectTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    // The Kafka-level timeout a broker may spend on a request (a produce waiting for its replicas).
    timeout: config.requestTimeoutMs,
    retries: false,
    autocreateTopics: false,
  };
  if (config.auth === "none") return common;
  if (config.region === undefined) {
    throw new InvalidInputError("msk-iam authentication needs a region", "AWS_REGION");
  }
  const tokenProvider = createMskIamTokenProvider({
    region: config.region,
    ...(dependencies.sign === undefined ? {} : { sign: dependencies.sign }),
  });
  // MSK serves IAM over TLS only; SNI names the broker, whose certificate the default CAs verify.
  return { ...common, tls: {}, tlsServerName: true, sasl: mskIamSasl(tokenProvider) };
}

/** Keys are user ids (strings); values are the events' JSON bytes, made by the bus. */
export type KafkaEventProducer = Producer<string, Buffer, string, string>;

/**
 * An idempotent producer: `acks=all`, and a producer id with per-partition sequence numbers, so a batch sent
 * again after a lost response is appended once. The client allows one request in flight per connection for
 * it, which also keeps each partition's batches in order.
 */
export function createKafkaProducer(connection: BaseOptions): KafkaEventProducer {
  return new Producer<string, Buffer, string, string>({
    ...connection,
    idempotent: true,
    acks: -1,
    serializers: { key: stringSerializer, headerKey: stringSerializer, headerValue: stringSerializer },
  });
}

export function createKafkaAdmin(connection: BaseOptions): Admin {
  return new Admin(connection);
}
