import {
  type SageMakerRuntimeServerOptions,
  startSageMakerRuntimeServer,
} from "../sagemaker-runtime-server.ts";
import type { RunningEmulator } from "./running-emulator.ts";

/**
 * The SageMaker runtime stand-in runs inside this process: it is a few dozen lines of node:http, and tests
 * that need it slow or failing start their own with faults rather than reconfigure a shared one.
 */
export async function startSageMakerRuntime(
  options: SageMakerRuntimeServerOptions = {},
): Promise<RunningEmulator> {
  const startedAt = performance.now();
  const server = await startSageMakerRuntimeServer(options);
  return {
    service: "sagemakerRuntime",
    endpoint: server.url,
    pid: process.pid,
    startMs: Math.round(performance.now() - startedAt),
    source: `in-process stand-in (endpoints: ${server.endpointNames.join(", ")})`,
    process: undefined,
    stop: () => server.stop(),
  };
}
