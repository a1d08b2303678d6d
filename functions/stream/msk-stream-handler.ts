import { createMskStreamHandler } from "./create-msk-stream-handler.ts";
import { streamingDependenciesFromEnvironment } from "./streaming-dependencies.ts";

// Built once per cold start from the environment; a missing variable fails here, not on a batch.
const { deps, deadLetters } = streamingDependenciesFromEnvironment();

/** The stream Lambda for the MSK option (Kafka event-source mapping). */
export const handler = createMskStreamHandler(deps, deadLetters);
