import { describe, expect, it } from "vitest";
import { averageTierPrice, PRICES, tieredCost } from "../../../infra/capacity/aws-prices.ts";
import {
  batchRecommendationsBytes,
  interactionMarkerBytes,
  interactionRecordBytes,
  queryReadUnits,
  readUnits,
  writeUnits,
} from "../../../infra/capacity/dynamodb-item-sizes.ts";
import {
  alsIterationFlops,
  hnswGraphBytes,
  knnBudgetGiB,
  recordsPerStreamBatch,
  sizeDynamoDb,
  sizeEmr,
  sizeKinesis,
  sizeLambda,
  sizeOpenSearch,
} from "../../../infra/capacity/service-sizing.ts";
import {
  capacityInputs,
  DEFAULT_WORKLOAD_ASSUMPTIONS,
  SECONDS_PER_MONTH,
  workloadOf,
} from "../../../infra/capacity/workload-model.ts";

const A = DEFAULT_WORKLOAD_ASSUMPTIONS;

describe("DynamoDB units and item sizes", () => {
  it("bills writes per started KB and strongly consistent reads per started 4 KB", () => {
    expect(writeUnits(1)).toBe(1);
    expect(writeUnits(1024)).toBe(1);
    expect(writeUnits(1025)).toBe(2);
    expect(readUnits(4096)).toBe(1);
    expect(readUnits(4097)).toBe(2);
    // A Query that returns nothing still costs a unit.
    expect(queryReadUnits(0)).toBe(1);
    expect(queryReadUnits(24 * 298)).toBe(2);
  });

  it("sizes an interaction record and its marker attribute by attribute", () => {
    // pk 2+5+24, sk 2+16+1+36, eventId 7+36, userId 6+24, itemId 6+24, type 4+5, weight 6+2,
    // occurredAt 10+8, recommendationId 16+36, expiresAtSeconds 16+6.
    expect(interactionRecordBytes(A)).toBe(31 + 55 + 43 + 30 + 30 + 9 + 8 + 18 + 52 + 22);
    // pk 2+6+36, sk 2+5, expiresAtSeconds 16+6.
    expect(interactionMarkerBytes(A)).toBe(44 + 7 + 22);
  });

  it("grows a nightly entry with its history: 500 history ids make it about 16 KB", () => {
    const withHistory = batchRecommendationsBytes(A, 500);
    const without = batchRecommendationsBytes(A, 0);
    // Each history entry: an id in the list (24 + 1 B) and a float32 weight (4 B).
    expect(withHistory - without).toBe(
      "historyItemIds".length + 3 + 500 * 25 + "historyWeights".length + 2000,
    );
    expect(writeUnits(withHistory)).toBe(16);
    expect(readUnits(withHistory)).toBe(4);
  });

  it("counts the interaction transaction as two items at twice the units", () => {
    const inputs = capacityInputs({ users: 1_000_000, items: 10_000, rps: 10, eventsPerSec: 100 });
    const w = workloadOf(inputs);
    const dynamo = sizeDynamoDb(w, sizeLambda(w, sizeKinesis(w)));
    const interactions = dynamo.tables.find((table) => table.table === "interactions");
    // 100 events/s × (record 1 WRU + marker 1 WRU) × 2 for TransactWriteItems.
    expect(interactions?.writeUnitsPerSec).toBe(400);
  });
});

describe("prices", () => {
  it("applies tiers to successive bands of the month's total", () => {
    const tiers = PRICES.apiGateway.requestTiersPerMillion;
    expect(tieredCost(100, tiers)).toBeCloseTo(350, 9);
    // 333 M at $3.50, then 67 M at $2.80.
    expect(tieredCost(400, tiers)).toBeCloseTo(333 * 3.5 + 67 * 2.8, 9);
    expect(averageTierPrice(400, tiers)).toBeCloseTo((333 * 3.5 + 67 * 2.8) / 400, 9);
    expect(tieredCost(0, tiers)).toBe(0);
  });
});

describe("Kinesis", () => {
  it("takes the largest of the write-bytes, write-records, read and consumer needs", () => {
    const inputs = capacityInputs({
      users: 1_000_000,
      items: 10_000,
      rps: 1000,
      eventsPerSec: 5000,
      streamMode: "provisioned",
    });
    const kinesis = sizeKinesis(workloadOf(inputs));
    // 5,000 events + 700 impressions a second, twice that at peak: 11,400 records/s → 12 shards by records.
    expect(kinesis.peakRecordsPerSec).toBe(11_400);
    expect(kinesis.shards).toBe(12);
    expect(kinesis.bindingLimit).toBe("write records (1,000/s a shard)");
    // (300 B × 5,000 + 500 B × 700) / 5,700 a record; 3.5 MiB/s at peak needs only 4 shards.
    expect(kinesis.averageRecordBytes).toBeCloseTo((300 * 5000 + 500 * 700) / 5700, 9);
    expect(kinesis.peakMibPerSec).toBeLessThan(4);
    // 11,400 records/s × 1.4 ms / 0.8 = 19.95 busy slots over 12 shards: 2 batches per shard.
    expect(kinesis.parallelizationFactor).toBe(2);
  });

  it("never sizes an on-demand stream below its 4-shard start", () => {
    const kinesis = sizeKinesis(
      workloadOf(capacityInputs({ users: 10, items: 10, rps: 1, eventsPerSec: 1 })),
    );
    expect(kinesis.shards).toBe(4);
    expect(kinesis.bindingLimit).toBe("on-demand minimum");
  });
});

