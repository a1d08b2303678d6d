import { PRICES } from "./aws-prices.ts";
import {
  batchRecommendationsBytes,
  catalogItemBytes,
  feedbackCounterBytes,
  feedbackMarkerBytes,
  interactionMarkerBytes,
  interactionRecordBytes,
  profileBytes,
  queryReadUnits,
  readUnits,
  STORAGE_OVERHEAD_BYTES_PER_ITEM,
  servedListBytes,
  writeUnits,
} from "./dynamodb-item-sizes.ts";
import { formatQuantity as fmt } from "./number-format.ts";
import { SECONDS_PER_DAY, SECONDS_PER_MONTH, type Workload } from "./workload-model.ts";

/**
 * The sizing formulas, one function per service, from a Workload to the capacity each service needs.
 * Money is the report's business (capacity-report.ts); this file only counts. Each constant says where it
 * comes from: a file of this repository, an AWS limit, or an estimate (named as such).
 */

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

export const SIZING_CONSTANTS = {
  lambda: {
    /** Memory of the API functions: functions/api/route-table.ts. */
    eventsMemoryMb: 512,
    recommendationsMemoryMb: 1024,
    similarMemoryMb: 1024,
    popularMemoryMb: 512,
    /** Stream and archive functions: infra/stacks/ingest-stack.ts. */
    streamMemoryMb: 1024,
    archiveMemoryMb: 1024,
    publishMemoryMb: 1024,
    /**
     * Durations in AWS, estimates: the handlers wait on the network, not the CPU (README: the realtime tier
     * computes for 3.2 ms p50 on embedded adapters). A recommendation also awaits its impression's
     * PutRecord (about 10 ms); a cache hit reads Redis and the catalog; a miss reads DynamoDB three times in
     * parallel, queries OpenSearch (realtime) and batch-reads the catalog.
     */
    eventsDurationMs: 25,
    cacheHitDurationMs: 25,
    realtimeDurationMs: 60,
    batchTierDurationMs: 45,
    popularTierDurationMs: 40,
    similarBaseDurationMs: 20,
    /** The cosine scan over every item factor, in JavaScript (layers/domain/scoring/similar-items.ts). */
    similarScanNsPerItemFactor: 1,
    popularDurationMs: 20,
    /** Stream batch: fixed part (transactions, BatchGets, Lua, feedback) and per record (fold-in 0.13 ms + I/O over 16 users in flight). */
    streamBatchOverheadMs: 40,
    streamPerRecordMs: 1,
    /** streamBatchSize (stage-config.ts). */
    streamBatchSize: 100,
    /** Archive batch: Parquet encoding and one PutObject; archiveBatchSize and its window (stage-config.ts). */
    archiveBatchOverheadMs: 500,
    archivePerRecordMs: 0.05,
    archiveBatchSize: 10_000,
    archiveWindowSeconds: 60,
    /** Nightly publish (layers/domain/pipeline/publish-batch-recs.ts): entries written per second per function. */
    publishUsersPerSecond: 2000,
    /** usersPerBatchFile (layers/domain/pipeline/pipeline-settings.ts): one invocation per file. */
    publishUsersPerInvocation: 1000,
    /** Runtime, bundle and SDK clients before any model is loaded. */
    baselineMemoryMb: 150,
    /** Lambda's default regional concurrency quota (soft). */
    accountConcurrencyQuota: 1000,
  },
  kinesis: {
    /** Per shard, in: 1 MiB/s and 1,000 records/s; out: 2 MiB/s shared by polling consumers. */
    shardWriteBytesPerSec: MIB,
    shardWriteRecordsPerSec: 1000,
    shardSharedReadBytesPerSec: 2 * MIB,
    /** Polling consumers: the archive function. The stream function reads by enhanced fan-out (its own 2 MiB/s). */
    sharedConsumers: 1,
    enhancedFanOutConsumers: 1,
    /** A new on-demand stream has 4 shards' worth of write capacity. */
    onDemandMinimumShards: 4,
    /** The stream function keeps a shard's batches at most this busy, so a backlog drains. */
    consumerTargetUtilization: 0.8,
    /** ParallelizationFactor's AWS maximum. */
    maxParallelizationFactor: 10,
    /** On-demand's default per-stream write quota (records/s and MiB/s). */
    onDemandMaxRecordsPerSec: 200_000,
    onDemandMaxMibPerSec: 200,
  },
  dynamoDb: {
    /** k-NN candidates: max(candidateMultiplier 5 × limit, minCandidates 50) (serving-dependencies.ts). */
    candidateMultiplier: 5,
    minCandidates: 50,
    /** explorationPoolSize and reasonPoolSize (serving-dependencies.ts). */
    explorationPoolSize: 100,
    reasonPoolSize: 100,
    /** explorationShare: a list of 10 has one exploration slot, so the pool is read. */
    explorationShare: 0.1,
    /** ActiveModelCache asks the registry at most every 10 s per process (layers/domain/streaming/active-model.ts). */
    registryPollsPerSecondPerProcess: 0.1,
    /** Model versions the registry holds: a year of nightly versions, about 1 KB each. */
    registryItems: 365,
    /** ItemCategories keeps an item's categories 60 s (layers/domain/streaming/item-categories.ts). */
    categoryCacheSeconds: 60,
    /** DEFAULT_COUNTER_SHARDS (dynamodb-recommendation-log.ts) and DynamoDB's per-partition write limit. */
    feedbackCounterShards: 8,
    partitionWriteUnitsPerSec: 1000,
    /** The nightly publish writes every entry within about this long. */
    publishWindowSeconds: 3600,
  },
  elastiCache: {
    /**
     * ECPUs: 1 per simple command per KB moved; scripts in proportion to their work (ElastiCache docs).
     * Per-script figures are estimates from the commands each Lua script runs (redis-cache.ts,
     * redis-trending-counters.ts).
     */
    cacheGetEcpu: 3,
    cacheSetEcpu: 7,
    deleteUserEcpu: 1,
    trendingIncrementEcpuPerTag: 2,
    /** ZUNIONSTORE of a day's hourly buckets: 1 ECPU per 100 members merged (an estimate) plus the reads. */
    trendingUnionMembersPerEcpu: 100,
    trendingTopFixedEcpu: 5,
    /**
     * A shard runs commands on one core; merging a member costs on the order of 100 ns, so past this many
     * members a second the trending reads alone take half of the shard that holds the tag (an estimate).
     */
    maxUnionMembersPerSecPerShard: 5_000_000,
    /** TrendingSnapshots (layers/domain/serving/trending-snapshots.ts): an answer is reused 5 s per process. */
    trendingSnapshotSeconds: 5,
    /** Distinct trending lists a serving process asks for (exploration pool, popular tier, popular route). */
    trendingQueriesPerProcess: 3,
    /** Memory of one entry beyond its payload: hashtable entry, skiplist node, key and object headers. */
    setMemberOverheadBytes: 40,
    sortedSetMemberOverheadBytes: 64,
    /** A cached list's JSON per item: score and a reason beside the id (cached-recommendations.ts). */
    cachedItemBytesBeyondId: 50,
    /** Per cached list: JSON frame, hash field, expiry-index member, both keys' headers. */
    cachedListOverheadBytes: 350,
  },
  openSearch: {
    /** HNSW `m` (layers/adapters/aws/opensearch/opensearch-vector-index.ts) and replicas per shard (same file). */
    hnswM: 16,
    replicas: 1,
    /** AWS sizing rule for HNSW native memory: 1.1 × (4 × d + 8 × M) bytes per vector. */
    graphOverhead: 1.1,
    /** OpenSearch Service gives the JVM heap half the RAM, at most 32 GiB. */
    heapShare: 0.5,
    maxHeapGiB: 32,
    /** knn.memory.circuit_breaker.limit: the k-NN share of what the heap leaves. */
    knnCircuitBreakerShare: 0.5,
    /** k-NN queries per second one vCPU serves at ef_search 400 and 64 dimensions: an estimate. */
    queriesPerSecondPerVcpu: 100,
    /** Zone awareness over two AZs: an even number of data nodes, at least 2; the stage allows 80. */
    minDataNodes: 2,
    maxDataNodes: 80,
    dedicatedMasters: 3,
    /** A vector in `_source` as JSON (about 10 characters a float) plus the keyword and boolean fields. */
    sourceBytesPerDimension: 10,
    sourceFixedBytes: 150,
    /** Old and new index side by side while the nightly alias swap happens (refresh-vectors.ts). */
    indexGenerations: 2,
    /** Merge headroom and the service's own reserve on each volume. */
    volumeHeadroom: 1.5,
    minVolumeGb: 10,
  },
  emr: {
    /**
     * Effective GFLOP/s per vCPU, estimates. No Spark run on EMR is recorded in this repository
     * (spark/README.md: "Not yet exercised against S3 or EMR"). The TypeScript trainer measured 3.15 s per
     * iteration on 4.5M pairs, 64 factors, 2 threads (README), about 1.4 GFLOP/s per core for the same
     * algorithm; Spark's Cholesky ALS with shuffles is assumed a little slower. Scoring is a float64
     * matrix-vector product over every item per user (rank_users in train_als.py): memory-bound.
     */
    trainingGflopsPerVcpu: 1,
    scoringGflopsPerVcpu: 1,
    /** Share of the billed vCPU time doing the work above (stragglers, shuffles, idle executors). */
    parallelEfficiency: 0.7,
    /** Reading, deduplicating and aggregating the archive: vCPU-seconds per archived record (an estimate). */
    prepareVcpuSecondsPerRecord: 2e-6,
    /** The driver and start-up per run. */
    fixedVcpuHoursPerRun: 2,
    /** Workers of 4 vCPU and 16 GB (the README's `--conf spark.executor.cores=4`, 8g + overhead). */
    gbPerVcpu: 4,
    /** A broadcast larger than this strains 16 GB executors. */
    maxBroadcastGb: 4,
  },
  s3: {
    /** Snappy Parquet of an event relative to its JSON (ids and types compress; UUIDs do not). */
    parquetShareOfJson: 0.35,
    /** A nightly batch-recs JSON line: per item (id, score) and per history entry (id, weight). */
    batchRecsJsonBytesPerItem: 60,
    batchRecsJsonBytesPerHistoryEntry: 55,
  },
  responses: {
    /** JSON bodies (recommendation-types.ts): per item with score and reason, plus the envelope. */
    recommendationBytesPerItem: 110,
    similarOrPopularBytesPerItem: 60,
    envelopeBytes: 200,
    eventsResponseBytesPerEvent: 60,
  },
  network: {
    /** Interface endpoints in a new VPC (infra/stacks/network-stack.ts): Kinesis, SQS, SageMaker runtime, Logs, Monitoring, X-Ray. */
    interfaceEndpoints: 6,
    availabilityZones: 2,
  },
  observability: {
    /** Application log lines per invocation (JSON; platform lines are at WARN: flywheel-function.ts). */
    logBytesPerInvocation: 150,
    /** API Gateway access log line per request (infra/constructs/api-routes.ts). */
    accessLogBytesPerRequest: 350,
    /** X-Ray's default sampling rule: the first request each second, then 5 %. */
    xRayReservoirPerSecond: 1,
    xRaySampledShare: 0.05,
  },
  /** API Gateway's default account throttle (requests/s, soft). */
  apiGatewayAccountRps: 10_000,
} as const;

