import { describe, expect, it } from "vitest";
import { kafkaConnectionOptions, readKafkaConfig } from "../../../layers/adapters/aws/msk/kafka-client.ts";
import { readMskEventBusConfig } from "../../../layers/adapters/aws/msk/msk-event-bus-config.ts";
import {
  createMskIamTokenProvider,
  type MskAuthToken,
  type MskTokenSigner,
} from "../../../layers/adapters/aws/msk/msk-iam-auth.ts";

/** A signer that records its calls and hands out numbered tokens valid for 15 minutes from the clock. */
function fakeSigner(clock: () => number): { sign: MskTokenSigner; regions: string[] } {
  const regions: string[] = [];
  const sign: MskTokenSigner = async ({ region }) => {
    regions.push(region);
    return { token: `token-${regions.length}`, expiryTime: clock() + 15 * 60_000 };
  };
  return { sign, regions };
}

describe("MSK IAM OAUTHBEARER token provider", () => {
  it("signs with the configured region and hands the signer's token to the client", async () => {
    const now = 1_000_000;
    const signer = fakeSigner(() => now);
    const provide = createMskIamTokenProvider({ region: "eu-west-1", sign: signer.sign, clock: () => now });
    expect(await provide()).toBe("token-1");
    expect(signer.regions).toEqual(["eu-west-1"]);
  });

  it("reuses a token until the refresh margin before its expiry, then signs a new one", async () => {
    let now = 1_000_000;
    const signer = fakeSigner(() => now);
    const provide = createMskIamTokenProvider({
      region: "us-east-1",
      sign: signer.sign,
      clock: () => now,
      refreshMarginMs: 60_000,
    });
    expect(await provide()).toBe("token-1");
    now += 13 * 60_000; // 2 minutes left: still handed out
    expect(await provide()).toBe("token-1");
    now += 60_000 - 1; // 1 ms more than the margin left
    expect(await provide()).toBe("token-1");
    now += 1; // exactly the margin left: refreshed
    expect(await provide()).toBe("token-2");
    expect(signer.regions).toEqual(["us-east-1", "us-east-1"]);
  });

  it("shares one signature among concurrent connections", async () => {
    const now = 5_000;
    let release: ((token: MskAuthToken) => void) | undefined;
    let calls = 0;
    const provide = createMskIamTokenProvider({
      region: "us-east-1",
      clock: () => now,
      sign: () => {
        calls++;
        return new Promise((resolve) => {
          release = resolve;
        });
      },
    });
    const first = provide();
    const second = provide();
    release?.({ token: "shared", expiryTime: now + 900_000 });
    expect(await Promise.all([first, second])).toEqual(["shared", "shared"]);
    expect(calls).toBe(1);
  });

  it("does not cache a failed signature: the next connection tries again", async () => {
    let attempts = 0;
    const provide = createMskIamTokenProvider({
      region: "us-east-1",
      clock: () => 0,
      sign: async () => {
        attempts++;
        if (attempts === 1) throw new Error("no credentials yet");
        return { token: "second-try", expiryTime: 900_000 };
      },
    });
    await expect(provide()).rejects.toThrow("no credentials yet");
    expect(await provide()).toBe("second-try");
  });

  it("an already expired token from the signer is not reused", async () => {
    let now = 10_000;
    let issued = 0;
    const provide = createMskIamTokenProvider({
      region: "us-east-1",
      clock: () => now,
      sign: async () => ({ token: `t${++issued}`, expiryTime: now - 1 }),
    });
    expect(await provide()).toBe("t1");
    now += 1;
    expect(await provide()).toBe("t2");
  });
});

