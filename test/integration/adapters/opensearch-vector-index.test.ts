import { once } from "node:events";
import { existsSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { Client } from "@opensearch-project/opensearch";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  createOpenSearchClient,
  readOpenSearchConfig,
} from "../../../layers/adapters/aws/opensearch/opensearch-client.ts";
import { OpenSearchVectorIndex } from "../../../layers/adapters/aws/opensearch/opensearch-vector-index.ts";
import { InMemoryVectorIndex } from "../../../layers/adapters/embedded/in-memory-vector-index.ts";
import { DependencyError } from "../../../layers/domain/errors/domain-errors.ts";
import { SeededRandom } from "../../../layers/domain/random/seeded-random.ts";
import type { IndexedVector, VectorIndex, VectorQuery } from "../../../layers/ports/vector-index.ts";
import { type RunningOpenSearch, startOpenSearch } from "../../../local/cloud/emulators/opensearch.ts";
import { waitForOpenSearch } from "../../../local/cloud/opensearch/wait-for-opensearch.ts";
import { trackedProcessGroups } from "../../../local/cloud/process-registry.ts";
import { uniqueId } from "../../contract/unique-id.ts";
import { describeVectorIndexContract } from "../../contract/vector-index-contract.ts";
import { processIsGone } from "../local-cloud/process-gone.ts";

// The OpenSearch adapter against a real OpenSearch 2.19 node with the k-NN plugin (Lucene HNSW), which the
// global setup boots in the background (docs/testing.md). Each suite waits for it in beforeAll and fails
// with the reason when it could not start; FLYWHEEL_OPENSEARCH=off reports these suites as skipped.

const handoff = inject("localCloudOpenSearch");
const openSearchOff = handoff.state === "off";
/** The node boots in 10–15 s on a busy machine; a cold cache adds the Maven download. */
const READY_TIMEOUT_MS = 90_000;
/** Far above every client timeout involved: only a hang reaches it. */
const HANG_MS = 15_000;

let client: Client | undefined;

function sharedClient(): Client {
  if (client === undefined) throw new Error("the OpenSearch client is created in beforeAll");
  return client;
}

/** The local node is a single node: replicas would never be assigned. */
function openSearchIndex(over: Client = sharedClient()): OpenSearchVectorIndex {
  return new OpenSearchVectorIndex({ client: over, replicas: 0 });
}

describe.skipIf(openSearchOff)("OpenSearch vector index", () => {
  beforeAll(async () => {
    if (handoff.state === "launched") {
      await waitForOpenSearch({
        endpoint: handoff.endpoint,
        statusFile: handoff.statusFile,
        timeoutMs: READY_TIMEOUT_MS,
      });
    }
    client = createOpenSearchClient(readOpenSearchConfig());
  }, READY_TIMEOUT_MS + 30_000);

  afterAll(async () => {
    await client?.close();
    client = undefined;
  });

  describeVectorIndexContract("opensearch", async () => ({
    subject: openSearchIndex(),
    cleanup: async () => {},
  }));

  describe("compared with the exact embedded index", () => {
    const DIMENSIONS = 16;
    const ITEMS = 2_000;
    const CATEGORIES = ["books", "music", "film", "games", "rare"];
    const items = randomItems(21, ITEMS, DIMENSIONS, CATEGORIES);
    const exact = new InMemoryVectorIndex();
    const name = uniqueId("recall");

    beforeAll(async () => {
      await exact.createIndex(name, DIMENSIONS);
      await exact.upsert(name, items);
      await openSearchIndex().createIndex(name, DIMENSIONS);
      await openSearchIndex().upsert(name, items);
    });

    afterAll(async () => {
      await openSearchIndex().deleteIndex(name);
    });

    it("loads 2,000 items and finds the exact top 10 (recall@10 ≥ 0.95) with true inner products", async () => {
      const subject = openSearchIndex();
      expect(await subject.count(name)).toBe(ITEMS);
      const random = new SeededRandom(5);
      const queries = Array.from({ length: 40 }, () => ({ vector: randomVector(random, DIMENSIONS), k: 10 }));
      const recall = await meanRecall(subject, exact, name, queries, items);
      expect(recall).toBeGreaterThanOrEqual(0.95);
    });

    it("filters by category, availability and exclusions inside the search, never returning fewer than exist", async () => {
      const subject = openSearchIndex();
      const random = new SeededRandom(6);
      const queries: VectorQuery[] = [];
      for (let q = 0; q < 10; q++) {
        const vector = randomVector(random, DIMENSIONS);
        const best = (await exact.query(name, { vector, k: 20 })).map((hit) => hit.itemId);
        queries.push(
          { vector, k: 10, categories: ["music"] },
          // About 1 % of the items: the engine has to search past most of the graph to find 10.
          { vector, k: 10, categories: ["rare"] },
          { vector, k: 10, categories: ["film", "games"], onlyAvailable: false },
          { vector, k: 10, excludeItemIds: best },
          { vector, k: 25, categories: ["books"], excludeItemIds: best.slice(0, 5) },
        );
      }
      const recall = await meanRecall(subject, exact, name, queries, items);
      expect(recall).toBeGreaterThanOrEqual(0.95);
    });
  });

  it("keeps answering through an alias while it is swapped back and forth", async () => {
    const subject = openSearchIndex();
    const alias = uniqueId("serving");
    const [blue, green] = [uniqueId("items-blue"), uniqueId("items-green")];
    try {
      for (const [index, prefix] of [
        [blue, "blue"],
        [green, "green"],
      ] as const) {
        await subject.createIndex(index, 4);
        await subject.upsert(index, randomItems(31, 50, 4, ["all"], prefix));
      }
      await subject.swapAlias(alias, blue);
      let swapping = true;
      const seen = new Set<string>();
      const reader = async () => {
        const random = new SeededRandom(77);
        while (swapping) {
          const hits = await subject.query(alias, { vector: randomVector(random, 4), k: 5 });
          // Every answer comes whole from one index: never empty, never mixed, never an error.
          expect(hits).toHaveLength(5);
          const colours = new Set(hits.map((hit) => hit.itemId.split("-")[0]));
          expect(colours.size).toBe(1);
          for (const colour of colours) if (colour !== undefined) seen.add(colour);
        }
      };
      const readers = [reader(), reader(), reader()];
      try {
        for (let swap = 0; swap < 10; swap++) {
          await subject.swapAlias(alias, swap % 2 === 0 ? green : blue);
          expect(await subject.resolveAlias(alias)).toBe(swap % 2 === 0 ? green : blue);
          // Let the readers run a query or more against each target.
          await subject.query(alias, { vector: new Float32Array(4).fill(1), k: 1 });
        }
      } finally {
        swapping = false;
        await Promise.all(readers);
      }
      expect(seen).toEqual(new Set(["blue", "green"]));
    } finally {
      await subject.deleteIndex(blue);
      await subject.deleteIndex(green);
    }
  });
});