// ------------------------------------------------------------------------------------------------ Kinesis

export interface KinesisSizing {
  readonly mode: Workload["inputs"]["streamMode"];
  readonly peakRecordsPerSec: number;
  readonly peakMibPerSec: number;
  readonly averageRecordBytes: number;
  /** Shards the peak needs (ingest, shared reads, processing); billed when provisioned. */
  readonly shards: number;
  /** Which limit set `shards`. */
  readonly bindingLimit: string;
  /** Concurrent batches per shard the stream function needs (streamParallelization). */
  readonly parallelizationFactor: number;
  /** Records ingested per month, and as billed by on-demand (each record rounded up to 1 KB). */
  readonly recordsPerMonth: number;
  readonly ingestedGbBilled: number;
  /** Bytes read by the polling consumer (archive) and by enhanced fan-out (stream function). */
  readonly sharedRetrievedGb: number;
  readonly enhancedFanOutRetrievedGb: number;
  /** Provisioned: 25 KB PUT payload units. */
  readonly putPayloadUnits: number;
}

export function sizeKinesis(w: Workload): KinesisSizing {
  const k = SIZING_CONSTANTS.kinesis;
  const l = SIZING_CONSTANTS.lambda;
  const peak = w.assumptions.peakToAverage;
  const peakRecordsPerSec = w.streamRecordRps * peak;
  const peakBytesPerSec = peakRecordsPerSec * w.averageStreamRecordBytes;
  const limits: Array<[string, number]> = [
    ["write bytes (1 MiB/s a shard)", Math.ceil(peakBytesPerSec / k.shardWriteBytesPerSec)],
    ["write records (1,000/s a shard)", Math.ceil(peakRecordsPerSec / k.shardWriteRecordsPerSec)],
    [
      "polling reads (2 MiB/s a shard, shared)",
      Math.ceil((peakBytesPerSec * k.sharedConsumers) / k.shardSharedReadBytesPerSec),
    ],
  ];
  if (w.inputs.streamMode === "on-demand") limits.push(["on-demand minimum", k.onDemandMinimumShards]);
  // The stream function works one batch per shard at a time (per parallelization slot); full batches cost
  // overhead/batchSize + perRecord per record.
  const secondsPerRecord = (l.streamBatchOverheadMs / l.streamBatchSize + l.streamPerRecordMs) / 1000;
  const slotsNeeded = (peakRecordsPerSec * secondsPerRecord) / k.consumerTargetUtilization;
  limits.push(["stream function throughput", Math.ceil(slotsNeeded / k.maxParallelizationFactor)]);
  let bindingLimit = "write records (1,000/s a shard)";
  let shards = 1;
  for (const [limit, needed] of limits) {
    if (needed > shards) {
      shards = needed;
      bindingLimit = limit;
    }
  }
  const parallelizationFactor = Math.min(
    k.maxParallelizationFactor,
    Math.max(1, Math.ceil(slotsNeeded / shards)),
  );
  const recordsPerMonth = w.streamRecordRps * SECONDS_PER_MONTH;
  const bytesPerMonth = recordsPerMonth * w.averageStreamRecordBytes;
  const billedKbPerRecord =
    (w.inputs.eventsPerSec * Math.ceil(w.assumptions.clientEventBytes / 1024) +
      w.impressionRps * Math.ceil(w.impressionEventBytes / 1024)) /
    w.streamRecordRps;
  return {
    mode: w.inputs.streamMode,
    peakRecordsPerSec,
    peakMibPerSec: peakBytesPerSec / MIB,
    averageRecordBytes: w.averageStreamRecordBytes,
    shards,
    bindingLimit,
    parallelizationFactor,
    recordsPerMonth,
    ingestedGbBilled: (recordsPerMonth * billedKbPerRecord) / MIB,
    sharedRetrievedGb: (bytesPerMonth * k.sharedConsumers) / GIB,
    enhancedFanOutRetrievedGb: (bytesPerMonth * k.enhancedFanOutConsumers) / GIB,
    putPayloadUnits: recordsPerMonth * Math.ceil(w.averageStreamRecordBytes / (25 * 1024)),
  };
}