describe("Kafka connection settings by configuration", () => {
  it("msk-iam: SASL_SSL with OAUTHBEARER whose token provider signs for AWS_REGION", async () => {
    const signer = fakeSigner(() => Date.now());
    const config = readKafkaConfig({
      FLYWHEEL_KAFKA_BROKERS: "b-1.cluster.kafka.eu-central-1.amazonaws.com:9098",
      AWS_REGION: "eu-central-1",
    });
    expect(config.auth).toBe("msk-iam");
    const options = kafkaConnectionOptions(config, { sign: signer.sign });
    expect(options.tls).toEqual({});
    expect(options.tlsServerName).toBe(true);
    expect(options.sasl?.mechanism).toBe("OAUTHBEARER");
    const token = options.sasl?.token;
    if (typeof token !== "function") throw new Error("the token must come from a provider");
    expect(await token()).toBe("token-1");
    expect(await token()).toBe("token-1");
    expect(signer.regions).toEqual(["eu-central-1"]);
  });

  it("none: PLAINTEXT, no TLS and no SASL; client retries off, timeouts from the environment", () => {
    const options = kafkaConnectionOptions(
      readKafkaConfig({
        FLYWHEEL_KAFKA_BROKERS: "127.0.0.1:9092, 127.0.0.1:9093",
        FLYWHEEL_KAFKA_AUTH: "none",
        FLYWHEEL_KAFKA_CONNECT_TIMEOUT_MS: "750",
        FLYWHEEL_KAFKA_REQUEST_TIMEOUT_MS: "1500",
      }),
    );
    expect(options.bootstrapBrokers).toEqual(["127.0.0.1:9092", "127.0.0.1:9093"]);
    expect(options.tls).toBeUndefined();
    expect(options.sasl).toBeUndefined();
    expect(options.retries).toBe(false);
    expect(options.connectTimeout).toBe(750);
    expect(options.requestTimeout).toBe(1500);
  });

  it("reads the bus's topic, publish timeout and record limit, refusing what Kafka would", () => {
    expect(readMskEventBusConfig({ FLYWHEEL_KAFKA_TOPIC: "flywheel.events-v1" })).toEqual({
      topic: "flywheel.events-v1",
      publishTimeoutMs: 10_000,
      maxMessageBytes: 1_048_588,
    });
    expect(
      readMskEventBusConfig({
        FLYWHEEL_KAFKA_TOPIC: "t",
        FLYWHEEL_KAFKA_PUBLISH_TIMEOUT_MS: "2500",
        FLYWHEEL_KAFKA_MAX_MESSAGE_BYTES: "8388608",
      }),
    ).toMatchObject({ publishTimeoutMs: 2500, maxMessageBytes: 8_388_608 });
    expect(() => readMskEventBusConfig({})).toThrow(/FLYWHEEL_KAFKA_TOPIC/);
    expect(() => readMskEventBusConfig({ FLYWHEEL_KAFKA_TOPIC: "no spaces" })).toThrow(/topic name/);
    expect(() =>
      readMskEventBusConfig({ FLYWHEEL_KAFKA_TOPIC: "t", FLYWHEEL_KAFKA_MAX_MESSAGE_BYTES: "-1" }),
    ).toThrow(/FLYWHEEL_KAFKA_MAX_MESSAGE_BYTES/);
  });

  it("fails at start, naming the variable, when the configuration is missing or malformed", () => {
    expect(() => readKafkaConfig({})).toThrow(/FLYWHEEL_KAFKA_BROKERS/);
    expect(() => readKafkaConfig({ FLYWHEEL_KAFKA_BROKERS: "no-port" })).toThrow(/host:port/);
    expect(() => readKafkaConfig({ FLYWHEEL_KAFKA_BROKERS: "h:1", FLYWHEEL_KAFKA_AUTH: "scram" })).toThrow(
      /FLYWHEEL_KAFKA_AUTH/,
    );
    expect(() => readKafkaConfig({ FLYWHEEL_KAFKA_BROKERS: "h:1" })).toThrow(/AWS_REGION/);
    expect(() =>
      readKafkaConfig({
        FLYWHEEL_KAFKA_BROKERS: "h:1",
        FLYWHEEL_KAFKA_AUTH: "none",
        FLYWHEEL_KAFKA_REQUEST_TIMEOUT_MS: "0",
      }),
    ).toThrow(/FLYWHEEL_KAFKA_REQUEST_TIMEOUT_MS/);
  });
});
