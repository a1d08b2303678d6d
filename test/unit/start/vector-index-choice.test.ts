import { describe, expect, it } from "vitest";
import { OpenSearchVectorIndex } from "../../../layers/adapters/aws/opensearch/opensearch-vector-index.ts";
import { InMemoryVectorIndex } from "../../../layers/adapters/embedded/in-memory-vector-index.ts";
import type {
  OpenSearchReady,
  OpenSearchService,
} from "../../../local/cloud/opensearch/opensearch-service.ts";
import { DeferredVectorIndex } from "../../../local/start/deferred-vector-index.ts";
import { chooseVectorIndex } from "../../../local/start/local-services.ts";

function service(ready: Promise<OpenSearchReady>): OpenSearchService & { stopped: () => boolean } {
  let stopped = false;
  ready.catch(() => {});
  return {
    endpoint: "http://127.0.0.1:9",
    start: "background",
    ready,
    stop: async () => {
      stopped = true;
    },
    stopped: () => stopped,
  };
}

describe("choosing the vector index", () => {
  it("takes OpenSearch once its node answers", async () => {
    const node = service(
      Promise.resolve({ endpoint: "http://127.0.0.1:9200", pid: 1, startMs: 1, source: "test node" }),
    );
    const choice = await chooseVectorIndex(node, 60_000);
    expect(choice.index).toBeInstanceOf(OpenSearchVectorIndex);
    expect(choice.description).toContain("http://127.0.0.1:9200");
    expect(choice.fallback).toBeUndefined();
    expect(node.stopped()).toBe(false);
  });

  it("stands the embedded index in for a node that fails, stops it and says why", async () => {
    const node = service(Promise.reject(new Error("java: not found\nmore detail")));
    const choice = await chooseVectorIndex(node, 60_000);
    expect(choice.index).toBeInstanceOf(InMemoryVectorIndex);
    expect(choice.fallback).toBe("OpenSearch did not start → the embedded vector index (java: not found)");
    expect(node.stopped()).toBe(true);
  });

  it("gives up on a node that never answers within the wait", async () => {
    const node = service(new Promise<OpenSearchReady>(() => {}));
    const choice = await chooseVectorIndex(node, 1);
    expect(choice.index).toBeInstanceOf(InMemoryVectorIndex);
    expect(choice.fallback).toContain("not ready within");
    expect(node.stopped()).toBe(true);
  });

  it("uses the embedded index when OpenSearch is off", async () => {
    const choice = await chooseVectorIndex(undefined, 60_000);
    expect(choice.index).toBeInstanceOf(InMemoryVectorIndex);
    expect(choice.fallback).toBeUndefined();
  });

  it("forwards every call to the index chosen later", async () => {
    const chosen = Promise.withResolvers<InMemoryVectorIndex>();
    const deferred = new DeferredVectorIndex(chosen.promise);
    const created = deferred.createIndex("items-v1", 2);
    chosen.resolve(new InMemoryVectorIndex());
    await created;
    await deferred.upsert("items-v1", [
      { itemId: "a", vector: Float32Array.of(1, 0), categories: [], available: true },
      { itemId: "b", vector: Float32Array.of(0, 1), categories: [], available: true },
    ]);
    await deferred.swapAlias("items", "items-v1");
    expect(await deferred.resolveAlias("items")).toBe("items-v1");
    expect(await deferred.count("items-v1")).toBe(2);
    const hits = await deferred.query("items", { vector: Float32Array.of(1, 0), k: 1 });
    expect(hits.map((hit) => hit.itemId)).toEqual(["a"]);
  });
});
