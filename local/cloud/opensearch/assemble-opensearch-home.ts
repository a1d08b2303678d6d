import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { runToCompletion } from "../run-to-completion.ts";
import { writeFetchProject } from "./maven-fetch-project.ts";
import {
  coordinatesText,
  distributionFingerprint,
  KNN_PLUGIN,
  KNN_PLUGIN_VERSION,
  OPENSEARCH_MODULES,
  OPENSEARCH_VERSION,
  type OpenSearchCacheLayout,
  openSearchCacheLayout,
  SERVER_ARTIFACT,
  SERVER_EXTRA_ARTIFACTS,
} from "./opensearch-distribution.ts";
import { moduleDescriptor, modulePolicy } from "./plugin-descriptor.ts";
import { processExists } from "./process-exists.ts";

export interface AssembleOpenSearchOptions {
  /** @default $FLYWHEEL_OPENSEARCH_CACHE_DIR, else ${XDG_CACHE_HOME:-$HOME/.cache}/flywheel/opensearch-<version> */
  readonly cacheDir?: string;
  /** @default $FLYWHEEL_MVN, else `mvn` on PATH */
  readonly mavenCommand?: string;
  /** For the downloads; a cold cache takes one to three minutes. @default 900_000 */
  readonly timeoutMs?: number;
  /** Progress lines (what is fetched, from where, how long it took). @default none */
  readonly log?: (line: string) => void;
  /** Aborting stops a download in progress (the harness was stopped meanwhile). */
  readonly signal?: AbortSignal;
}

export interface AssembledOpenSearch {
  /** The node's home directory: bin/, lib/, modules/, plugins/. Read-only; config and data live per run. */
  readonly home: string;
  readonly cache: OpenSearchCacheLayout;
  /** For the harness's table. */
  readonly source: string;
  /** False when the cache was already complete. */
  readonly assembledNow: boolean;
  readonly elapsedMs: number;
}

/** Maven is missing, a download failed, or what came down is not a usable node; the message says which. */
export class OpenSearchAssemblyError extends Error {
  override readonly name = "OpenSearchAssemblyError";
}

const DEFAULT_TIMEOUT_MS = 15 * 60_000;

/**
 * Assembles an OpenSearch home from Maven Central with `mvn`, once: a complete cache (its marker file says
 * so, and names the same versions) is returned as is, in milliseconds. Anything else (no cache, a half-written
 * one, other versions) is rebuilt from scratch in a private work directory and moved into place; the marker
 * is written last. Maven's local repository is private to the cache too, so a second assembly downloads
 * nothing and nothing depends on ~/.m2.
 *
 * The layout is that of the tar distribution, reduced to what a k-NN node needs: lib/ (server and runtime
 * dependencies), modules/transport-netty4 and modules/lang-painless (with the descriptor and security policy
 * the Central jars lack), plugins/opensearch-knn (the plugin zip, unpacked), and an empty bin/ that the
 * security setup insists on. The k-NN zip on Central carries no native libraries, so only the pure-Java
 * Lucene engine works (see docs/testing.md).
 */