// ------------------------------------------------------------------------------------------------ Lambda

export interface LambdaFunctionSizing {
  readonly name: string;
  readonly memoryMb: number;
  readonly invocationsPerSec: number;
  readonly averageDurationMs: number;
  /** Little's law: invocations/s × duration. */
  readonly averageConcurrency: number;
  readonly peakConcurrency: number;
  readonly gbSecondsPerMonth: number;
  readonly invocationsPerMonth: number;
  /** The formula with this workload's numbers. */
  readonly basis: string;
}

export interface LambdaSizing {
  readonly functions: readonly LambdaFunctionSizing[];
  readonly peakConcurrency: number;
  /** Memory the active model takes in a serving and in a stream process. */
  readonly servingModelMb: number;
  readonly streamModelMb: number;
}

function apiFunction(
  name: string,
  memoryMb: number,
  invocationsPerSec: number,
  durationMs: number,
  peak: number,
  basis: string,
): LambdaFunctionSizing {
  const averageConcurrency = (invocationsPerSec * durationMs) / 1000;
  return {
    name,
    memoryMb,
    invocationsPerSec,
    averageDurationMs: durationMs,
    averageConcurrency,
    peakConcurrency: averageConcurrency * peak,
    gbSecondsPerMonth: averageConcurrency * (memoryMb / 1024) * SECONDS_PER_MONTH,
    invocationsPerMonth: invocationsPerSec * SECONDS_PER_MONTH,
    basis,
  };
}

/**
 * Records per invocation when one batch per slot is in flight and the mapping invokes as soon as records
 * wait (batching window 0): while a batch of b records takes o + b·p seconds, r·(o + b·p) arrive, so
 * b = r·o / (1 − r·p), at least 1 and at most the batch size. A slot is then busy all the time once
 * r·o ≥ 1 — the price of a sub-second loop.
 */
export function recordsPerStreamBatch(
  recordsPerSecPerSlot: number,
  overheadSeconds: number,
  perRecordSeconds: number,
  batchSize: number,
): number {
  const load = recordsPerSecPerSlot * perRecordSeconds;
  if (load >= 1) return batchSize;
  const records = (recordsPerSecPerSlot * overheadSeconds) / (1 - load);
  return Math.min(batchSize, Math.max(1, records));
}

