import { OPENSEARCH_VERSION, type OpenSearchModule } from "./opensearch-distribution.ts";

/**
 * `plugin-descriptor.properties` for a module rebuilt from its Maven jar. The tar distribution generates
 * it at build time; the jars on Central do not carry it, and OpenSearch will not load a module without it.
 */
export function moduleDescriptor(module: OpenSearchModule): string {
  return [
    `description=${module.name} (assembled from Maven Central by Flywheel's local cloud)`,
    `version=${OPENSEARCH_VERSION}`,
    `name=${module.name}`,
    `classname=${module.classname}`,
    "java.version=11",
    `opensearch.version=${OPENSEARCH_VERSION}`,
    "extended.plugins=",
    "has.native.controller=false",
    "",
  ].join("\n");
}

/** `plugin-security.policy`: the grants the module's code needs under OpenSearch's security manager. */
export function modulePolicy(module: OpenSearchModule): string {
  return `grant {\n${module.policy.map((line) => `  ${line}`).join("\n")}\n};\n`;
}
