import { randomBytes } from "node:crypto";

export interface KafkaNodePorts {
  /** Clients: PLAINTEXT on 127.0.0.1, advertised as the same address. */
  readonly broker: number;
  /** The KRaft controller quorum (this node alone). */
  readonly controller: number;
}

/**
 * `server.properties` for one KRaft node that is broker and controller at once, on loopback only.
 *
 * - Topics are never created by a produce or a fetch (`auto.create.topics.enable=false`), as on MSK
 *   Serverless: code that forgets to create its topic fails here as it would there.
 * - Record limits stay at Kafka's defaults (`message.max.bytes` 1048588), which MSK keeps too, so the
 *   oversize path is the real broker's.
 * - The internal topics get one partition and one replica, and the first consumer group does not wait 3 s
 *   for more members: a single node is all there is, and start-up is what tests pay for.
 */
export function kafkaServerProperties(ports: KafkaNodePorts, logDir: string): string {
  const settings: Record<string, string | number | boolean> = {
    "process.roles": "broker,controller",
    "node.id": 1,
    "controller.quorum.voters": `1@127.0.0.1:${ports.controller}`,
    listeners: `PLAINTEXT://127.0.0.1:${ports.broker},CONTROLLER://127.0.0.1:${ports.controller}`,
    "advertised.listeners": `PLAINTEXT://127.0.0.1:${ports.broker}`,
    "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
    "controller.listener.names": "CONTROLLER",
    "inter.broker.listener.name": "PLAINTEXT",
    "log.dirs": logDir,
    "auto.create.topics.enable": false,
    "num.partitions": 1,
    "default.replication.factor": 1,
    "min.insync.replicas": 1,
    "offsets.topic.replication.factor": 1,
    "offsets.topic.num.partitions": 1,
    "transaction.state.log.replication.factor": 1,
    "transaction.state.log.min.isr": 1,
    "transaction.state.log.num.partitions": 1,
    "share.coordinator.state.topic.replication.factor": 1,
    "share.coordinator.state.topic.min.isr": 1,
    "group.initial.rebalance.delay.ms": 0,
    // Two cores: Kafka's defaults (8 I/O threads, a log cleaner) only cost start-up time here.
    "num.network.threads": 2,
    "num.io.threads": 2,
    "background.threads": 2,
    "num.recovery.threads.per.data.dir": 1,
    "log.cleaner.enable": false,
  };
  return `${Object.entries(settings)
    .map(([name, value]) => `${name}=${value}`)
    .join("\n")}\n`;
}

/**
 * log4j2 configuration: warnings and errors, plus the broker's "started" line, on stdout, which the harness
 * keeps in a bounded buffer and shows when the broker fails to start. Kafka's own default would write
 * rotating files under the working directory.
 */
export function kafkaLog4jProperties(): string {
  return [
    "status = warn",
    "appender.console.type = Console",
    "appender.console.name = STDOUT",
    "appender.console.layout.type = PatternLayout",
    "appender.console.layout.pattern = [%d] %p %m (%c)%n",
    "rootLogger.level = WARN",
    "rootLogger.appenderRef.stdout.ref = STDOUT",
    "logger.raftServer.name = kafka.server.KafkaRaftServer",
    "logger.raftServer.level = INFO",
    "",
  ].join("\n");
}

/**
 * A cluster id as `kafka-storage random-uuid` prints one: 16 random bytes, URL-safe base64 unpadded. Like
 * Kafka's own Uuid.randomUuid(), one that starts with "-" is drawn again: the storage tool's argument parser
 * takes `-t -abc…` for an option (1 start in 64 failed that way here before this rule).
 */
export function randomClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString("base64url");
    if (!id.startsWith("-")) return id;
  }
}