export function sizeLambda(w: Workload, kinesis: KinesisSizing): LambdaSizing {
  const l = SIZING_CONSTANTS.lambda;
  const peak = w.assumptions.peakToAverage;
  const { items, factors } = w.inputs;
  const recommendationDurationMs =
    w.recommendationRps === 0
      ? 0
      : (w.cacheHitRps * l.cacheHitDurationMs +
          w.realtimeTierRps * l.realtimeDurationMs +
          w.batchTierRps * l.batchTierDurationMs +
          w.popularTierRps * l.popularTierDurationMs) /
        w.recommendationRps;
  const similarDurationMs = l.similarBaseDurationMs + (items * factors * l.similarScanNsPerItemFactor) / 1e6;
  const functions: LambdaFunctionSizing[] = [
    apiFunction(
      "events",
      l.eventsMemoryMb,
      w.ingestRequestRps,
      l.eventsDurationMs,
      peak,
      `${fmt(w.ingestRequestRps)} req/s × ${l.eventsDurationMs} ms`,
    ),
    apiFunction(
      "recommendations",
      l.recommendationsMemoryMb,
      w.recommendationRps,
      recommendationDurationMs,
      peak,
      `${fmt(w.recommendationRps)} req/s × ${fmt(recommendationDurationMs)} ms (hit ${l.cacheHitDurationMs}, realtime ${l.realtimeDurationMs}, batch ${l.batchTierDurationMs}, popular ${l.popularTierDurationMs})`,
    ),
    apiFunction(
      "similar-items",
      l.similarMemoryMb,
      w.similarRps,
      similarDurationMs,
      peak,
      `${fmt(w.similarRps)} req/s × (${l.similarBaseDurationMs} ms + ${fmt(items)} items × ${factors} factors × ${l.similarScanNsPerItemFactor} ns)`,
    ),
    apiFunction(
      "popular-items",
      l.popularMemoryMb,
      w.popularRps,
      l.popularDurationMs,
      peak,
      `${fmt(w.popularRps)} req/s × ${l.popularDurationMs} ms`,
    ),
  ];

  // The stream function: one batch in flight per shard and parallelization slot.
  const slots = kinesis.shards * kinesis.parallelizationFactor;
  const overhead = l.streamBatchOverheadMs / 1000;
  const perRecord = l.streamPerRecordMs / 1000;
  const streamAt = (recordsPerSec: number): { batchesPerSec: number; concurrency: number; batch: number } => {
    const batch = recordsPerStreamBatch(recordsPerSec / slots, overhead, perRecord, l.streamBatchSize);
    const batchesPerSec = recordsPerSec / batch;
    return {
      batch,
      batchesPerSec,
      concurrency: Math.min(slots, batchesPerSec * (overhead + batch * perRecord)),
    };
  };
  const streamAverage = streamAt(w.streamRecordRps);
  const streamPeak = streamAt(w.streamRecordRps * peak);
  const streamDurationMs = l.streamBatchOverheadMs + streamAverage.batch * l.streamPerRecordMs;
  functions.push({
    name: "stream",
    memoryMb: l.streamMemoryMb,
    invocationsPerSec: streamAverage.batchesPerSec,
    averageDurationMs: streamDurationMs,
    averageConcurrency: streamAverage.concurrency,
    peakConcurrency: streamPeak.concurrency,
    gbSecondsPerMonth: streamAverage.concurrency * (l.streamMemoryMb / 1024) * SECONDS_PER_MONTH,
    invocationsPerMonth: streamAverage.batchesPerSec * SECONDS_PER_MONTH,
    basis: `${fmt(w.streamRecordRps)} records/s in batches of ${fmt(streamAverage.batch)} × (${l.streamBatchOverheadMs} ms + ${l.streamPerRecordMs} ms a record), at most ${slots} in flight (${kinesis.shards} shards × ${kinesis.parallelizationFactor})`,
  });

  // The archive function polls every shard: a batch per window per shard, or a full one, whichever comes first.
  const archiveBatchesPerSec = Math.max(
    kinesis.shards / l.archiveWindowSeconds,
    w.streamRecordRps / l.archiveBatchSize,
  );
  const archiveRecordsPerBatch = w.streamRecordRps / archiveBatchesPerSec;
  const archiveDurationMs = l.archiveBatchOverheadMs + archiveRecordsPerBatch * l.archivePerRecordMs;
  functions.push(
    apiFunction(
      "archive",
      l.archiveMemoryMb,
      archiveBatchesPerSec,
      archiveDurationMs,
      peak,
      `${fmt(archiveBatchesPerSec)} batches/s (max(${kinesis.shards} shards / ${l.archiveWindowSeconds} s, records / ${l.archiveBatchSize})) × (${l.archiveBatchOverheadMs} ms + ${fmt(archiveRecordsPerBatch)} records × ${l.archivePerRecordMs} ms)`,
    ),
  );

  // The nightly publish, averaged over the day; it runs in a burst, so its peak is not a steady one.
  const publishSecondsPerNight = w.nightlyUsers / l.publishUsersPerSecond;
  const publishInvocationsPerSec = w.nightlyUsers / l.publishUsersPerInvocation / SECONDS_PER_DAY;
  const publishConcurrency = publishSecondsPerNight / SECONDS_PER_DAY;
  functions.push({
    name: "nightly publish",
    memoryMb: l.publishMemoryMb,
    invocationsPerSec: publishInvocationsPerSec,
    averageDurationMs: (l.publishUsersPerInvocation / l.publishUsersPerSecond) * 1000,
    averageConcurrency: publishConcurrency,
    peakConcurrency: 0,
    gbSecondsPerMonth: publishConcurrency * (l.publishMemoryMb / 1024) * SECONDS_PER_MONTH,
    invocationsPerMonth: publishInvocationsPerSec * SECONDS_PER_MONTH,
    basis: `${fmt(w.nightlyUsers)} entries a night / ${l.publishUsersPerSecond} per s`,
  });

  const modelIdBytes = 100; // an id string and its Map entry
  const servingModelMb = (items * (factors * 4 + 8 + modelIdBytes)) / MIB; // factors, cosine norms, id index
  const streamModelMb = (items * (factors * 4 + modelIdBytes) + factors * factors * 8) / MIB;
  return {
    functions,
    peakConcurrency: functions.reduce((sum, fn) => sum + fn.peakConcurrency, 0),
    servingModelMb,
    streamModelMb,
  };
}

// ---------------------------------------------------------------------------------------------- DynamoDB

/** One access pattern on a table: average units per second and where the code does it. */
export interface TableAccess {
  readonly what: string;
  readonly readUnitsPerSec: number;
  readonly writeUnitsPerSec: number;
  readonly source: string;
}

export interface DynamoDbTableSizing {
  readonly table: string;
  readonly accesses: readonly TableAccess[];
  readonly readUnitsPerSec: number;
  readonly writeUnitsPerSec: number;
  /** Provisioned-equivalent capacity at peak (the nightly publish included where it applies). */
  readonly peakReadCapacity: number;
  readonly peakWriteCapacity: number;
  readonly items: number;
  readonly storageGb: number;
}

export interface DynamoDbSizing {
  readonly tables: readonly DynamoDbTableSizing[];
  readonly readUnitsPerSec: number;
  readonly writeUnitsPerSec: number;
  readonly storageGb: number;
  /** Write units per second on the busiest feedback counter item at peak. */
  readonly hottestCounterWriteUnitsPerSec: number;
  readonly itemBytes: Readonly<Record<string, number>>;
}