export async function assembleOpenSearch(
  options: AssembleOpenSearchOptions = {},
): Promise<AssembledOpenSearch> {
  const startedAt = performance.now();
  const cache = openSearchCacheLayout(options.cacheDir);
  const source = `Maven Central org.opensearch:opensearch:${OPENSEARCH_VERSION} + opensearch-knn ${KNN_PLUGIN_VERSION} (lucene engine)`;
  const finish = (assembledNow: boolean): AssembledOpenSearch => ({
    home: cache.home,
    cache,
    source,
    assembledNow,
    elapsedMs: Math.round(performance.now() - startedAt),
  });
  if (isComplete(cache)) return finish(false);

  const log = options.log ?? (() => {});
  mkdirSync(cache.root, { recursive: true });
  removeAbandonedWorkDirectories(cache.root);
  const work = join(cache.root, `work-${process.pid}-${Date.now().toString(36)}`);
  try {
    const project = join(work, "project");
    const parts = writeFetchProject(project, join(work, "parts"));
    const maven = options.mavenCommand ?? process.env.FLYWHEEL_MVN ?? "mvn";
    log(
      `assembling OpenSearch ${OPENSEARCH_VERSION} + k-NN ${KNN_PLUGIN_VERSION} from Maven Central into ${cache.home}`,
    );
    await fetchWithMaven(maven, project, cache, options.timeoutMs ?? DEFAULT_TIMEOUT_MS, options.signal);

    const staged = join(work, "home");
    for (const dir of ["bin", "lib", "modules", "plugins"]) mkdirSync(join(staged, dir), { recursive: true });
    const lib = join(staged, "lib");
    for (const jar of jarsIn(parts.server)) copyFileSync(join(parts.server, jar), join(lib, jar));
    const onLib = new Set(readdirSync(lib));
    for (const module of OPENSEARCH_MODULES) {
      const from = parts.modules[module.name] ?? "";
      const to = join(staged, "modules", module.name);
      mkdirSync(to);
      // A jar both on lib/ and in a module is "jar hell" to OpenSearch, which refuses to start.
      for (const jar of jarsIn(from)) if (!onLib.has(jar)) copyFileSync(join(from, jar), join(to, jar));
      writeFileSync(join(to, "plugin-descriptor.properties"), moduleDescriptor(module));
      writeFileSync(join(to, "plugin-security.policy"), modulePolicy(module));
    }
    renameSync(parts.knnPlugin, join(staged, "plugins", KNN_PLUGIN.name));
    checkLayout(staged);

    if (existsSync(cache.home)) {
      // Another process may have finished the same assembly meanwhile; its result is as good as ours.
      if (isComplete(cache)) return finish(false);
      rmSync(cache.home, { recursive: true, force: true });
    }
    renameSync(staged, cache.home);
    writeFileSync(`${cache.marker}.tmp`, distributionFingerprint());
    renameSync(`${cache.marker}.tmp`, cache.marker);
    const done = finish(true);
    log(`OpenSearch assembled in ${Math.round(done.elapsedMs / 1000)} s`);
    return done;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function isComplete(cache: OpenSearchCacheLayout): boolean {
  try {
    return readFileSync(cache.marker, "utf8") === distributionFingerprint();
  } catch {
    return false;
  }
}

async function fetchWithMaven(
  maven: string,
  project: string,
  cache: OpenSearchCacheLayout,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const args = [
    "--batch-mode",
    "--no-transfer-progress",
    "--threads",
    "4",
    `-Dmaven.repo.local=${cache.mavenRepository}`,
    "--file",
    join(project, "pom.xml"),
    "package",
  ];
  let outcome: Awaited<ReturnType<typeof runToCompletion>>;
  try {
    outcome = await runToCompletion(maven, args, {
      cwd: project,
      timeoutMs,
      ...(signal === undefined ? {} : { signal }),
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new OpenSearchAssemblyError(
      `cannot run Maven (${maven}): ${reason}. The local OpenSearch node is assembled from Maven Central ` +
        "with mvn: install Maven 3.8+ (apt-get install maven), or set FLYWHEEL_MVN; " +
        "or set FLYWHEEL_OPENSEARCH=off to skip the OpenSearch suites.",
    );
  }
  if (outcome.aborted) throw new OpenSearchAssemblyError("the assembly was stopped before it finished");
  if (outcome.code !== 0) {
    const why = outcome.timedOut
      ? `did not finish within ${Math.round(timeoutMs / 1000)} s`
      : `failed (${outcome.signal === null ? `exit code ${outcome.code}` : `signal ${outcome.signal}`})`;
    throw new OpenSearchAssemblyError(
      `fetching OpenSearch from Maven Central ${why}. Artifacts: ${[
        SERVER_ARTIFACT,
        ...SERVER_EXTRA_ARTIFACTS,
        ...OPENSEARCH_MODULES.map((module) => module.artifact),
        KNN_PLUGIN.artifact,
      ]
        .map(coordinatesText)
        .join(", ")}. Is https://repo.maven.apache.org reachable (or a mirror in ~/.m2/settings.xml)?\n` +
        `--- last output of mvn ---\n${outcome.outputTail}\n---`,
    );
  }
}

function jarsIn(directory: string): string[] {
  return readdirSync(directory).filter((name) => name.endsWith(".jar"));
}

/** The files without which the node cannot start, checked now rather than found missing at start. */
function checkLayout(home: string): void {
  const lib = new Set(readdirSync(join(home, "lib")));
  const required = [
    `opensearch-${OPENSEARCH_VERSION}.jar`,
    ...SERVER_EXTRA_ARTIFACTS.map((artifact) => `${artifact.artifactId}-${artifact.version}.jar`),
  ];
  const missing = required.filter((jar) => !lib.has(jar));
  const knnDescriptor = join(home, "plugins", KNN_PLUGIN.name, "plugin-descriptor.properties");
  if (!existsSync(knnDescriptor)) missing.push(`plugins/${KNN_PLUGIN.name}/plugin-descriptor.properties`);
  for (const module of OPENSEARCH_MODULES) {
    const jar = `${module.artifact.artifactId}-${module.artifact.version}.jar`;
    if (!existsSync(join(home, "modules", module.name, jar))) missing.push(`modules/${module.name}/${jar}`);
  }
  if (missing.length > 0) {
    throw new OpenSearchAssemblyError(`the assembled OpenSearch home lacks ${missing.join(", ")}`);
  }
}

/** Work directories of assemblies whose process died (killed mid-download) are only disk space now. */
function removeAbandonedWorkDirectories(root: string): void {
  for (const name of readdirSync(root)) {
    const pid = Number(/^work-(\d+)-/.exec(name)?.[1]);
    if (Number.isInteger(pid) && pid > 0 && !processExists(pid)) {
      rmSync(join(root, name), { recursive: true, force: true });
    }
  }
}
