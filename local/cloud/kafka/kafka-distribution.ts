import { homedir } from "node:os";
import { join } from "node:path";

/**
 * The broker the local cloud runs. 4.1.0: KRaft only (no ZooKeeper to start), the newest release the
 * client (`@platformatic/kafka`, "3.5.0 to 4.1.0") supports, and a version MSK offers. Kafka 4.x brokers
 * need Java 17, which is what the machine and CI have.
 */
export const KAFKA_VERSION = "4.1.0";
export const KAFKA_SCALA_VERSION = "2.13";

/** A Maven artifact (a jar). */
export interface MavenArtifact {
  readonly groupId: string;
  readonly artifactId: string;
  readonly version: string;
}

/** The broker itself; its pom brings the clients, raft, storage, coordinators, Scala and log4j2. */
export const KAFKA_SERVER_ARTIFACT: MavenArtifact = {
  groupId: "org.apache.kafka",
  artifactId: `kafka_${KAFKA_SCALA_VERSION}`,
  version: KAFKA_VERSION,
};

/**
 * Not reached through the broker's pom: the SLF4J 1.x binding to log4j2. Kafka's code logs through SLF4J
 * (slf4j-api 1.7.36 is on the class path); without a binding every line of it, the start-up error included,
 * goes to SLF4J's no-op logger. Kafka's own tarball ships this jar; the version matches its log4j-core.
 */
export const KAFKA_EXTRA_ARTIFACTS: readonly MavenArtifact[] = [
  { groupId: "org.apache.logging.log4j", artifactId: "log4j-slf4j-impl", version: "2.24.3" },
];

/** Pinned: an unpinned goal resolves whatever version Central's metadata names that day. */
export const DEPENDENCY_PLUGIN_VERSION = "3.6.1";

/** Bumped whenever what the assembler writes changes, so an older cache is rebuilt rather than used. */
export const KAFKA_LAYOUT_REVISION = 1;

/** What a finished cache's marker must say to be used as it is. */
export function kafkaFingerprint(): string {
  return JSON.stringify({
    kafka: artifactText(KAFKA_SERVER_ARTIFACT),
    extras: KAFKA_EXTRA_ARTIFACTS.map(artifactText),
    layout: KAFKA_LAYOUT_REVISION,
  });
}

export function artifactText(artifact: MavenArtifact): string {
  return `${artifact.groupId}:${artifact.artifactId}:${artifact.version}`;
}

/** Where the assembled broker lives between runs: outside the repository, per user, per version. */
export interface KafkaCacheLayout {
  readonly root: string;
  /** Every jar the broker needs, flat: the class path is `libs/*`. */
  readonly libs: string;
  /** Written last; a cache without it (or with another fingerprint) is assembled again. */
  readonly marker: string;
  /** Maven's local repository, private to this cache so nothing depends on ~/.m2. */
  readonly mavenRepository: string;
}

/** `$FLYWHEEL_KAFKA_CACHE_DIR`, else `${XDG_CACHE_HOME:-$HOME/.cache}/flywheel/kafka-<version>`. */
export function kafkaCacheLayout(root = defaultKafkaCacheRoot(process.env)): KafkaCacheLayout {
  return {
    root,
    libs: join(root, "libs"),
    marker: join(root, ".flywheel-assembled.json"),
    mavenRepository: join(root, "m2"),
  };
}

export function defaultKafkaCacheRoot(env: NodeJS.ProcessEnv): string {
  const explicit = env.FLYWHEEL_KAFKA_CACHE_DIR;
  if (explicit !== undefined && explicit !== "") return explicit;
  const xdg = env.XDG_CACHE_HOME;
  const cacheHome = xdg !== undefined && xdg !== "" ? xdg : join(env.HOME ?? homedir(), ".cache");
  return join(cacheHome, "flywheel", `kafka-${KAFKA_VERSION}`);
}