export function sizeDynamoDb(w: Workload, lambda: LambdaSizing): DynamoDbSizing {
  const a = w.assumptions;
  const d = SIZING_CONSTANTS.dynamoDb;
  const peak = a.peakToAverage;
  const record = interactionRecordBytes(a);
  const marker = interactionMarkerBytes(a);
  const profile = profileBytes(a, w.inputs.factors);
  const batchEntry = batchRecommendationsBytes(a, w.historyLength);
  const catalogItem = catalogItemBytes(a);
  const served = servedListBytes(a);
  const feedbackMarker = feedbackMarkerBytes(a);
  const counter = feedbackCounterBytes();
  const L = a.listLimit;
  const candidates = Math.max(d.candidateMultiplier * L, d.minCandidates);
  const personalHistory = w.recentInteractionsPerUser + w.historyLength;
  const reasons = Math.min(d.reasonPoolSize, personalHistory);
  const explorationPool = Math.floor(L * d.explorationShare) > 0 ? d.explorationPoolSize : 0;
  // The popular tier excludes what the user has seen and reads that many more (trending-list.ts).
  const popularTierFetch = Math.min(2000, Math.max(2 * L, L + 20) + personalHistory);
  const userBatches = w.userBatchUpdatesRps;
  const misses = w.cacheMissRps;
  const servingProcesses = lambda.functions
    .filter((fn) => ["recommendations", "similar-items", "popular-items"].includes(fn.name))
    .reduce((sum, fn) => sum + Math.ceil(fn.peakConcurrency), 0);
  const streamProcesses = Math.ceil(
    lambda.functions.find((fn) => fn.name === "stream")?.peakConcurrency ?? 0,
  );
  const categoryReads = Math.min(
    w.trendableRps,
    (streamProcesses * Math.min(w.inputs.items, 100_000)) / d.categoryCacheSeconds,
  );
  const recentQueryUnits = queryReadUnits(w.recentInteractionsPerUser * record);
  /** The day's average of a write burst that lasts the publish window. */
  const publishAverage = (burst: number): number => (burst * d.publishWindowSeconds) / SECONDS_PER_DAY;

  const table = (
    name: string,
    accesses: TableAccess[],
    items: number,
    itemBytes: number,
    publishWriteUnitsPerSec = 0,
  ): DynamoDbTableSizing => {
    const readUnitsPerSec = accesses.reduce((sum, x) => sum + x.readUnitsPerSec, 0);
    const writeUnitsPerSec = accesses.reduce((sum, x) => sum + x.writeUnitsPerSec, 0);
    return {
      table: name,
      accesses,
      readUnitsPerSec,
      writeUnitsPerSec,
      peakReadCapacity: readUnitsPerSec * peak,
      peakWriteCapacity:
        (writeUnitsPerSec - publishAverage(publishWriteUnitsPerSec)) * peak + publishWriteUnitsPerSec,
      items,
      storageGb: (items * (itemBytes + STORAGE_OVERHEAD_BYTES_PER_ITEM)) / GIB,
    };
  };
  const interactionsLive = w.inputs.eventsPerSec * a.interactionRetentionHours * 3600;
  const interactions = table(
    "interactions",
    [
      {
        what: "append: record + marker in one transaction (2 × 2 WRU a KB)",
        readUnitsPerSec: 0,
        writeUnitsPerSec: w.inputs.eventsPerSec * 2 * (writeUnits(record) + writeUnits(marker)),
        source: "layers/adapters/aws/dynamodb/dynamodb-interaction-log.ts (append)",
      },
      {
        what: `stream: the user's log, one Query per user per batch (${fmt(w.recentInteractionsPerUser)} records)`,
        readUnitsPerSec: userBatches * recentQueryUnits,
        writeUnitsPerSec: 0,
        source: "layers/domain/streaming/process-stream-batch.ts (updateProfile → recentByUser)",
      },
      {
        what: "serving: recent interactions on every cache miss (seen filter)",
        readUnitsPerSec: misses * recentQueryUnits,
        writeUnitsPerSec: 0,
        source: "layers/domain/serving/recommend-for-user.ts (startUserReads)",
      },
    ],
    interactionsLive * 2,
    (record + marker) / 2,
  );

  const profiles = table(
    "profiles",
    [
      {
        what: "stream: BatchGetItem per user per batch",
        readUnitsPerSec: userBatches * readUnits(profile),
        writeUnitsPerSec: 0,
        source: "layers/domain/streaming/process-stream-batch.ts (profiles.getMany)",
      },
      {
        what: "stream: conditional UpdateItem per user per batch",
        readUnitsPerSec: 0,
        writeUnitsPerSec: userBatches * writeUnits(profile),
        source: "layers/adapters/aws/dynamodb/dynamodb-profile-store.ts (put)",
      },
      {
        what: "serving: GetItem on every cache miss",
        readUnitsPerSec: misses * readUnits(profile),
        writeUnitsPerSec: 0,
        source: "layers/domain/serving/recommend-for-user.ts (startUserReads)",
      },
    ],
    w.inputs.users,
    profile,
  );

  const publishBurst = (w.nightlyUsers * writeUnits(batchEntry)) / d.publishWindowSeconds;
  const batchRecommendations = table(
    "batchRecommendations",
    [
      {
        what: "stream: BatchGetItem of the nightly entry per user per batch",
        readUnitsPerSec: userBatches * readUnits(batchEntry),
        writeUnitsPerSec: 0,
        source: "layers/domain/streaming/process-stream-batch.ts (batchRecs.getMany)",
      },
      {
        what: "serving: GetItem on every cache miss",
        readUnitsPerSec: misses * readUnits(batchEntry),
        writeUnitsPerSec: 0,
        source: "layers/domain/serving/recommend-for-user.ts (startUserReads)",
      },
      {
        what: `nightly publish: one ${fmt(batchEntry)} B entry per user`,
        readUnitsPerSec: 0,
        writeUnitsPerSec: (w.nightlyUsers * writeUnits(batchEntry)) / SECONDS_PER_DAY,
        source: "layers/adapters/aws/dynamodb/dynamodb-batch-rec-store.ts (putMany)",
      },
    ],
    w.nightlyUsers,
    batchEntry,
    publishBurst,
  );

  const catalogRead = readUnits(catalogItem);
  const catalog = table(
    "catalog",
    [
      {
        what: `cache hit: the list's items and reasons (${2 * L} keys)`,
        readUnitsPerSec: w.cacheHitRps * 2 * L * catalogRead,
        writeUnitsPerSec: 0,
        source: "layers/domain/serving/recommend-for-user.ts (cachedAnswer)",
      },
      {
        what: `realtime and batch tiers: candidates, exploration pool and reasons (${candidates} + ${explorationPool} + ${fmt(reasons)} keys)`,
        readUnitsPerSec:
          (w.realtimeTierRps + w.batchTierRps) * (candidates + explorationPool + reasons) * catalogRead,
        writeUnitsPerSec: 0,
        source: "layers/domain/serving/recommend-for-user.ts (personalizedAnswer → CatalogView.lookUp)",
      },
      {
        what: `popular tier: trending read past what the user has seen (${fmt(popularTierFetch)} keys)`,
        readUnitsPerSec: w.popularTierRps * popularTierFetch * catalogRead,
        writeUnitsPerSec: 0,
        source: "layers/domain/serving/trending-list.ts (filteredTrending)",
      },
      {
        what: `similar items: the item and its neighbours (1 + ${candidates} keys)`,
        readUnitsPerSec: w.similarRps * (1 + candidates) * catalogRead,
        writeUnitsPerSec: 0,
        source: "layers/domain/serving/similar-items.ts (nearestServable)",
      },
      {
        what: `popular items: ${Math.max(2 * L, L + 20)} keys`,
        readUnitsPerSec: w.popularRps * Math.max(2 * L, L + 20) * catalogRead,
        writeUnitsPerSec: 0,
        source: "layers/domain/serving/popular-items.ts",
      },
      {
        what: "stream: item categories for trending, cached 60 s per process",
        readUnitsPerSec: categoryReads * catalogRead,
        writeUnitsPerSec: 0,
        source: "layers/domain/streaming/item-categories.ts",
      },
      {
        what: "catalog upserts",
        readUnitsPerSec: 0,
        writeUnitsPerSec:
          (w.inputs.items * a.catalogChangesPerDayShare * writeUnits(catalogItem)) / SECONDS_PER_DAY,
        source: "layers/adapters/aws/dynamodb/dynamodb-item-catalog.ts (upsert)",
      },
    ],
    w.inputs.items,
    catalogItem,
  );

  const logSeconds = a.recommendationLogRetentionDays * SECONDS_PER_DAY;
  const recommendationLog = table(
    "recommendationLog",
    [
      {
        what: "served list: conditional PutItem per impression",
        readUnitsPerSec: 0,
        writeUnitsPerSec: w.impressionRps * writeUnits(served),
        source: "layers/adapters/aws/dynamodb/dynamodb-recommendation-log.ts (recordServed)",
      },
      {
        what: "feedback: GetItem of the served list, then marker + counter in one transaction",
        readUnitsPerSec: w.feedbackRps * readUnits(served),
        writeUnitsPerSec: w.feedbackRps * 2 * (writeUnits(feedbackMarker) + writeUnits(counter)),
        source: "layers/adapters/aws/dynamodb/dynamodb-recommendation-log.ts (recordFeedback)",
      },
    ],
    (w.impressionRps + w.feedbackRps) * logSeconds,
    (w.impressionRps * served + w.feedbackRps * feedbackMarker) / (w.impressionRps + w.feedbackRps),
  );

  const modelRegistry = table(
    "modelRegistry",
    [
      {
        what: "active model pointer, polled every 10 s per serving and stream process",
        readUnitsPerSec: (servingProcesses + streamProcesses) * d.registryPollsPerSecondPerProcess,
        writeUnitsPerSec: 0,
        source: "layers/domain/streaming/active-model.ts",
      },
    ],
    d.registryItems,
    1024,
  );

  const tables = [interactions, profiles, batchRecommendations, catalog, recommendationLog, modelRegistry];
  // Counter items are (source, model version) × shard; most feedback goes to the realtime and cache sources.
  const hottestCounterWriteUnitsPerSec =
    ((w.feedbackRps * peak * 0.5) / d.feedbackCounterShards) * 2 * writeUnits(counter);
  return {
    tables,
    readUnitsPerSec: tables.reduce((sum, t) => sum + t.readUnitsPerSec, 0),
    writeUnitsPerSec: tables.reduce((sum, t) => sum + t.writeUnitsPerSec, 0),
    storageGb: tables.reduce((sum, t) => sum + t.storageGb, 0),
    hottestCounterWriteUnitsPerSec,
    itemBytes: {
      interactionRecord: record,
      interactionMarker: marker,
      profile,
      batchRecommendations: batchEntry,
      catalogItem,
      servedList: served,
      feedbackMarker,
      feedbackCounter: counter,
    },
  };
}

