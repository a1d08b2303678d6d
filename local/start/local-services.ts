import {
  createOpenSearchClient,
  readOpenSearchConfig,
} from "../../layers/adapters/aws/opensearch/opensearch-client.ts";
import { OpenSearchVectorIndex } from "../../layers/adapters/aws/opensearch/opensearch-vector-index.ts";
import { InMemoryVectorIndex } from "../../layers/adapters/embedded/in-memory-vector-index.ts";
import type { VectorIndex } from "../../layers/ports/vector-index.ts";
import type { LocalServiceName } from "../cloud/emulators/running-emulator.ts";
import { type LocalCloud, LocalCloudStartError, startLocalCloud } from "../cloud/local-cloud.ts";
import type { LocalServiceInfo } from "../cloud/local-cloud-table.ts";
import type { OpenSearchService } from "../cloud/opensearch/opensearch-service.ts";

/** Without these three there is no emulated data plane: the whole runtime then runs on embedded adapters. */
const CORE_SERVICES: readonly LocalServiceName[] = ["dynamodb", "kinesis", "s3"];
/**
 * SIGTERM, then SIGKILL after this: the emulators hold nothing worth a graceful shutdown (all of it is
 * dropped with them), and Ctrl-C must be done within 5 s.
 */
const EMULATOR_STOP_TIMEOUT_MS = 1_500;
const SERVICE_NAMES: Readonly<Record<LocalServiceName, string>> = {
  dynamodb: "DynamoDB Local",
  kinesis: "kinesis-mock",
  s3: "moto (S3, SQS)",
  redis: "redis-server",
  sagemakerRuntime: "SageMaker runtime stand-in",
};

export interface LocalServices {
  /** `emulators`: DynamoDB, Kinesis and S3 emulated; `embedded`: every port in this process. */
  readonly mode: "emulators" | "embedded";
  /** The local cloud, in emulators mode. */
  readonly cloud: LocalCloud | undefined;
  /** Whether redis-server runs (else the cache and trending counters are embedded). */
  readonly redis: boolean;
  /** What runs where, for the banner. */
  readonly services: readonly LocalServiceInfo[];
  /** One line per stand-in: which emulator is missing, why, and what replaces it. */
  readonly fallbacks: readonly string[];
  stop(): Promise<void>;
}

export interface LocalServicesOptions {
  /** Start no emulator at all. @default false */
  readonly embedded?: boolean;
  /** Receives the local cloud's own report lines. */
  readonly log: (text: string) => void;
  /** @default process.env */
  readonly sourceEnv?: NodeJS.ProcessEnv;
}

/**
 * The local cloud for `npm start`, with the embedded adapters standing in for what cannot start: Redis
 * missing → the embedded cache and trending counters; OpenSearch failing to launch → the embedded vector
 * index (chooseVectorIndex also falls back when it never becomes ready); DynamoDB Local, kinesis-mock or
 * moto missing → the whole data plane embedded. The OpenSearch node boots in the background.
 */
export async function startLocalServices(options: LocalServicesOptions): Promise<LocalServices> {
  const fallbacks: string[] = [];
  if (options.embedded === true) {
    fallbacks.push("--embedded: no emulator started; every port runs on its embedded (in-process) adapter");
    return embeddedServices(fallbacks);
  }
  let sourceEnv = options.sourceEnv ?? process.env;
  let services: LocalServiceName[] = [...CORE_SERVICES, "redis"];
  for (;;) {
    try {
      const cloud = await startLocalCloud({
        services,
        opensearch: { start: "background", stopTimeoutMs: EMULATOR_STOP_TIMEOUT_MS },
        sourceEnv,
        log: options.log,
        stopTimeoutMs: EMULATOR_STOP_TIMEOUT_MS,
      });
      if (cloud.opensearch === undefined)
        fallbacks.push("OpenSearch: off (FLYWHEEL_OPENSEARCH=off) → the embedded vector index");
      return {
        mode: "emulators",
        cloud,
        redis: services.includes("redis"),
        services: cloud.services,
        fallbacks,
        stop: () => cloud.stop(),
      };
    } catch (error) {
      const reason = firstLine(error);
      if (error instanceof LocalCloudStartError) {
        const core = error.failed.filter((service) => CORE_SERVICES.includes(service));
        if (core.length > 0) {
          fallbacks.push(
            `${core.map((service) => SERVICE_NAMES[service]).join(", ")} did not start → every port runs on its embedded adapter (${reason})`,
          );
          return embeddedServices(fallbacks);
        }
        for (const service of error.failed)
          fallbacks.push(
            `${SERVICE_NAMES[service]} did not start → the embedded cache and trending counters`,
          );
        services = services.filter((service) => !error.failed.includes(service));
        continue;
      }
      if (sourceEnv.FLYWHEEL_OPENSEARCH !== "off") {
        // The OpenSearch node could not even be launched (no Java, no distribution and no Maven to build it).
        fallbacks.push(`OpenSearch could not be launched → the embedded vector index (${reason})`);
        sourceEnv = { ...sourceEnv, FLYWHEEL_OPENSEARCH: "off" };
        continue;
      }
      fallbacks.push(`the local cloud did not start → every port runs on its embedded adapter (${reason})`);
      return embeddedServices(fallbacks);
    }
  }
}

function embeddedServices(fallbacks: string[]): LocalServices {
  return { mode: "embedded", cloud: undefined, redis: false, services: [], fallbacks, stop: async () => {} };
}

export interface VectorIndexChoice {
  readonly index: VectorIndex;
  /** For the banner: OpenSearch's endpoint, or why the embedded index serves. */
  readonly description: string;
  /** When the node was launched but the embedded index stands in for it: the banner's stand-in line. */
  readonly fallback?: string;
}

/**
 * OpenSearch once its node answers, or the embedded index when it fails to start or is not up within
 * `waitMs` (then the node is stopped, so that it does not eat memory for nothing).
 */
export async function chooseVectorIndex(
  opensearch: OpenSearchService | undefined,
  waitMs: number,
): Promise<VectorIndexChoice> {
  if (opensearch === undefined)
    return { index: new InMemoryVectorIndex(), description: "embedded (exact k-NN in this process)" };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), waitMs);
  });
  try {
    const ready = await Promise.race([opensearch.ready, deadline]).finally(() => clearTimeout(timer));
    if (ready === "timeout") throw new Error(`not ready within ${Math.round(waitMs / 1000)} s`);
    const config = readOpenSearchConfig({ FLYWHEEL_OPENSEARCH_ENDPOINT: ready.endpoint });
    return {
      // One node: no replica could ever be assigned.
      index: new OpenSearchVectorIndex({
        client: createOpenSearchClient(config),
        replicas: 0,
        writeTimeoutMs: config.writeTimeoutMs,
      }),
      description: `OpenSearch k-NN at ${ready.endpoint} (${ready.source})`,
    };
  } catch (error) {
    await opensearch.stop();
    return {
      index: new InMemoryVectorIndex(),
      description: "embedded (exact k-NN in this process)",
      fallback: `OpenSearch did not start → the embedded vector index (${firstLine(error)})`,
    };
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split("\n").find((line) => line.trim() !== "") ?? text).trim();
}
