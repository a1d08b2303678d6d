import { Admin, type BaseOptions, Producer, stringSerializer } from "@platformatic/kafka";
import { InvalidInputError } from "../../../domain/errors/domain-errors.ts";
import { createMskIamTokenProvider, type MskTokenSigner, mskIamSasl } from "./msk-iam-auth.ts";

/**
 * - `msk-iam`: SASL_SSL with OAUTHBEARER tokens signed for the caller's IAM identity (MSK's IAM access
 *   control, served on port 9098).
 * - `none`: PLAINTEXT, for a broker that authenticates nobody (the local one).
 */
export type KafkaAuthMode = "msk-iam" | "none";

/** How to reach the cluster and how long to wait for it. Read once at start (readKafkaConfig). */
export interface KafkaConfig {
  /** Bootstrap brokers, `host:port`. */
  readonly brokers: readonly string[];
  readonly auth: KafkaAuthMode;
  /** The cluster's region, for signing MSK IAM tokens. */
  readonly region: string | undefined;
  readonly clientId: string;
  /** A TCP (and TLS, and SASL) connection not established within this time fails. @default 2000 */
  readonly connectTimeoutMs: number;
  /** A request without a response within this time fails. @default 5000 */
  readonly requestTimeoutMs: number;
}

export const DEFAULT_KAFKA_CONNECT_TIMEOUT_MS = 2000;
export const DEFAULT_KAFKA_REQUEST_TIMEOUT_MS = 5000;

/**
 * Reads FLYWHEEL_KAFKA_BROKERS (required, comma-separated `host:port`), FLYWHEEL_KAFKA_AUTH (`msk-iam`, the
 * default, or `none`), AWS_REGION (required for `msk-iam`), FLYWHEEL_KAFKA_CLIENT_ID,
 * FLYWHEEL_KAFKA_CONNECT_TIMEOUT_MS and FLYWHEEL_KAFKA_REQUEST_TIMEOUT_MS. A missing or malformed variable
 * fails here, at start, rather than on the first publish.
 */
export function readKafkaConfig(env: NodeJS.ProcessEnv = process.env): KafkaConfig {
  const brokers = (env.FLYWHEEL_KAFKA_BROKERS ?? "")
    .split(",")
    .map((broker) => broker.trim())
    .filter((broker) => broker !== "");
  if (brokers.length === 0) {
    throw new InvalidInputError(
      "FLYWHEEL_KAFKA_BROKERS must list the bootstrap brokers (host:port,…)",
      "FLYWHEEL_KAFKA_BROKERS",
    );
  }
  for (const broker of brokers) {
    if (!/^[^\s:]+:\d{1,5}$/.test(broker)) {
      throw new InvalidInputError(
        `FLYWHEEL_KAFKA_BROKERS: ${JSON.stringify(broker)} is not host:port`,
        "FLYWHEEL_KAFKA_BROKERS",
      );
    }
  }
  const auth =
    env.FLYWHEEL_KAFKA_AUTH === undefined || env.FLYWHEEL_KAFKA_AUTH === ""
      ? "msk-iam"
      : env.FLYWHEEL_KAFKA_AUTH;
  if (auth !== "msk-iam" && auth !== "none") {
    throw new InvalidInputError(
      `FLYWHEEL_KAFKA_AUTH must be msk-iam or none, got ${JSON.stringify(auth)}`,
      "FLYWHEEL_KAFKA_AUTH",
    );
  }
  const region = env.AWS_REGION === undefined || env.AWS_REGION === "" ? undefined : env.AWS_REGION;
  if (auth === "msk-iam" && region === undefined) {
    throw new InvalidInputError(
      "FLYWHEEL_KAFKA_AUTH=msk-iam needs AWS_REGION (tokens are signed for it)",
      "AWS_REGION",
    );
  }
  return {
    brokers,
    auth,
    region,
    clientId: env.FLYWHEEL_KAFKA_CLIENT_ID || "flywheel",
    connectTimeoutMs: readPositiveInteger(
      env,
      "FLYWHEEL_KAFKA_CONNECT_TIMEOUT_MS",
      DEFAULT_KAFKA_CONNECT_TIMEOUT_MS,
    ),
    requestTimeoutMs: readPositiveInteger(
      env,
      "FLYWHEEL_KAFKA_REQUEST_TIMEOUT_MS",
      DEFAULT_KAFKA_REQUEST_TIMEOUT_MS,
    ),
  };
}

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

function readPositiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidInputError(`${name} must be a positive integer, got ${JSON.stringify(raw)}`, name);
  }
  return value;
}