// ------------------------------------------------------------------------------------------- ElastiCache

export interface ElastiCacheSizing {
  readonly cachedListsGb: number;
  readonly trendingSortedSetsGb: number;
  readonly seenSetsGb: number;
  /** Billed data: the sum, at least the serverless minimum. */
  readonly dataGb: number;
  readonly ecpuPerSec: number;
  readonly ecpuComponents: ReadonlyArray<{ readonly what: string; readonly ecpuPerSec: number }>;
  /** Distinct items counted into one hourly bucket (upper bound: uniform popularity). */
  readonly itemsPerHourlyBucket: number;
  /** Sorted-set members one trending read merges (a day of hourly buckets), and how many a second. */
  readonly membersPerTrendingUnion: number;
  readonly trendingUnionMembersPerSec: number;
}

export function sizeElastiCache(w: Workload, lambda: LambdaSizing): ElastiCacheSizing {
  const a = w.assumptions;
  const c = SIZING_CONSTANTS.elastiCache;
  const tags = 1 + a.categoriesPerItem;
  const cacheWritesPerSec = w.realtimeTierRps + w.batchTierRps;
  const liveLists = Math.min(w.inputs.users, cacheWritesPerSec * a.cacheTtlSeconds);
  const cachedListBytes = c.cachedListOverheadBytes + a.listLimit * (a.idBytes + c.cachedItemBytesBeyondId);
  const trendablePerHour = w.trendableRps * 3600;
  // Distinct items among n uniform draws from N: N·(1 − e^(−n/N)); real popularity is skewed, so fewer.
  const itemsPerHourlyBucket = w.inputs.items * (1 - Math.exp(-trendablePerHour / w.inputs.items));
  const buckets = a.trendingRetentionHours + 1;
  const trendingSortedSetsBytes =
    buckets * itemsPerHourlyBucket * tags * (a.idBytes + c.sortedSetMemberOverheadBytes);
  const seenEntryBytes = a.eventIdBytes + 1 + a.idBytes + c.setMemberOverheadBytes;
  const seenSetsBytes = w.trendableRps * a.seenSetHours * 3600 * tags * seenEntryBytes;
  const cachedListsGb = (liveLists * cachedListBytes) / GIB;
  const trendingSortedSetsGb = trendingSortedSetsBytes / GIB;
  const seenSetsGb = seenSetsBytes / GIB;

  const servingProcesses = lambda.functions
    .filter((fn) => ["recommendations", "similar-items", "popular-items"].includes(fn.name))
    .reduce((sum, fn) => sum + Math.ceil(fn.averageConcurrency), 0);
  const trendingAsks = w.cacheMissRps + w.popularRps;
  const trendingRefreshesPerSec = Math.min(
    trendingAsks,
    (servingProcesses * c.trendingQueriesPerProcess) / c.trendingSnapshotSeconds,
  );
  const windowBuckets = a.popularWindowHours + 1;
  const membersPerTrendingUnion = windowBuckets * itemsPerHourlyBucket;
  const unionEcpu = c.trendingTopFixedEcpu + membersPerTrendingUnion / c.trendingUnionMembersPerEcpu;
  const cachedListKb = Math.ceil(cachedListBytes / 1024);
  const ecpuComponents = [
    {
      what: "cache reads (GET_ENTRY script)",
      ecpuPerSec: w.recommendationRps * c.cacheGetEcpu + w.cacheHitRps * cachedListKb,
    },
    {
      what: "cache writes (SET_ENTRY script)",
      ecpuPerSec: cacheWritesPerSec * (c.cacheSetEcpu + cachedListKb),
    },
    {
      what: "cache invalidation (DEL per user per batch)",
      ecpuPerSec: w.userBatchUpdatesRps * c.deleteUserEcpu,
    },
    {
      what: `trending increments (COUNT_ONCE, ${tags} tags an event)`,
      ecpuPerSec: w.trendableRps * tags * c.trendingIncrementEcpuPerTag,
    },
    {
      what: "trending lists (ZUNIONSTORE, shared 5 s per process)",
      ecpuPerSec: trendingRefreshesPerSec * unionEcpu,
    },
  ];
  return {
    cachedListsGb,
    trendingSortedSetsGb,
    seenSetsGb,
    dataGb: Math.max(
      PRICES.elastiCacheServerlessValkey.minimumGb,
      cachedListsGb + trendingSortedSetsGb + seenSetsGb,
    ),
    ecpuPerSec: ecpuComponents.reduce((sum, x) => sum + x.ecpuPerSec, 0),
    ecpuComponents,
    itemsPerHourlyBucket,
    membersPerTrendingUnion,
    trendingUnionMembersPerSec: membersPerTrendingUnion * trendingRefreshesPerSec,
  };
}