describe("Lambda", () => {
  it("applies Little's law: concurrency = invocations/s × duration", () => {
    const inputs = capacityInputs({ users: 1_000_000, items: 10_000, rps: 1000, eventsPerSec: 5000 });
    const w = workloadOf(inputs);
    const lambda = sizeLambda(w, sizeKinesis(w));
    const events = lambda.functions.find((fn) => fn.name === "events");
    // 5,000 events / 10 per request = 500 requests/s × 25 ms.
    expect(events?.averageConcurrency).toBeCloseTo(12.5, 9);
    expect(events?.peakConcurrency).toBeCloseTo(25, 9);
    expect(events?.gbSecondsPerMonth).toBeCloseTo(12.5 * 0.5 * SECONDS_PER_MONTH, 3);
    const popular = lambda.functions.find((fn) => fn.name === "popular-items");
    // 10 % of 1,000 reads/s × 20 ms.
    expect(popular?.averageConcurrency).toBeCloseTo(2, 9);
  });

  it("batches stream records as they arrive while one batch per slot is in flight", () => {
    // 100 records/s per slot, 40 ms per batch + 1 ms per record: b = 100 × 0.04 / (1 − 0.1).
    expect(recordsPerStreamBatch(100, 0.04, 0.001, 100)).toBeCloseTo(4 / 0.9, 9);
    // A trickle is invoked one record at a time; a flood fills every batch.
    expect(recordsPerStreamBatch(1, 0.04, 0.001, 100)).toBe(1);
    expect(recordsPerStreamBatch(2000, 0.04, 0.001, 100)).toBe(100);
  });

  it("keeps the stream function's concurrency within shards × parallelization", () => {
    const inputs = capacityInputs({ users: 1_000_000, items: 10_000, rps: 1000, eventsPerSec: 5000 });
    const w = workloadOf(inputs);
    const kinesis = sizeKinesis(w);
    const stream = sizeLambda(w, kinesis).functions.find((fn) => fn.name === "stream");
    expect(stream?.peakConcurrency).toBeLessThanOrEqual(kinesis.shards * kinesis.parallelizationFactor);
    expect(stream?.averageConcurrency).toBeGreaterThan(0);
  });
});

describe("OpenSearch", () => {
  it("estimates HNSW memory as 1.1 × (4d + 8M) bytes a vector", () => {
    expect(hnswGraphBytes(1_000_000, 64, 16)).toBeCloseTo(1.1 * (256 + 128) * 1_000_000, 3);
  });

  it("gives k-NN the circuit breaker's half of what the heap leaves", () => {
    expect(knnBudgetGiB(16)).toBe(4);
    // The heap stops at 32 GiB.
    expect(knnBudgetGiB(128)).toBe(48);
    expect(knnBudgetGiB(384)).toBe(176);
  });

  it("fits a small graph on the two-node minimum", () => {
    const os = sizeOpenSearch(
      workloadOf(capacityInputs({ users: 1000, items: 10_000_000, rps: 1, eventsPerSec: 1 })),
    );
    // 1.1 × 384 B × 10M × 2 copies = 7.87 GiB: two r6g.large with 4 GiB of k-NN each.
    expect(os.graphGiBTotal).toBeCloseTo((2 * 1.1 * 384 * 10_000_000) / 1024 ** 3, 6);
    expect(os.instanceType).toBe("r6g.large.search");
    expect(os.dataNodes).toBe(2);
    expect(os.nodesForMemory).toBe(2);
  });

  it("moves to the cheapest instance type that holds a large graph", () => {
    const os = sizeOpenSearch(
      workloadOf(capacityInputs({ users: 1000, items: 100_000_000, rps: 1, eventsPerSec: 1 })),
    );
    // 78.7 GiB of graph: 20 × large, 10 × xlarge, 6 × 2xlarge or 2 × 4xlarge (48 GiB each); the last is cheapest.
    expect(os.instanceType).toBe("r6g.4xlarge.search");
    expect(os.dataNodes).toBe(2);
    expect(os.fits).toBe(true);
  });

  it("adds nodes for query throughput", () => {
    const os = sizeOpenSearch(
      workloadOf(capacityInputs({ users: 1_000_000, items: 1000, rps: 10_000, eventsPerSec: 1 })),
    );
    // Realtime tier: 10,000 × 0.7 × 0.5 × 0.7 = 2,450/s, 4,900 at peak, 100 a vCPU.
    expect(os.peakQueriesPerSec).toBeCloseTo(4900, 6);
    expect(os.dataNodes * 2).toBeGreaterThanOrEqual(49);
  });
});

describe("EMR Serverless", () => {
  it("counts an implicit-ALS iteration as 2·nnz·f² + 2·(U+I)·f² + (U+I)·f³/3", () => {
    expect(alsIterationFlops(1000, 10, 20, 2)).toBeCloseTo(8000 + 240 + 80, 9);
  });

  it("trains twice (holdout and final) and scores every user twice", () => {
    const inputs = capacityInputs({ users: 1000, items: 100, rps: 1, eventsPerSec: 1 });
    const emr = sizeEmr(workloadOf(inputs));
    // Pairs: min(1,000 × 100, 1 event/s × 90 days × 0.5) = 100,000.
    expect(emr.trainingPairs).toBe(100_000);
    const expected =
      15 * (alsIterationFlops(100_000, 1000, 100, 64) + alsIterationFlops(80_000, 1000, 100, 64));
    expect(emr.trainingGflop).toBeCloseTo(expected / 1e9, 9);
    expect(emr.scoringGflop).toBeCloseTo((2 * 64 * 100 * 2000) / 1e9, 12);
    expect(emr.gbHoursPerNight).toBeCloseTo(4 * emr.vcpuHoursPerNight, 9);
  });
});
