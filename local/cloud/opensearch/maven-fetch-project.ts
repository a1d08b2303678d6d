import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  DEPENDENCY_PLUGIN_VERSION,
  KNN_PLUGIN,
  type MavenCoordinates,
  OPENSEARCH_MODULES,
  SERVER_ARTIFACT,
  SERVER_EXTRA_ARTIFACTS,
} from "./opensearch-distribution.ts";

/** Where one `mvn package` run of the fetch project leaves each part of the distribution. */
export interface FetchedParts {
  /** Server jar and its runtime dependencies, plus the extras (lib/). */
  readonly server: string;
  /** Per module name: the module jar and its runtime dependencies (some duplicate lib/). */
  readonly modules: Readonly<Record<string, string>>;
  /** The k-NN plugin zip, unpacked. */
  readonly knnPlugin: string;
}

/**
 * Writes a Maven reactor (an aggregator pom and one module per part) whose `package` phase copies each
 * part's runtime dependencies, or unpacks the plugin zip, into its own directory under `outputRoot`. One
 * reactor rather than one `mvn` per part: Maven's start-up and plugin resolution are paid once, and `-T`
 * fetches the parts in parallel.
 */
export function writeFetchProject(projectDir: string, outputRoot: string): FetchedParts {
  const parts: { name: string; pom: string }[] = [];
  const server = join(outputRoot, "server");
  parts.push({
    name: "server",
    pom: copyDependenciesPom(
      "server",
      [
        dependency(SERVER_ARTIFACT),
        // Only the artifact itself: both are single jars whose own dependencies are already on lib/.
        ...SERVER_EXTRA_ARTIFACTS.map((artifact) => dependency(artifact, { withoutTransitives: true })),
      ],
      server,
    ),
  });
  const modules: Record<string, string> = {};
  for (const module of OPENSEARCH_MODULES) {
    const output = join(outputRoot, "modules", module.name);
    modules[module.name] = output;
    parts.push({
      name: `module-${module.name}`,
      pom: copyDependenciesPom(`module-${module.name}`, [dependency(module.artifact)], output),
    });
  }
  const knnPlugin = join(outputRoot, "plugins", KNN_PLUGIN.name);
  parts.push({ name: "knn-plugin", pom: unpackPom("knn-plugin", KNN_PLUGIN.artifact, knnPlugin) });

  mkdirSync(projectDir, { recursive: true });
  writeFileSync(join(projectDir, "pom.xml"), aggregatorPom(parts.map((part) => part.name)));
  for (const part of parts) {
    mkdirSync(join(projectDir, part.name), { recursive: true });
    writeFileSync(join(projectDir, part.name, "pom.xml"), part.pom);
  }
  return { server, modules, knnPlugin };
}

const PROJECT_HEADER =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  '<project xmlns="http://maven.apache.org/POM/4.0.0" ' +
  'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ' +
  'xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">\n' +
  "  <modelVersion>4.0.0</modelVersion>\n";

function aggregatorPom(moduleNames: readonly string[]): string {
  return (
    PROJECT_HEADER +
    "  <groupId>flywheel.local</groupId>\n  <artifactId>opensearch-fetch</artifactId>\n" +
    "  <version>1</version>\n  <packaging>pom</packaging>\n" +
    `  <modules>\n${moduleNames.map((name) => `    <module>${name}</module>`).join("\n")}\n  </modules>\n` +
    "</project>\n"
  );
}

function partPom(name: string, dependencies: string, execution: string): string {
  return (
    PROJECT_HEADER +
    `  <groupId>flywheel.local</groupId>\n  <artifactId>opensearch-fetch-${name}</artifactId>\n` +
    "  <version>1</version>\n  <packaging>pom</packaging>\n" +
    "  <properties><project.build.sourceEncoding>UTF-8</project.build.sourceEncoding></properties>\n" +
    (dependencies === "" ? "" : `  <dependencies>\n${dependencies}  </dependencies>\n`) +
    "  <build>\n    <plugins>\n      <plugin>\n" +
    "        <groupId>org.apache.maven.plugins</groupId>\n" +
    "        <artifactId>maven-dependency-plugin</artifactId>\n" +
    `        <version>${DEPENDENCY_PLUGIN_VERSION}</version>\n` +
    `        <executions>\n${execution}        </executions>\n` +
    "      </plugin>\n    </plugins>\n  </build>\n</project>\n"
  );
}

function copyDependenciesPom(name: string, dependencies: readonly string[], output: string): string {
  const execution =
    "          <execution>\n            <id>copy</id>\n            <phase>package</phase>\n" +
    "            <goals><goal>copy-dependencies</goal></goals>\n" +
    "            <configuration>\n" +
    `              <outputDirectory>${xmlText(output)}</outputDirectory>\n` +
    // compile + runtime: what the jar needs to run; test and provided scopes stay out.
    "              <includeScope>runtime</includeScope>\n" +
    "            </configuration>\n          </execution>\n";
  return partPom(name, dependencies.join(""), execution);
}

function unpackPom(name: string, artifact: MavenCoordinates, output: string): string {
  const execution =
    "          <execution>\n            <id>unpack</id>\n            <phase>package</phase>\n" +
    "            <goals><goal>unpack</goal></goals>\n" +
    "            <configuration>\n              <artifactItems>\n                <artifactItem>\n" +
    `                  <groupId>${xmlText(artifact.groupId)}</groupId>\n` +
    `                  <artifactId>${xmlText(artifact.artifactId)}</artifactId>\n` +
    `                  <version>${xmlText(artifact.version)}</version>\n` +
    `                  <type>${artifact.type ?? "jar"}</type>\n` +
    `                  <outputDirectory>${xmlText(output)}</outputDirectory>\n` +
    "                </artifactItem>\n              </artifactItems>\n" +
    "            </configuration>\n          </execution>\n";
  return partPom(name, "", execution);
}

function dependency(artifact: MavenCoordinates, options: { withoutTransitives?: boolean } = {}): string {
  const exclusions = options.withoutTransitives
    ? "      <exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions>\n"
    : "";
  return (
    "    <dependency>\n" +
    `      <groupId>${xmlText(artifact.groupId)}</groupId>\n` +
    `      <artifactId>${xmlText(artifact.artifactId)}</artifactId>\n` +
    `      <version>${xmlText(artifact.version)}</version>\n` +
    `      <type>${artifact.type ?? "jar"}</type>\n` +
    exclusions +
    "    </dependency>\n"
  );
}

function xmlText(value: string): string {
  return value.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}