// -------------------------------------------------------------------------------------------- OpenSearch

export interface OpenSearchSizing {
  readonly vectors: number;
  /** 1.1 × (4·d + 8·M) × vectors, one copy. */
  readonly graphGiBPerCopy: number;
  readonly graphGiBTotal: number;
  readonly instanceType: string;
  readonly instanceMemoryGiB: number;
  readonly instanceUsdPerHour: number;
  readonly dataNodes: number;
  /** The k-NN share of one node's memory. */
  readonly knnBudgetGiBPerNode: number;
  readonly nodesForMemory: number;
  readonly nodesForQueries: number;
  readonly peakQueriesPerSec: number;
  readonly volumeGbPerNode: number;
  readonly dedicatedMasters: number;
  readonly masterInstanceType: string;
  /** False when even the largest type needs more nodes than the stage allows. */
  readonly fits: boolean;
}

/** The k-NN budget of a node: what the JVM heap leaves, times the circuit breaker's share. */
export function knnBudgetGiB(memoryGiB: number): number {
  const o = SIZING_CONSTANTS.openSearch;
  const heap = Math.min(memoryGiB * o.heapShare, o.maxHeapGiB);
  return (memoryGiB - heap) * o.knnCircuitBreakerShare;
}

/** HNSW memory of one copy of the index: 1.1 × (4 × d + 8 × M) bytes per vector. */
export function hnswGraphBytes(vectors: number, dimensions: number, m: number): number {
  return SIZING_CONSTANTS.openSearch.graphOverhead * (4 * dimensions + 8 * m) * vectors;
}

export function sizeOpenSearch(w: Workload): OpenSearchSizing {
  const o = SIZING_CONSTANTS.openSearch;
  const d = w.inputs.factors;
  const vectors = w.inputs.items;
  const copies = 1 + o.replicas;
  const graphBytesPerCopy = hnswGraphBytes(vectors, d, o.hnswM);
  const graphGiBTotal = (graphBytesPerCopy * copies) / GIB;
  const peakQueriesPerSec = w.realtimeTierRps * w.assumptions.peakToAverage;
  const diskBytesPerCopy =
    vectors * (4 * d + 8 * o.hnswM * o.graphOverhead + o.sourceBytesPerDimension * d + o.sourceFixedBytes);
  const diskGiB = (diskBytesPerCopy * copies * o.indexGenerations) / GIB;
  const even = (n: number): number => Math.max(o.minDataNodes, n + (n % 2));
  const options = PRICES.openSearch.dataInstances.map((instance) => {
    const budget = knnBudgetGiB(instance.memoryGiB);
    const nodesForMemory = Math.ceil(graphGiBTotal / budget);
    const nodesForQueries = Math.ceil(peakQueriesPerSec / (instance.vcpus * o.queriesPerSecondPerVcpu));
    const dataNodes = even(Math.max(nodesForMemory, nodesForQueries));
    const volumeGbPerNode = Math.max(o.minVolumeGb, Math.ceil((diskGiB / dataNodes) * o.volumeHeadroom));
    const sizing: OpenSearchSizing = {
      vectors,
      graphGiBPerCopy: graphBytesPerCopy / GIB,
      graphGiBTotal,
      instanceType: instance.instanceType,
      instanceMemoryGiB: instance.memoryGiB,
      instanceUsdPerHour: instance.usdPerHour,
      dataNodes,
      knnBudgetGiBPerNode: budget,
      nodesForMemory,
      nodesForQueries,
      peakQueriesPerSec,
      volumeGbPerNode,
      dedicatedMasters: o.dedicatedMasters,
      masterInstanceType: PRICES.openSearch.masterInstance.instanceType,
      fits: dataNodes <= o.maxDataNodes,
    };
    const monthly =
      dataNodes * (instance.usdPerHour * 730 + volumeGbPerNode * PRICES.openSearch.usdPerGbMonthGp3);
    return { sizing, monthly };
  });
  // The cheapest type whose node count the stage allows (fewer nodes on a tie); else the largest type.
  const fitting = options.filter((option) => option.sizing.fits);
  const pool = fitting.length > 0 ? fitting : options.slice(-1);
  let best = pool[0];
  for (const option of pool) {
    if (
      best === undefined ||
      option.monthly < best.monthly ||
      (option.monthly === best.monthly && option.sizing.dataNodes < best.sizing.dataNodes)
    ) {
      best = option;
    }
  }
  if (best === undefined) throw new Error("no OpenSearch instance types are priced");
  return best.sizing;
}

// ------------------------------------------------------------------------------------- EMR Serverless

export interface EmrSizing {
  readonly trainingPairs: number;
  /** GFLOP per night: two ALS fits (holdout and final) and two scorings (holdout users, batch lists). */
  readonly trainingGflop: number;
  readonly scoringGflop: number;
  readonly prepareVcpuHours: number;
  readonly vcpuHoursPerNight: number;
  readonly gbHoursPerNight: number;
  /** The item factors as float64, collected to the driver and broadcast to every executor. */
  readonly itemFactorsBroadcastGb: number;
}

