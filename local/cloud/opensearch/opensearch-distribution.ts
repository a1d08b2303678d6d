import { homedir } from "node:os";
import { join } from "node:path";

/**
 * The OpenSearch node the local cloud runs, as Maven coordinates. 2.19.1 because it is the only 2.x
 * release for which Maven Central has the k-NN plugin zip (`opensearch-knn` 2.19.1.0; the other version
 * there is 3.5.0.0, which needs Java 21), and the plugin's descriptor pins the server version exactly.
 */
export const OPENSEARCH_VERSION = "2.19.1";
export const KNN_PLUGIN_VERSION = "2.19.1.0";

/** A Maven artifact. `type` is the packaging of the file itself (jar unless said otherwise). */
export interface MavenCoordinates {
  readonly groupId: string;
  readonly artifactId: string;
  readonly version: string;
  readonly type?: "jar" | "zip";
}

export const SERVER_ARTIFACT: MavenCoordinates = {
  groupId: "org.opensearch",
  artifactId: "opensearch",
  version: OPENSEARCH_VERSION,
};

/**
 * On lib/ beside the server but not reached through its pom: log4j-core is an optional dependency there
 * (Maven skips optional ones, and without it the node cannot log, so it cannot boot), and the plugin class
 * loader (ExtendedPluginsClassLoader, used to load every plugin) is not a dependency of the server pom at all.
 */
export const SERVER_EXTRA_ARTIFACTS: readonly MavenCoordinates[] = [
  { groupId: "org.apache.logging.log4j", artifactId: "log4j-core", version: "2.21.0" },
  { groupId: "org.opensearch", artifactId: "opensearch-plugin-classloader", version: OPENSEARCH_VERSION },
];

/** A module of the tar distribution, rebuilt from its jar on Central (which carries no descriptor). */
export interface OpenSearchModule {
  /** Directory under modules/ and the plugin name. */
  readonly name: string;
  readonly artifact: MavenCoordinates;
  /** The class OpenSearch instantiates. */
  readonly classname: string;
  /** Java security policy grants the module's code needs (the security manager is on). */
  readonly policy: readonly string[];
}

export const OPENSEARCH_MODULES: readonly OpenSearchModule[] = [
  {
    // HTTP and transport: without it the node has no network layer at all.
    name: "transport-netty4",
    artifact: {
      groupId: "org.opensearch.plugin",
      artifactId: "transport-netty4-client",
      version: OPENSEARCH_VERSION,
    },
    classname: "org.opensearch.transport.Netty4Plugin",
    // Without the socket grant the node starts but never accepts an HTTP connection.
    policy: [
      'permission java.io.FilePermission "/proc/sys/net/core/somaxconn", "read";',
      'permission java.net.SocketPermission "*", "accept,connect";',
      'permission java.lang.RuntimePermission "*", "setContextClassLoader";',
      'permission java.util.PropertyPermission "sun.nio.ch.bugLevel", "write";',
    ],
  },
  {
    // The k-NN plugin extends lang-painless (its `extended.plugins`), so it must be present.
    name: "lang-painless",
    artifact: { groupId: "org.opensearch.plugin", artifactId: "lang-painless", version: OPENSEARCH_VERSION },
    classname: "org.opensearch.painless.PainlessPlugin",
    policy: [
      'permission java.lang.RuntimePermission "createClassLoader";',
      'permission java.lang.RuntimePermission "getClassLoader";',
    ],
  },
];

/** The k-NN plugin as published: a zip with its own descriptor and policy, unpacked as is. */
export const KNN_PLUGIN: { readonly name: string; readonly artifact: MavenCoordinates } = {
  name: "opensearch-knn",
  artifact: {
    groupId: "org.opensearch.plugin",
    artifactId: "opensearch-knn",
    version: KNN_PLUGIN_VERSION,
    type: "zip",
  },
};

/**
 * maven-dependency-plugin, pinned: an unpinned goal resolves whatever version the super-POM or Central's
 * metadata says that day.
 */
export const DEPENDENCY_PLUGIN_VERSION = "3.6.1";

/**
 * Bumped whenever the layout the assembler writes changes, so an older cache is rebuilt rather than used.
 */
export const LAYOUT_REVISION = 1;

/** What a finished cache must say in its marker to be used as is. */
export function distributionFingerprint(): string {
  return JSON.stringify({
    opensearch: OPENSEARCH_VERSION,
    knn: KNN_PLUGIN_VERSION,
    extras: SERVER_EXTRA_ARTIFACTS.map(coordinatesText),
    layout: LAYOUT_REVISION,
  });
}

export function coordinatesText(artifact: MavenCoordinates): string {
  const type = artifact.type === undefined || artifact.type === "jar" ? "" : `:${artifact.type}`;
  return `${artifact.groupId}:${artifact.artifactId}:${artifact.version}${type}`;
}

/** Where the assembled node lives between runs: outside the repository, per user, per version. */
export interface OpenSearchCacheLayout {
  readonly root: string;
  /** The node's home (bin, lib, modules, plugins); read-only once assembled. */
  readonly home: string;
  /** Written last; a home without it is half-assembled and is built again. */
  readonly marker: string;
  /** Maven's local repository, private to this cache so nothing depends on ~/.m2. */
  readonly mavenRepository: string;
}

/**
 * `$FLYWHEEL_OPENSEARCH_CACHE_DIR`, else `${XDG_CACHE_HOME:-$HOME/.cache}/flywheel/opensearch-<version>`.
 */
export function openSearchCacheLayout(root = defaultCacheRoot(process.env)): OpenSearchCacheLayout {
  const home = join(root, "home");
  return {
    root,
    home,
    marker: join(home, ".flywheel-assembled.json"),
    mavenRepository: join(root, "m2"),
  };
}

function defaultCacheRoot(env: NodeJS.ProcessEnv): string {
  const explicit = env.FLYWHEEL_OPENSEARCH_CACHE_DIR;
  if (explicit !== undefined && explicit !== "") return explicit;
  const xdg = env.XDG_CACHE_HOME;
  const cacheHome = xdg !== undefined && xdg !== "" ? xdg : join(env.HOME ?? homedir(), ".cache");
  return join(cacheHome, "flywheel", `opensearch-${OPENSEARCH_VERSION}`);
}