describe.skipIf(openSearchOff)("OpenSearch vector index when the node stops", () => {
  // A node of its own, started once the shared one is up (so the two JVMs do not boot at once): stopping
  // or freezing the shared node would break every other OpenSearch test.
  let node: RunningOpenSearch | undefined;

  beforeAll(async () => {
    if (handoff.state === "launched") {
      await waitForOpenSearch({
        endpoint: handoff.endpoint,
        statusFile: handoff.statusFile,
        timeoutMs: READY_TIMEOUT_MS,
      });
    }
    node = await startOpenSearch();
  }, READY_TIMEOUT_MS + 90_000);

  afterAll(async () => {
    await node?.stop();
  });

  it("a frozen node fails a query by the request timeout, a stopped one at once, as DependencyError", async () => {
    if (node === undefined) throw new Error("the node is started in beforeAll");
    const own = node;
    const config = readOpenSearchConfig({ FLYWHEEL_OPENSEARCH_ENDPOINT: own.endpoint });
    // A fresh JVM answers its first requests slowly; they are made with a patient client. The fast one then
    // has no retry and a short timeout, so a frozen node shows quickly.
    const patientClient = createOpenSearchClient({ ...config, requestTimeoutMs: 30_000 });
    const faultClient = createOpenSearchClient({ ...config, requestTimeoutMs: 1_000, maxRetries: 0 });
    try {
      const patient = openSearchIndex(patientClient);
      const subject = openSearchIndex(faultClient);
      const index = uniqueId("faults");
      await patient.createIndex(index, 2);
      await patient.upsert(index, [
        { itemId: "a", vector: Float32Array.from([1, 0]), categories: [], available: true },
      ]);
      const query: VectorQuery = { vector: Float32Array.from([1, 0]), k: 1 };
      expect(await patient.query(index, query)).toEqual([{ itemId: "a", score: 1 }]);
      expect(await subject.query(index, query)).toEqual([{ itemId: "a", score: 1 }]);

      own.process.signal("SIGSTOP");
      const frozen = await settledWithoutHang(subject.query(index, query).catch((error: unknown) => error));
      expect(frozen).toBeInstanceOf(DependencyError);
      expect(String(frozen)).toMatch(/timeout/i);

      // A frozen node still stops: the harness sends SIGCONT after SIGTERM.
      await own.stop();
      expect(processIsGone(own.pid)).toBe(true);
      expect(trackedProcessGroups()).not.toContain(own.pid);
      expect(existsSync(own.runDirectory)).toBe(false);
      const stopped = await settledWithoutHang(subject.query(index, query).catch((error: unknown) => error));
      expect(stopped).toBeInstanceOf(DependencyError);
      const writeAfterStop = await settledWithoutHang(
        subject.upsert(index, []).catch((error: unknown) => error),
      );
      expect(writeAfterStop).toBeInstanceOf(DependencyError);
    } finally {
      await Promise.all([patientClient.close(), faultClient.close()]);
    }
  });
});