/**
 * One implicit-ALS iteration with Cholesky solves (Spark MLlib): both half-steps build each vector's normal
 * equations from the other side's Gram matrix plus one rank-one update per rating (2·nnz·f² flops over
 * both halves, plus 2·(U + I)·f² for the Gram matrices), then solve (U + I) systems of size f (f³/3 each).
 */
export function alsIterationFlops(pairs: number, users: number, items: number, factors: number): number {
  return 2 * pairs * factors ** 2 + 2 * (users + items) * factors ** 2 + ((users + items) * factors ** 3) / 3;
}

export function sizeEmr(w: Workload): EmrSizing {
  const e = SIZING_CONSTANTS.emr;
  const a = w.assumptions;
  const { items, factors } = w.inputs;
  const users = w.nightlyUsers;
  const pairs = w.trainingPairs;
  const holdoutFit =
    a.holdoutShare > 0 ? alsIterationFlops(pairs * (1 - a.holdoutShare), users, items, factors) : 0;
  const trainingFlops = a.alsIterations * (alsIterationFlops(pairs, users, items, factors) + holdoutFit);
  // rank_users: one f-long dot product per item for each user, for the batch lists and the holdout users.
  const scoredUsers = users + (a.holdoutShare > 0 ? users : 0);
  const scoringFlops = 2 * factors * items * scoredUsers;
  const computeVcpuSeconds =
    (trainingFlops / (e.trainingGflopsPerVcpu * 1e9) + scoringFlops / (e.scoringGflopsPerVcpu * 1e9)) /
    e.parallelEfficiency;
  const prepareVcpuHours = (w.archivedRecords * e.prepareVcpuSecondsPerRecord) / 3600;
  const vcpuHoursPerNight = computeVcpuSeconds / 3600 + prepareVcpuHours + e.fixedVcpuHoursPerRun;
  return {
    trainingPairs: pairs,
    trainingGflop: trainingFlops / 1e9,
    scoringGflop: scoringFlops / 1e9,
    prepareVcpuHours,
    vcpuHoursPerNight,
    gbHoursPerNight: vcpuHoursPerNight * e.gbPerVcpu,
    itemFactorsBroadcastGb: (items * factors * 8) / GIB,
  };
}

// --------------------------------------------------------------------------------------------------- S3

export interface S3Sizing {
  readonly archiveGb: number;
  readonly modelGbPerVersion: number;
  readonly modelsGb: number;
  readonly workspaceGb: number;
  readonly storedGb: number;
  readonly putsPerMonth: number;
  readonly getsPerMonth: number;
}

export function sizeS3(w: Workload, lambda: LambdaSizing): S3Sizing {
  const s = SIZING_CONSTANTS.s3;
  const a = w.assumptions;
  const { items, factors } = w.inputs;
  const users = w.nightlyUsers;
  const parquetBytesPerRecord = w.averageStreamRecordBytes * s.parquetShareOfJson;
  const archiveGb = (w.archivedRecords * parquetBytesPerRecord) / GIB;
  // docs/model-format.md: float32 factors of both sides, YᵀY, the ids.
  const modelBytes = (users + items) * (factors * 4 + a.idBytes) + factors * factors * 8;
  const batchRecsBytes =
    users *
    (a.batchRecsPerUser * s.batchRecsJsonBytesPerItem +
      w.historyLength * s.batchRecsJsonBytesPerHistoryEntry);
  const archiveBatchesPerSec = lambda.functions.find((fn) => fn.name === "archive")?.invocationsPerSec ?? 0;
  const archiveObjectsPerDay = archiveBatchesPerSec * SECONDS_PER_DAY;
  const modelsGb = (modelBytes * a.modelVersionsKept) / GIB;
  const workspaceGb = ((batchRecsBytes + modelBytes) * a.runWorkspaceDays) / GIB;
  return {
    archiveGb,
    modelGbPerVersion: modelBytes / GIB,
    modelsGb,
    workspaceGb,
    storedGb: archiveGb + modelsGb + workspaceGb,
    putsPerMonth: archiveBatchesPerSec * SECONDS_PER_MONTH,
    // Each night the job lists and reads every archive object of the window.
    getsPerMonth: archiveObjectsPerDay * a.archiveDays * (SECONDS_PER_MONTH / SECONDS_PER_DAY),
  };
}

// ------------------------------------------------------------------------------- API edge and the rest

export interface EdgeSizing {
  readonly apiRequestsPerMonth: number;
  readonly responseGbPerMonth: number;
  readonly endpointHoursPerMonth: number;
  readonly endpointGbProcessedPerMonth: number;
  readonly logGbPerMonth: number;
  readonly tracesPerMonth: number;
}

export function sizeEdge(w: Workload, lambda: LambdaSizing): EdgeSizing {
  const r = SIZING_CONSTANTS.responses;
  const n = SIZING_CONSTANTS.network;
  const obs = SIZING_CONSTANTS.observability;
  const L = w.assumptions.listLimit;
  const apiRps = w.inputs.rps + w.ingestRequestRps;
  const responseBytesPerSec =
    w.recommendationRps * (r.envelopeBytes + L * r.recommendationBytesPerItem) +
    (w.similarRps + w.popularRps) * (r.envelopeBytes + L * r.similarOrPopularBytesPerItem) +
    w.ingestRequestRps *
      (r.envelopeBytes + w.assumptions.eventsPerIngestRequest * r.eventsResponseBytesPerEvent);
  // In the VPC: impressions out to Kinesis, and the stream function's enhanced fan-out reads in.
  const endpointBytesPerSec =
    w.impressionRps * w.impressionEventBytes + w.streamRecordRps * w.averageStreamRecordBytes;
  const invocationsPerSec = lambda.functions.reduce((sum, fn) => sum + fn.invocationsPerSec, 0);
  const logBytesPerSec =
    invocationsPerSec * obs.logBytesPerInvocation + apiRps * obs.accessLogBytesPerRequest;
  const tracesPerSec =
    Math.min(invocationsPerSec, obs.xRayReservoirPerSecond) +
    obs.xRaySampledShare * Math.max(0, invocationsPerSec - obs.xRayReservoirPerSecond);
  return {
    apiRequestsPerMonth: apiRps * SECONDS_PER_MONTH,
    responseGbPerMonth: (responseBytesPerSec * SECONDS_PER_MONTH) / GIB,
    endpointHoursPerMonth: n.interfaceEndpoints * n.availabilityZones * 730,
    endpointGbProcessedPerMonth: (endpointBytesPerSec * SECONDS_PER_MONTH) / GIB,
    logGbPerMonth: (logBytesPerSec * SECONDS_PER_MONTH) / GIB,
    tracesPerMonth: tracesPerSec * SECONDS_PER_MONTH,
  };
}
