import { launchOpenSearch, type OpenSearchNodeOptions } from "../emulators/opensearch.ts";
import { waitForOpenSearch } from "./wait-for-opensearch.ts";

/** The variable through which the node's endpoint reaches code under test (readOpenSearchConfig). */
export const OPENSEARCH_ENDPOINT_ENV = "FLYWHEEL_OPENSEARCH_ENDPOINT";

export interface OpenSearchServiceOptions extends OpenSearchNodeOptions {
  /**
   * - `background`: the endpoint is handed out at once and the node boots while everything else runs;
   *   whoever needs it waits on `ready` (the integration tests do, in their beforeAll).
   * - `awaited`: the local cloud is not ready until the node is (for a developer's long-running session).
   */
  readonly start: "background" | "awaited";
  /** How long `ready` waits for an external node (FLYWHEEL_LOCAL_CLOUD=external). @default 90_000 */
  readonly externalTimeoutMs?: number;
}

/** What serves OpenSearch, once it does. */
export interface OpenSearchReady {
  readonly endpoint: string;
  /** The node's pid when this harness started it. */
  readonly pid: number | undefined;
  /** Spawn to cluster health yellow, when this harness started it. */
  readonly startMs: number | undefined;
  readonly source: string;
}

export interface OpenSearchService {
  readonly endpoint: string;
  readonly start: "background" | "awaited";
  /** Resolves when the node answers with cluster health yellow or green; rejects with why it cannot. */
  readonly ready: Promise<OpenSearchReady>;
  /** Stops the node this harness started (or abandons its start). Idempotent. */
  stop(): Promise<void>;
}

/**
 * `FLYWHEEL_OPENSEARCH=off` turns the node off wherever it would be started (the OpenSearch suites are then
 * reported as skipped); anything else but `on` or empty is a mistake, refused loudly.
 */
export function openSearchSwitch(env: NodeJS.ProcessEnv = process.env): "on" | "off" {
  const value = env.FLYWHEEL_OPENSEARCH;
  if (value === undefined || value === "" || value === "on") return "on";
  if (value === "off") return "off";
  throw new Error(`FLYWHEEL_OPENSEARCH must be on or off, got ${JSON.stringify(value)}`);
}

/**
 * The OpenSearch part of the local cloud. In emulators and LocalStack modes a node is launched here (the
 * LocalStack free tier has no OpenSearch that runs offline); in external mode the node must already run at
 * FLYWHEEL_OPENSEARCH_ENDPOINT. In the background, a node that cannot start does not fail the rest of the
 * local cloud: `ready` rejects with the reason, and whoever needs OpenSearch fails with it.
 */
export async function provideOpenSearch(
  options: OpenSearchServiceOptions,
  mode: "emulators" | "localstack" | "external",
  sourceEnv: NodeJS.ProcessEnv,
  log: (text: string) => void,
): Promise<OpenSearchService | undefined> {
  if (openSearchSwitch(sourceEnv) === "off") return undefined;
  if (mode === "external") return useExternalOpenSearch(options, sourceEnv);
  const launch = await launchOpenSearch(options);
  const ready = launch.ready.then((node) => {
    if (options.start === "background") {
      log(`OpenSearch ready at ${node.endpoint} (pid ${node.pid}) in ${node.startMs} ms: ${node.source}`);
    }
    return { endpoint: node.endpoint, pid: node.pid, startMs: node.startMs, source: node.source };
  });
  ready.catch(() => {});
  return { endpoint: launch.endpoint, start: options.start, ready, stop: () => launch.stop() };
}

function useExternalOpenSearch(
  options: OpenSearchServiceOptions,
  sourceEnv: NodeJS.ProcessEnv,
): OpenSearchService {
  const endpoint = sourceEnv[OPENSEARCH_ENDPOINT_ENV] ?? "";
  const ready: Promise<OpenSearchReady> =
    endpoint === ""
      ? Promise.reject(
          new Error(
            `local cloud (external): set ${OPENSEARCH_ENDPOINT_ENV} to a running node, or FLYWHEEL_OPENSEARCH=off`,
          ),
        )
      : waitForOpenSearch({ endpoint, timeoutMs: options.externalTimeoutMs ?? 90_000 }).then(() => ({
          endpoint,
          pid: undefined,
          startMs: undefined,
          source: "external (from the environment)",
        }));
  ready.catch(() => {});
  return { endpoint, start: options.start, ready, stop: async () => {} };
}

/** One line for the harness's table: the node is not in it while it boots in the background. */
export function describeOpenSearchService(service: OpenSearchService): string {
  return service.start === "background"
    ? `OpenSearch ${service.endpoint} starting in the background (about 10 s; FLYWHEEL_OPENSEARCH=off skips it)`
    : `OpenSearch ${service.endpoint} ready`;
}
