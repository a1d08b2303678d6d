import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runToCompletion } from "../run-to-completion.ts";
import { classDataDirectory } from "./kafka-class-data.ts";
import {
  artifactText,
  DEPENDENCY_PLUGIN_VERSION,
  KAFKA_EXTRA_ARTIFACTS,
  KAFKA_SERVER_ARTIFACT,
  type KafkaCacheLayout,
  kafkaCacheLayout,
  kafkaFingerprint,
  type MavenArtifact,
} from "./kafka-distribution.ts";

export interface AssembleKafkaOptions {
  /** @default kafkaCacheLayout()'s root */
  readonly cacheDir?: string;
  /** @default $FLYWHEEL_MVN, else `mvn` on PATH */
  readonly mvnCommand?: string;
  /** Progress lines (the download can take a minute). @default none */
  readonly log?: (line: string) => void;
  /** @default 600_000: a cold Maven repository downloads about 45 MB */
  readonly timeoutMs?: number;
}

export interface AssembledKafka {
  readonly cache: KafkaCacheLayout;
  /** False when a complete cache was found and used as it was. */
  readonly assembledNow: boolean;
  readonly elapsedMs: number;
  /** What runs, for the harness's table. */
  readonly source: string;
}

/** Maven is missing, failed, or produced no broker; the message says which and how to fix it. */
export class KafkaAssemblyError extends Error {
  override readonly name = "KafkaAssemblyError";
}

const MARKER_VERSION = 1;

/**
 * Assembles the broker's class path from Maven Central, once: `mvn dependency:copy-dependencies` over a
 * throwaway pom that depends on `org.apache.kafka:kafka_2.13` (and the SLF4J binding), into a private Maven
 * repository under the cache. The jars land in a staging directory that is renamed into place, and the
 * marker is written last, so an interrupted assembly is never mistaken for a finished one.
 */
export async function assembleKafka(options: AssembleKafkaOptions = {}): Promise<AssembledKafka> {
  const startedAt = performance.now();
  const cache = kafkaCacheLayout(options.cacheDir);
  const source = `Maven Central ${artifactText(KAFKA_SERVER_ARTIFACT)}`;
  const finished = (assembledNow: boolean): AssembledKafka => ({
    cache,
    assembledNow,
    elapsedMs: Math.round(performance.now() - startedAt),
    source,
  });
  if (isComplete(cache)) return finished(false);

  const log = options.log ?? (() => {});
  const mvn = options.mvnCommand ?? process.env.FLYWHEEL_MVN ?? "mvn";
  const staging = join(cache.root, `libs.partial-${process.pid}-${randomBytes(4).toString("hex")}`);
  const project = join(cache.root, `pom.partial-${process.pid}-${randomBytes(4).toString("hex")}`);
  mkdirSync(cache.mavenRepository, { recursive: true });
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, "pom.xml"), throwawayPom());
  log(`assembling Kafka ${KAFKA_SERVER_ARTIFACT.version} from Maven Central into ${cache.root} …`);
  try {
    let outcome: Awaited<ReturnType<typeof runToCompletion>>;
    try {
      outcome = await runToCompletion(
        mvn,
        [
          "-B",
          "--no-transfer-progress",
          `-Dmaven.repo.local=${cache.mavenRepository}`,
          `org.apache.maven.plugins:maven-dependency-plugin:${DEPENDENCY_PLUGIN_VERSION}:copy-dependencies`,
          `-DoutputDirectory=${staging}`,
          "-DincludeScope=runtime",
        ],
        { cwd: project, timeoutMs: options.timeoutMs ?? 600_000 },
      );
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new KafkaAssemblyError(
        `cannot run ${mvn} (${reason}): the local Kafka broker is assembled with Maven; ` +
          "install it (apt-get install maven) or set FLYWHEEL_MVN",
      );
    }
    if (outcome.timedOut || outcome.code !== 0) {
      const how = outcome.timedOut
        ? "did not finish in time"
        : `exited with ${outcome.code ?? outcome.signal}`;
      throw new KafkaAssemblyError(
        `${mvn} dependency:copy-dependencies ${how} (it needs Maven Central)\n` +
          `--- last output of mvn ---\n${outcome.outputTail}\n---`,
      );
    }
    const serverJar = `${KAFKA_SERVER_ARTIFACT.artifactId}-${KAFKA_SERVER_ARTIFACT.version}.jar`;
    const jars = existsSync(staging) ? readdirSync(staging).filter((name) => name.endsWith(".jar")) : [];
    if (!jars.includes(serverJar)) {
      throw new KafkaAssemblyError(
        `mvn finished but ${serverJar} is not among the ${jars.length} jars copied`,
      );
    }
    // Another process may have finished the same cache meanwhile (two test runs at once): keep theirs.
    if (isComplete(cache)) return finished(false);
    rmSync(cache.libs, { recursive: true, force: true });
    // Class-data archives are tied to the jars they were recorded from.
    rmSync(classDataDirectory(cache), { recursive: true, force: true });
    renameSync(staging, cache.libs);
    writeFileSync(
      cache.marker,
      `${JSON.stringify({ markerVersion: MARKER_VERSION, fingerprint: kafkaFingerprint(), jars: jars.length, assembledAt: new Date().toISOString() }, null, 2)}\n`,
    );
    const result = finished(true);
    log(`Kafka assembled: ${jars.length} jars in ${Math.round(result.elapsedMs / 1000)} s`);
    return result;
  } finally {
    rmSync(staging, { recursive: true, force: true });
    rmSync(project, { recursive: true, force: true });
  }
}

/** A cache is used as it is only when its marker names exactly this distribution. */
export function isComplete(cache: KafkaCacheLayout): boolean {
  try {
    const marker = JSON.parse(readFileSync(cache.marker, "utf8")) as { fingerprint?: unknown };
    return marker.fingerprint === kafkaFingerprint() && existsSync(cache.libs);
  } catch {
    return false;
  }
}

function throwawayPom(): string {
  const dependencies = [KAFKA_SERVER_ARTIFACT, ...KAFKA_EXTRA_ARTIFACTS].map(dependencyXml).join("\n");
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<project xmlns="http://maven.apache.org/POM/4.0.0">\n' +
    "  <modelVersion>4.0.0</modelVersion>\n" +
    "  <groupId>flywheel.local</groupId>\n  <artifactId>kafka-fetch</artifactId>\n" +
    "  <version>1</version>\n  <packaging>pom</packaging>\n" +
    `  <dependencies>\n${dependencies}\n  </dependencies>\n` +
    "</project>\n"
  );
}

function dependencyXml(artifact: MavenArtifact): string {
  return (
    `    <dependency><groupId>${artifact.groupId}</groupId><artifactId>${artifact.artifactId}</artifactId>` +
    `<version>${artifact.version}</version></dependency>`
  );
}
