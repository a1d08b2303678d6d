// `node bench/opensearch-bench.ts` (or as the `opensearch` suite of run-bench.ts): the OpenSearch k-NN node
// of the local cloud against the embedded exact index, at 100K items × 64 dims.
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import type { Client } from "@opensearch-project/opensearch";
import {
  createOpenSearchClient,
  readOpenSearchConfig,
} from "../layers/adapters/aws/opensearch/opensearch-client.ts";
import { OpenSearchVectorIndex } from "../layers/adapters/aws/opensearch/opensearch-vector-index.ts";
import { InMemoryVectorIndex } from "../layers/adapters/embedded/in-memory-vector-index.ts";
import { SeededRandom } from "../layers/domain/random/seeded-random.ts";
import type { IndexedVector, VectorHit, VectorIndex } from "../layers/ports/vector-index.ts";
import { type RunningOpenSearch, startOpenSearch } from "../local/cloud/emulators/opensearch.ts";
import { type BenchFigure, printFigure, round } from "./bench-figure.ts";

const ITEMS = 100_000;
const DIMENSIONS = 64;
const QUERIES = 500;
const WARM_UP_QUERIES = 50;
const K = 50;
const CATEGORIES = 20;
const INDEX = "items-bench";

/**
 * Starts a node of its own (assembling it first if the cache is empty), bulk-loads 100,000 items × 64 dims
 * through the adapter in one upsert (bounded bulk requests, one refresh at the end), then times 500 k-NN
 * queries (k = 50) one after another, as a serving Lambda issues them, and the same queries on the
 * embedded exact index. Latency is the client's round trip over loopback. Also reported: the node's start
 * time and resident memory, and recall@50 of HNSW against the exact answer at the adapter's default beam
 * (400 candidates) and a narrower one (100). The node is stopped at the end, also when a step fails.
 */
export async function runOpenSearchBench(): Promise<BenchFigure[]> {
  const context = { cpus: cpus().length, loadAverage: round(loadavg()[0] ?? 0, 1), node: process.version };
  const figures: BenchFigure[] = [];
  const figure = (metric: string, value: number, unit: string, extra: Record<string, unknown> = {}) =>
    figures.push({ bench: "opensearch", metric, value, unit, ...context, ...extra });

  const random = new SeededRandom(2024);
  const items = randomItems(random);
  const queries = Array.from({ length: QUERIES + WARM_UP_QUERIES }, () => randomVector(random));

  const embedded = new InMemoryVectorIndex();
  await embedded.createIndex(INDEX, DIMENSIONS);
  await embedded.upsert(INDEX, items);
  const exact: VectorHit[][] = [];
  const embeddedSamples = await timeQueries(embedded, queries, (hits) => exact.push(hits));

  // The full JIT: C1 alone (the tests' fast start) builds graphs and scores vectors several times slower.
  const node: RunningOpenSearch = await startOpenSearch({ fastStart: false, heapMb: 1024 });
  let client: Client | undefined;
  try {
    figure("node_start_ms", node.startMs, "ms", { assembleMs: node.assembleMs, jit: "C1+C2", heapMb: 1024 });
    figure("node_rss_after_start", rssMiB(node.pid), "MiB");
    client = createOpenSearchClient({
      ...readOpenSearchConfig({ FLYWHEEL_OPENSEARCH_ENDPOINT: node.endpoint }),
      // The first queries after a bulk load are slow on a fresh JVM; the warm-up absorbs them.
      requestTimeoutMs: 30_000,
    });
    const index = new OpenSearchVectorIndex({ client, replicas: 0, writeTimeoutMs: 120_000 });
    await index.createIndex(INDEX, DIMENSIONS);
    const loadStarted = performance.now();
    await index.upsert(INDEX, items);
    const loadMs = performance.now() - loadStarted;
    const shape = { items: ITEMS, dimensions: DIMENSIONS };
    figure("bulk_load_ms", Math.round(loadMs), "ms", shape);
    figure("bulk_load_rate", Math.round(ITEMS / (loadMs / 1000)), "items/s", shape);
    figure("node_rss_after_load", rssMiB(node.pid), "MiB", shape);

    const queryContext = { ...shape, k: K, queries: QUERIES };
    // The adapter's default beam (400 candidates) and a narrower one: recall traded for latency.
    for (const candidates of [400, 100]) {
      const searcher = new OpenSearchVectorIndex({ client, candidates });
      const found: VectorHit[][] = [];
      const samples = await timeQueries(searcher, queries, (hits) => found.push(hits));
      const adapter = { adapter: "opensearch", candidates, ...queryContext };
      figure("knn_query_p50", round(percentile(samples, 0.5)), "ms", adapter);
      figure("knn_query_p99", round(percentile(samples, 0.99)), "ms", adapter);
      figure("knn_recall_at_50", round(meanRecall(found, exact), 4), "ratio", {
        ...adapter,
        reference: "embedded exact",
      });
    }
    const adapter = { adapter: "embedded", ...queryContext };
    figure("knn_query_p50", round(percentile(embeddedSamples, 0.5)), "ms", adapter);
    figure("knn_query_p99", round(percentile(embeddedSamples, 0.99)), "ms", adapter);
    await index.deleteIndex(INDEX);
  } finally {
    await client?.close();
    await node.stop();
  }
  return figures;
}

function randomVector(random: SeededRandom): Float32Array {
  return Float32Array.from({ length: DIMENSIONS }, () => random.nextGaussian());
}

function randomItems(random: SeededRandom): IndexedVector[] {
  return Array.from({ length: ITEMS }, (_, i) => ({
    itemId: `item-${i}`,
    vector: randomVector(random),
    categories: [`c${i % CATEGORIES}`],
    available: true,
  }));
}

/** Times every query after the warm-up ones (JIT, connections, the first searches of new segments). */
async function timeQueries(
  index: VectorIndex,
  queries: readonly Float32Array[],
  keep: (hits: VectorHit[]) => void,
): Promise<number[]> {
  const samples: number[] = [];
  for (let q = 0; q < queries.length; q++) {
    const vector = queries[q] as Float32Array;
    const started = performance.now();
    const hits = await index.query(INDEX, { vector, k: K });
    const elapsed = performance.now() - started;
    if (q >= WARM_UP_QUERIES) {
      samples.push(elapsed);
      keep(hits);
    }
  }
  return samples;
}

/** Nearest-rank percentile. */
function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
}

function meanRecall(found: readonly VectorHit[][], exact: readonly VectorHit[][]): number {
  let total = 0;
  exact.forEach((expected, q) => {
    const wanted = new Set(expected.map((hit) => hit.itemId));
    const overlap = (found[q] ?? []).filter((hit) => wanted.has(hit.itemId)).length;
    total += expected.length === 0 ? 1 : overlap / expected.length;
  });
  return exact.length === 0 ? 1 : total / exact.length;
}

function rssMiB(pid: number): number {
  const kib = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? Number.NaN);
  return Math.round(kib / 1024);
}

if (import.meta.main) {
  for (const figure of await runOpenSearchBench()) printFigure(figure);
}
