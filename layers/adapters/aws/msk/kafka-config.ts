// Configuration only: nothing here imports the Kafka client library, so a handler can read and check its
// Kafka settings at start without loading @platformatic/kafka (whose load compiles JSON schemas: about
// 300 ms of a cold start) until it needs a client.
import { InvalidInputError } from "../../../domain/errors/domain-errors.ts";
import { readPositiveInteger } from "../read-integer-variable.ts";

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
 * Kafka's default `message.max.bytes` (and MSK's): the largest record batch a broker appends. It limits a
 * batch, not a record, so one record's limit is this minus the batch's own framing.
 */
export const KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;