// No node needed: a loopback server records what the client sends. The local node has no security plugin,
// so it would accept a signed request and an unsigned one alike.
describe("OpenSearch client authentication, chosen by configuration", () => {
  it("signs every request with SigV4 for the configured service with sigv4, and sends no signature with none", async () => {
    const received: IncomingHttpHeaders[] = [];
    const server = createServer((request, response) => {
      received.push(request.headers);
      response.setHeader("content-type", "application/json");
      response.end('{"hits":{"hits":[]}}');
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const address = server.address();
    const endpoint = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`;
    try {
      for (const service of ["es", "aoss"] as const) {
        const signed = createOpenSearchClient(
          readOpenSearchConfig({
            FLYWHEEL_OPENSEARCH_ENDPOINT: endpoint,
            FLYWHEEL_OPENSEARCH_AUTH: "sigv4",
            FLYWHEEL_OPENSEARCH_SERVICE: service,
            AWS_REGION: "eu-west-1",
          }),
        );
        // Credentials come from the SDK's default chain: here the local cloud's dummy ones in the environment.
        await signed.search({ index: "items", body: { size: 1 } });
        await signed.close();
        const authorization = String(received.at(-1)?.authorization);
        expect(authorization).toMatch(
          new RegExp(
            `^AWS4-HMAC-SHA256 Credential=${process.env.AWS_ACCESS_KEY_ID}/\\d{8}/eu-west-1/${service}/aws4_request`,
          ),
        );
        expect(received.at(-1)?.["x-amz-content-sha256"]).toMatch(/^[0-9a-f]{64}$/);
      }
      const unsigned = createOpenSearchClient(
        readOpenSearchConfig({ FLYWHEEL_OPENSEARCH_ENDPOINT: endpoint }),
      );
      await unsigned.search({ index: "items", body: { size: 1 } });
      await unsigned.close();
      expect(received.at(-1)?.authorization).toBeUndefined();
      expect(() =>
        readOpenSearchConfig({ FLYWHEEL_OPENSEARCH_ENDPOINT: endpoint, FLYWHEEL_OPENSEARCH_AUTH: "sigv4" }),
      ).toThrow(/AWS_REGION/);
      expect(() => readOpenSearchConfig({})).toThrow(/FLYWHEEL_OPENSEARCH_ENDPOINT/);
    } finally {
      server.close();
    }
  });
});

function randomVector(random: SeededRandom, dimensions: number): Float32Array {
  return Float32Array.from({ length: dimensions }, () => random.nextGaussian());
}

/** Items with one or two categories, every fifth unavailable; the last category is given to about 1 %. */
function randomItems(
  seed: number,
  count: number,
  dimensions: number,
  categories: readonly string[],
  prefix = `item-${seed}`,
): IndexedVector[] {
  const random = new SeededRandom(seed);
  const common = categories.length > 1 ? categories.slice(0, -1) : categories;
  return Array.from({ length: count }, (_, i) => {
    const first =
      random.next() < 0.01
        ? (categories.at(-1) as string)
        : (common[random.nextInt(common.length)] as string);
    const second = common[random.nextInt(common.length)] as string;
    return {
      itemId: `${prefix}-${i}`,
      vector: randomVector(random, dimensions),
      categories: random.next() < 0.3 ? [first, second] : [first],
      available: i % 5 !== 0,
    };
  });
}

/**
 * Mean recall of OpenSearch's hits against the exact index's, per query |found ∩ exact| / |exact|; along
 * the way every hit must pass the query's filters and carry its true inner product.
 */
async function meanRecall(
  subject: VectorIndex,
  exact: VectorIndex,
  index: string,
  queries: readonly VectorQuery[],
  items: readonly IndexedVector[],
): Promise<number> {
  const byId = new Map(items.map((item) => [item.itemId, item]));
  let total = 0;
  for (const query of queries) {
    const expected = await exact.query(index, query);
    const found = await subject.query(index, query);
    expect(found.length).toBe(expected.length);
    const excluded = new Set(query.excludeItemIds ?? []);
    for (const hit of found) {
      const item = byId.get(hit.itemId);
      expect(item, hit.itemId).toBeDefined();
      if (item === undefined) continue;
      if (query.onlyAvailable ?? true) expect(item.available, hit.itemId).toBe(true);
      expect(excluded.has(hit.itemId), hit.itemId).toBe(false);
      if (query.categories !== undefined && query.categories.length > 0) {
        expect(item.categories.some((category) => query.categories?.includes(category))).toBe(true);
      }
      const trueScore = innerProduct(query.vector, item.vector);
      expect(Math.abs(hit.score - trueScore)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(trueScore)));
    }
    const wanted = new Set(expected.map((hit) => hit.itemId));
    const overlap = found.filter((hit) => wanted.has(hit.itemId)).length;
    total += expected.length === 0 ? 1 : overlap / expected.length;
  }
  return total / queries.length;
}

function innerProduct(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let d = 0; d < a.length; d++) dot += (a[d] as number) * (b[d] as number);
  return dot;
}

/** Fails the test if `promise` is still pending after HANG_MS, instead of letting it hang. */
async function settledWithoutHang<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${HANG_MS} ms: a hang`)), HANG_MS);
  });
  try {
    return await Promise.race([promise, hang]);
  } finally {
    clearTimeout(timer);
  }
}
