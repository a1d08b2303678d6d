import type { TestProject } from "vitest/node";
import { handOffKafka, type KafkaHandoff } from "../../local/cloud/kafka/kafka-handoff.ts";
import { startLocalCloud } from "../../local/cloud/local-cloud.ts";
import {
  handOffOpenSearch,
  type OpenSearchHandoff,
} from "../../local/cloud/opensearch/opensearch-handoff.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** The environment the local cloud exports (endpoints, region, credentials); see local-cloud-env.ts. */
    localCloudEnv: Record<string, string>;
    /** The OpenSearch node booting in the background, or off; the OpenSearch suites wait for it. */
    localCloudOpenSearch: OpenSearchHandoff;
    /** The Kafka broker booting in the background, or off; the Kafka suites wait for it. */
    localCloudKafka: KafkaHandoff;
  }
}

/**
 * Starts the local cloud once for the whole integration run (emulators, LocalStack or external endpoints,
 * as FLYWHEEL_LOCAL_CLOUD / FLYWHEEL_LOCALSTACK_ENDPOINT say) and stops it when the run ends, failed or not.
 * Test workers receive its environment through `provide`, which local-cloud-env.ts (a setupFiles entry)
 * copies into each worker's process.env. It is deliberately not set in this process's own env: workers of
 * the other projects (unit) fork from here and must not see endpoints.
 *
 * OpenSearch takes about 10 s to boot, so it boots in the background: its endpoint is provided at once,
 * the other suites run meanwhile, and the OpenSearch suites wait for it in their beforeAll (and fail with
 * the reason if it cannot start). FLYWHEEL_OPENSEARCH=off leaves it out; those suites are then skipped.
 * The Kafka broker (the MSK option's stand-in) is handled the same way; FLYWHEEL_KAFKA=off leaves it out.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cloud = await startLocalCloud({
    opensearch: { start: "background" },
    kafka: { start: "background" },
  });
  const openSearch = handOffOpenSearch(cloud.opensearch);
  project.provide("localCloudEnv", { ...cloud.env });
  project.provide("localCloudOpenSearch", openSearch.handoff);
  const kafka = handOffKafka(cloud.kafka);
  project.provide("localCloudKafka", kafka.handoff);
  return async () => {
    kafka.dispose();
    await cloud.stop();
    openSearch.dispose();
  };
}
