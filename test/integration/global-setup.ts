import type { TestProject } from "vitest/node";
import { startLocalCloud } from "../../local/cloud/local-cloud.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** The environment the local cloud exports (endpoints, region, credentials); see local-cloud-env.ts. */
    localCloudEnv: Record<string, string>;
  }
}

/**
 * Starts the local cloud once for the whole integration run (emulators, LocalStack or external endpoints,
 * as FLYWHEEL_LOCAL_CLOUD / FLYWHEEL_LOCALSTACK_ENDPOINT say) and stops it when the run ends, failed or not.
 * Test workers receive its environment through `provide`, which local-cloud-env.ts (a setupFiles entry)
 * copies into each worker's process.env. It is deliberately not set in this process's own env: workers of
 * the other projects (unit) fork from here and must not see endpoints.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cloud = await startLocalCloud();
  project.provide("localCloudEnv", { ...cloud.env });
  return () => cloud.stop();
}
