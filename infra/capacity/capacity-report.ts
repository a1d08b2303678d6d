import { averageTierPrice, PRICE_SNAPSHOT, PRICES, tieredCost } from "./aws-prices.ts";
import { groupDigits, formatQuantity as q } from "./number-format.ts";
import {
  type DynamoDbSizing,
  type EdgeSizing,
  type ElastiCacheSizing,
  type EmrSizing,
  type KinesisSizing,
  type LambdaSizing,
  type OpenSearchSizing,
  type S3Sizing,
  SIZING_CONSTANTS,
  sizeDynamoDb,
  sizeEdge,
  sizeElastiCache,
  sizeEmr,
  sizeKinesis,
  sizeLambda,
  sizeOpenSearch,
  sizeS3,
} from "./service-sizing.ts";
import {
  type CapacityInputs,
  DEFAULT_WORKLOAD_ASSUMPTIONS,
  NIGHTS_PER_MONTH,
  SECONDS_PER_MONTH,
  type WorkloadAssumptions,
  workloadOf,
} from "./workload-model.ts";

/** One billed quantity: how much a month, in what unit, by which formula, for how many dollars. */
export interface CostLine {
  readonly service: string;
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly formula: string;
  readonly monthlyUsd: number;
}

export interface CapacitySizing {
  readonly lambda: LambdaSizing;
  readonly kinesis: KinesisSizing;
  readonly dynamoDb: DynamoDbSizing;
  readonly elastiCache: ElastiCacheSizing;
  readonly openSearch: OpenSearchSizing;
  readonly emr: EmrSizing;
  readonly s3: S3Sizing;
  readonly edge: EdgeSizing;
}

export interface CapacityReport {
  readonly inputs: CapacityInputs;
  readonly assumptions: WorkloadAssumptions;
  readonly prices: typeof PRICE_SNAPSHOT;
  readonly sizing: CapacitySizing;
  readonly lines: readonly CostLine[];
  readonly serviceTotals: ReadonlyArray<{ readonly service: string; readonly monthlyUsd: number }>;
  readonly totalMonthlyUsd: number;
  /** Limits and quotas the workload reaches: each names what to change. */
  readonly warnings: readonly string[];
}

/** What the model leaves out, on purpose; printed under every report. */
export const NOT_MODELLED: readonly string[] = [
  "SageMaker re-rank endpoint (off unless configured; priced by instance-hour)",
  "MSK Serverless (the eventBus=msk option: $0.75 a cluster-hour before throughput)",
  "Step Functions, EventBridge Scheduler, SQS dead letters, CloudWatch metrics, alarms and dashboard (cents to a few dollars)",
  "free tiers, savings plans, reserved capacity; data transfer inside the region",
];

const MONTH_HOURS = 730;

/** The cost line of the trending reads' ECPUs, which the scenario table also shows on its own. */
export const TRENDING_LISTS_ECPU_ITEM = "ECPUs: trending lists";

export function capacityReport(
  inputs: CapacityInputs,
  assumptions: WorkloadAssumptions = DEFAULT_WORKLOAD_ASSUMPTIONS,
): CapacityReport {
  const workload = workloadOf(inputs, assumptions);
  const kinesis = sizeKinesis(workload);
  const lambda = sizeLambda(workload, kinesis);
  const sizing: CapacitySizing = {
    lambda,
    kinesis,
    dynamoDb: sizeDynamoDb(workload, lambda),
    elastiCache: sizeElastiCache(workload, lambda),
    openSearch: sizeOpenSearch(workload),
    emr: sizeEmr(workload),
    s3: sizeS3(workload, lambda),
    edge: sizeEdge(workload, lambda),
  };
  const lines = [
    ...apiGatewayLines(sizing.edge, inputs.rps, workload.ingestRequestRps),
    ...lambdaLines(sizing.lambda),
    ...kinesisLines(sizing.kinesis),
    ...dynamoDbLines(sizing.dynamoDb),
    ...elastiCacheLines(sizing.elastiCache),
    ...openSearchLines(sizing.openSearch),
    ...emrLines(sizing.emr),
    ...s3Lines(sizing.s3, assumptions),
    ...networkLines(sizing.edge),
    ...observabilityLines(sizing.edge),
  ];
  const serviceTotals: Array<{ service: string; monthlyUsd: number }> = [];
  for (const line of lines) {
    const entry = serviceTotals.find((total) => total.service === line.service);
    if (entry === undefined) serviceTotals.push({ service: line.service, monthlyUsd: line.monthlyUsd });
    else entry.monthlyUsd += line.monthlyUsd;
  }
  return {
    inputs,
    assumptions,
    prices: PRICE_SNAPSHOT,
    sizing,
    lines,
    serviceTotals,
    totalMonthlyUsd: lines.reduce((sum, line) => sum + line.monthlyUsd, 0),
    warnings: warningsOf(sizing, inputs, assumptions),
  };
}

function apiGatewayLines(edge: EdgeSizing, rps: number, ingestRps: number): CostLine[] {
  const millions = edge.apiRequestsPerMonth / 1e6;
  return [
    {
      service: "API Gateway",
      item: "REST API requests",
      quantity: edge.apiRequestsPerMonth,
      unit: "requests",
      formula: `(${q(rps)} reads + ${q(ingestRps)} event posts)/s × ${groupDigits(SECONDS_PER_MONTH)} s; tiered, $${averageTierPrice(millions, PRICES.apiGateway.requestTiersPerMillion).toFixed(2)}/M on average`,
      monthlyUsd: tieredCost(millions, PRICES.apiGateway.requestTiersPerMillion),
    },
  ];
}

function lambdaLines(lambda: LambdaSizing): CostLine[] {
  const tiers = PRICES.lambda.gbSecondTiers;
  const totalGbSeconds = lambda.functions.reduce((sum, fn) => sum + fn.gbSecondsPerMonth, 0);
  // The tiers apply to the account's monthly total; each function pays the average rate.
  const perGbSecond = averageTierPrice(totalGbSeconds, tiers);
  const invocations = lambda.functions.reduce((sum, fn) => sum + fn.invocationsPerMonth, 0);
  return [
    ...lambda.functions.map(
      (fn): CostLine => ({
        service: "Lambda",
        item: `${fn.name} (${fn.memoryMb} MB)`,
        quantity: fn.gbSecondsPerMonth,
        unit: "GB-s",
        formula: `${fn.basis} × ${fn.memoryMb / 1024} GB`,
        monthlyUsd: fn.gbSecondsPerMonth * perGbSecond,
      }),
    ),
    {
      service: "Lambda",
      item: "invocations, all functions",
      quantity: invocations,
      unit: "requests",
      formula: `$${PRICES.lambda.usdPerMillionRequests}/M`,
      monthlyUsd: (invocations / 1e6) * PRICES.lambda.usdPerMillionRequests,
    },
  ];
}

function kinesisLines(k: KinesisSizing): CostLine[] {
  const service = "Kinesis";
  if (k.mode === "on-demand") {
    const p = PRICES.kinesis.onDemand;
    return [
      {
        service,
        item: "on-demand stream",
        quantity: MONTH_HOURS,
        unit: "stream-hours",
        formula: `1 stream × ${MONTH_HOURS} h × $${p.usdPerStreamHour}`,
        monthlyUsd: MONTH_HOURS * p.usdPerStreamHour,
      },
      {
        service,
        item: "data in",
        quantity: k.ingestedGbBilled,
        unit: "GB",
        formula: `${q(k.recordsPerMonth)} records, each rounded up to 1 KB, × $${p.usdPerGbIngested}/GB`,
        monthlyUsd: k.ingestedGbBilled * p.usdPerGbIngested,
      },
      {
        service,
        item: "reads, polling (archive)",
        quantity: k.sharedRetrievedGb,
        unit: "GB",
        formula: `${q(k.recordsPerMonth)} records × ${q(k.averageRecordBytes)} B × $${p.usdPerGbRetrieved}/GB`,
        monthlyUsd: k.sharedRetrievedGb * p.usdPerGbRetrieved,
      },
      {
        service,
        item: "reads, enhanced fan-out (stream function)",
        quantity: k.enhancedFanOutRetrievedGb,
        unit: "GB",
        formula: `${q(k.recordsPerMonth)} records × ${q(k.averageRecordBytes)} B × $${p.usdPerGbEnhancedFanOutRetrieved}/GB`,
        monthlyUsd: k.enhancedFanOutRetrievedGb * p.usdPerGbEnhancedFanOutRetrieved,
      },
    ];
  }
  const p = PRICES.kinesis.provisioned;
  const shardHours = k.shards * MONTH_HOURS;
  return [
    {
      service,
      item: "shards",
      quantity: shardHours,
      unit: "shard-hours",
      formula: `${k.shards} shards (${k.bindingLimit}) × ${MONTH_HOURS} h × $${p.usdPerShardHour}`,
      monthlyUsd: shardHours * p.usdPerShardHour,
    },
    {
      service,
      item: "PUT payload units",
      quantity: k.putPayloadUnits,
      unit: "25 KB units",
      formula: `${q(k.recordsPerMonth)} records × $${p.usdPerMillionPutPayloadUnits}/M`,
      monthlyUsd: (k.putPayloadUnits / 1e6) * p.usdPerMillionPutPayloadUnits,
    },
    {
      service,
      item: "enhanced fan-out consumer (stream function)",
      quantity: shardHours,
      unit: "consumer-shard-hours",
      formula: `1 consumer × ${k.shards} shards × ${MONTH_HOURS} h × $${p.usdPerConsumerShardHour}`,
      monthlyUsd: shardHours * p.usdPerConsumerShardHour,
    },
    {
      service,
      item: "reads, enhanced fan-out",
      quantity: k.enhancedFanOutRetrievedGb,
      unit: "GB",
      formula: `${q(k.recordsPerMonth)} records × ${q(k.averageRecordBytes)} B × $${p.usdPerGbEnhancedFanOutRetrieved}/GB`,
      monthlyUsd: k.enhancedFanOutRetrievedGb * p.usdPerGbEnhancedFanOutRetrieved,
    },
  ];
}

function dynamoDbLines(d: DynamoDbSizing): CostLine[] {
  const p = PRICES.dynamoDb;
  const lines: CostLine[] = [];
  for (const table of d.tables) {
    if (table.readUnitsPerSec > 0) {
      const units = table.readUnitsPerSec * SECONDS_PER_MONTH;
      lines.push({
        service: "DynamoDB",
        item: `${table.table}: reads`,
        quantity: units,
        unit: "RRU",
        formula: `${q(table.readUnitsPerSec)} RRU/s (strongly consistent) × $${p.usdPerMillionReadRequestUnits}/M`,
        monthlyUsd: (units / 1e6) * p.usdPerMillionReadRequestUnits,
      });
    }
    if (table.writeUnitsPerSec > 0) {
      const units = table.writeUnitsPerSec * SECONDS_PER_MONTH;
      lines.push({
        service: "DynamoDB",
        item: `${table.table}: writes`,
        quantity: units,
        unit: "WRU",
        formula: `${q(table.writeUnitsPerSec)} WRU/s × $${p.usdPerMillionWriteRequestUnits}/M`,
        monthlyUsd: (units / 1e6) * p.usdPerMillionWriteRequestUnits,
      });
    }
  }
  const storageParts = d.tables.map((table) => `${table.table} ${q(table.storageGb)}`).join(" + ");
  lines.push(
    {
      service: "DynamoDB",
      item: "storage",
      quantity: d.storageGb,
      unit: "GB-month",
      formula: `${storageParts} GB × $${p.usdPerGbMonth}`,
      monthlyUsd: d.storageGb * p.usdPerGbMonth,
    },
    {
      service: "DynamoDB",
      item: "point-in-time recovery",
      quantity: d.storageGb,
      unit: "GB-month",
      formula: `${q(d.storageGb)} GB × $${p.usdPerGbMonthPitr}`,
      monthlyUsd: d.storageGb * p.usdPerGbMonthPitr,
    },
  );
  return lines;
}

function elastiCacheLines(c: ElastiCacheSizing): CostLine[] {
  const p = PRICES.elastiCacheServerlessValkey;
  const gbHours = c.dataGb * MONTH_HOURS;
  // The trending unions get a line of their own: at large catalogs they dwarf everything else.
  const unions = c.ecpuComponents.filter((component) => component.what.startsWith("trending lists"));
  const others = c.ecpuComponents.filter((component) => !unions.includes(component));
  const ecpuLine = (item: string, components: typeof c.ecpuComponents): CostLine => {
    const perSec = components.reduce((sum, component) => sum + component.ecpuPerSec, 0);
    const ecpus = perSec * SECONDS_PER_MONTH;
    return {
      service: "ElastiCache",
      item,
      quantity: ecpus,
      unit: "ECPU",
      formula: `${components.map((component) => `${component.what} ${q(component.ecpuPerSec)}`).join(" + ")} ECPU/s × $${p.usdPerMillionEcpu}/M`,
      monthlyUsd: (ecpus / 1e6) * p.usdPerMillionEcpu,
    };
  };
  return [
    {
      service: "ElastiCache",
      item: "data stored (Valkey serverless)",
      quantity: gbHours,
      unit: "GB-hours",
      formula: `(lists ${q(c.cachedListsGb)} + trending ${q(c.trendingSortedSetsGb)} + seen sets ${q(c.seenSetsGb)}) GB, at least ${p.minimumGb}, × ${MONTH_HOURS} h × $${p.usdPerGbHour}`,
      monthlyUsd: gbHours * p.usdPerGbHour,
    },
    ecpuLine("ECPUs: cache and counters", others),
    ecpuLine(TRENDING_LISTS_ECPU_ITEM, unions),
  ];
}

function openSearchLines(o: OpenSearchSizing): CostLine[] {
  const master = PRICES.openSearch.masterInstance;
  const dataHours = o.dataNodes * MONTH_HOURS;
  const masterHours = o.dedicatedMasters * MONTH_HOURS;
  const storage = o.dataNodes * o.volumeGbPerNode;
  return [
    {
      service: "OpenSearch",
      item: `data nodes (${o.instanceType})`,
      quantity: dataHours,
      unit: "instance-hours",
      formula: `${o.dataNodes} nodes: HNSW ${q(o.graphGiBTotal)} GiB / ${q(o.knnBudgetGiBPerNode)} GiB k-NN budget a node → ${o.nodesForMemory}, ${q(o.peakQueriesPerSec)} peak queries/s → ${o.nodesForQueries}; × $${o.instanceUsdPerHour}/h`,
      monthlyUsd: dataHours * o.instanceUsdPerHour,
    },
    {
      service: "OpenSearch",
      item: `dedicated masters (${master.instanceType})`,
      quantity: masterHours,
      unit: "instance-hours",
      formula: `${o.dedicatedMasters} × ${MONTH_HOURS} h × $${master.usdPerHour}`,
      monthlyUsd: masterHours * master.usdPerHour,
    },
    {
      service: "OpenSearch",
      item: "gp3 storage",
      quantity: storage,
      unit: "GB-month",
      formula: `${o.dataNodes} × ${o.volumeGbPerNode} GB × $${PRICES.openSearch.usdPerGbMonthGp3}`,
      monthlyUsd: storage * PRICES.openSearch.usdPerGbMonthGp3,
    },
  ];
}

function emrLines(e: EmrSizing): CostLine[] {
  const p = PRICES.emrServerless;
  const vcpuHours = e.vcpuHoursPerNight * NIGHTS_PER_MONTH;
  const gbHours = e.gbHoursPerNight * NIGHTS_PER_MONTH;
  const perNight = `(${q(e.trainingGflop)} GFLOP training / ${SIZING_CONSTANTS.emr.trainingGflopsPerVcpu} + ${q(e.scoringGflop)} GFLOP scoring / ${SIZING_CONSTANTS.emr.scoringGflopsPerVcpu}) GFLOP/s / ${SIZING_CONSTANTS.emr.parallelEfficiency} + prepare ${q(e.prepareVcpuHours)} + ${SIZING_CONSTANTS.emr.fixedVcpuHoursPerRun} → ${q(e.vcpuHoursPerNight)} vCPU-h a night`;
  return [
    {
      service: "EMR Serverless",
      item: "nightly ALS: vCPU",
      quantity: vcpuHours,
      unit: "vCPU-hours",
      formula: `${perNight} × ${q(NIGHTS_PER_MONTH)} nights × $${p.usdPerVcpuHour}`,
      monthlyUsd: vcpuHours * p.usdPerVcpuHour,
    },
    {
      service: "EMR Serverless",
      item: "nightly ALS: memory",
      quantity: gbHours,
      unit: "GB-hours",
      formula: `${SIZING_CONSTANTS.emr.gbPerVcpu} GB a vCPU × ${q(vcpuHours)} vCPU-h × $${p.usdPerGbHour}`,
      monthlyUsd: gbHours * p.usdPerGbHour,
    },
  ];
}

function s3Lines(s: S3Sizing, a: WorkloadAssumptions): CostLine[] {
  const p = PRICES.s3;
  return [
    {
      service: "S3",
      item: "storage (Standard)",
      quantity: s.storedGb,
      unit: "GB-month",
      formula: `archive ${q(s.archiveGb)} (${a.archiveDays} days of Parquet) + models ${q(s.modelsGb)} (${a.modelVersionsKept} versions) + run workspaces ${q(s.workspaceGb)} (${a.runWorkspaceDays} days); tiered from $${p.storageTiersPerGbMonth[0]?.usdPerUnit}`,
      monthlyUsd: tieredCost(s.storedGb, p.storageTiersPerGbMonth),
    },
    {
      service: "S3",
      item: "PUT requests (archive objects)",
      quantity: s.putsPerMonth,
      unit: "requests",
      formula: `one object per archive batch × $${p.usdPerThousandPuts}/1,000`,
      monthlyUsd: (s.putsPerMonth / 1000) * p.usdPerThousandPuts,
    },
    {
      service: "S3",
      item: "GET requests (nightly archive read)",
      quantity: s.getsPerMonth,
      unit: "requests",
      formula: `the window's objects every night × $${p.usdPerThousandGets}/1,000`,
      monthlyUsd: (s.getsPerMonth / 1000) * p.usdPerThousandGets,
    },
  ];
}

function networkLines(edge: EdgeSizing): CostLine[] {
  const n = SIZING_CONSTANTS.network;
  const endpoint = PRICES.vpcInterfaceEndpoint;
  return [
    {
      service: "Network",
      item: "data transfer out (API responses)",
      quantity: edge.responseGbPerMonth,
      unit: "GB",
      formula: `response bodies; tiered from $${PRICES.dataTransferOut.tiersPerGb[0]?.usdPerUnit}/GB`,
      monthlyUsd: tieredCost(edge.responseGbPerMonth, PRICES.dataTransferOut.tiersPerGb),
    },
    {
      service: "Network",
      item: "VPC interface endpoints",
      quantity: edge.endpointHoursPerMonth,
      unit: "endpoint-AZ-hours",
      formula: `${n.interfaceEndpoints} endpoints × ${n.availabilityZones} AZs × ${MONTH_HOURS} h × $${endpoint.usdPerEndpointAzHour}`,
      monthlyUsd: edge.endpointHoursPerMonth * endpoint.usdPerEndpointAzHour,
    },
    {
      service: "Network",
      item: "VPC endpoint data processed",
      quantity: edge.endpointGbProcessedPerMonth,
      unit: "GB",
      formula: `impressions out + stream reads in × $${endpoint.usdPerGbProcessed}/GB`,
      monthlyUsd: edge.endpointGbProcessedPerMonth * endpoint.usdPerGbProcessed,
    },
  ];
}

function observabilityLines(edge: EdgeSizing): CostLine[] {
  const obs = SIZING_CONSTANTS.observability;
  return [
    {
      service: "Observability",
      item: "CloudWatch Logs ingestion",
      quantity: edge.logGbPerMonth,
      unit: "GB",
      formula: `${obs.logBytesPerInvocation} B an invocation + ${obs.accessLogBytesPerRequest} B an API access log × $${PRICES.cloudWatchLogs.usdPerGbIngested}/GB`,
      monthlyUsd: edge.logGbPerMonth * PRICES.cloudWatchLogs.usdPerGbIngested,
    },
    {
      service: "Observability",
      item: "X-Ray traces",
      quantity: edge.tracesPerMonth,
      unit: "traces",
      formula: `${obs.xRayReservoirPerSecond}/s + ${obs.xRaySampledShare * 100} % of invocations × $${PRICES.xRay.usdPerMillionTracesRecorded}/M`,
      monthlyUsd: (edge.tracesPerMonth / 1e6) * PRICES.xRay.usdPerMillionTracesRecorded,
    },
    {
      service: "Observability",
      item: "KMS key (data)",
      quantity: 1,
      unit: "key-months",
      formula: `1 customer managed key × $${PRICES.kms.usdPerKeyMonth}`,
      monthlyUsd: PRICES.kms.usdPerKeyMonth,
    },
  ];
}

function warningsOf(s: CapacitySizing, inputs: CapacityInputs, a: WorkloadAssumptions): string[] {
  const warnings: string[] = [];
  const l = SIZING_CONSTANTS.lambda;
  const k = SIZING_CONSTANTS.kinesis;
  const peakApiRps = (s.edge.apiRequestsPerMonth / SECONDS_PER_MONTH) * a.peakToAverage;
  if (peakApiRps > SIZING_CONSTANTS.apiGatewayAccountRps) {
    warnings.push(
      `API Gateway: ${q(peakApiRps)} requests/s at peak is over the default account throttle of ${groupDigits(SIZING_CONSTANTS.apiGatewayAccountRps)}/s; ask for a quota increase (and raise apiThrottleRate).`,
    );
  }
  if (s.lambda.peakConcurrency > l.accountConcurrencyQuota) {
    warnings.push(
      `Lambda: ${q(s.lambda.peakConcurrency)} concurrent executions at peak is over the default regional quota of ${groupDigits(l.accountConcurrencyQuota)}; ask for an increase.`,
    );
  }
  const servingNeedMb = l.baselineMemoryMb + s.lambda.servingModelMb;
  if (servingNeedMb > l.recommendationsMemoryMb) {
    warnings.push(
      `Lambda: the serving functions hold the active model's item factors (${q(s.lambda.servingModelMb)} MB for ${groupDigits(inputs.items)} items × ${inputs.factors}) in ${l.recommendationsMemoryMb} MB; raise memorySizeMb in functions/api/route-table.ts to at least ${groupDigits(Math.ceil(servingNeedMb / 64) * 64)} MB (Lambda allows 10,240).`,
    );
  }
  const streamNeedMb = l.baselineMemoryMb + s.lambda.streamModelMb;
  if (streamNeedMb > l.streamMemoryMb) {
    warnings.push(
      `Lambda: the stream function holds the active model (${q(s.lambda.streamModelMb)} MB) in ${l.streamMemoryMb} MB; raise its memorySize in infra/stacks/ingest-stack.ts to at least ${groupDigits(Math.ceil(streamNeedMb / 64) * 64)} MB.`,
    );
  }
  const similar = s.lambda.functions.find((fn) => fn.name === "similar-items");
  if (similar !== undefined && similar.averageDurationMs > 100) {
    warnings.push(
      `Lambda: similar items scans every item factor per request (${q(similar.averageDurationMs)} ms at ${groupDigits(inputs.items)} items); use the k-NN index for it at this catalog size.`,
    );
  }
  if (s.kinesis.parallelizationFactor > 1) {
    warnings.push(
      `Kinesis: the stream function needs ${s.kinesis.parallelizationFactor} batches in flight per shard at peak; set streamParallelization=${s.kinesis.parallelizationFactor} (stage-config.ts; default 1).`,
    );
  }
  if (
    s.kinesis.mode === "on-demand" &&
    (s.kinesis.peakRecordsPerSec > k.onDemandMaxRecordsPerSec ||
      s.kinesis.peakMibPerSec > k.onDemandMaxMibPerSec)
  ) {
    warnings.push(
      `Kinesis: ${q(s.kinesis.peakRecordsPerSec)} records/s (${q(s.kinesis.peakMibPerSec)} MiB/s) at peak is over on-demand's default per-stream write quota (${groupDigits(k.onDemandMaxRecordsPerSec)} records/s, ${k.onDemandMaxMibPerSec} MiB/s); ask for an increase or use provisioned shards.`,
    );
  }
  if (s.dynamoDb.hottestCounterWriteUnitsPerSec > SIZING_CONSTANTS.dynamoDb.partitionWriteUnitsPerSec) {
    warnings.push(
      `DynamoDB: the busiest feedback counter item takes ${q(s.dynamoDb.hottestCounterWriteUnitsPerSec)} WRU/s at peak, over the ${groupDigits(SIZING_CONSTANTS.dynamoDb.partitionWriteUnitsPerSec)} a partition serves; raise counterShards (dynamodb-recommendation-log.ts, default ${SIZING_CONSTANTS.dynamoDb.feedbackCounterShards}).`,
    );
  }
  if (s.elastiCache.dataGb > PRICES.elastiCacheServerlessValkey.maximumGb) {
    warnings.push(
      `ElastiCache: ${q(s.elastiCache.dataGb)} GB is over one serverless cache's ${groupDigits(PRICES.elastiCacheServerlessValkey.maximumGb)} GB; the trending seen sets (${q(s.elastiCache.seenSetsGb)} GB) dominate: dedupe once per event instead of once per tag, or shorten their window.`,
    );
  }
  const unionRate = s.elastiCache.trendingUnionMembersPerSec;
  if (unionRate > SIZING_CONSTANTS.elastiCache.maxUnionMembersPerSecPerShard) {
    warnings.push(
      `ElastiCache: trending reads merge ${q(s.elastiCache.membersPerTrendingUnion)} sorted-set members each (ZUNIONSTORE over a day of hourly buckets), ${q(unionRate)} a second, all on the shard that holds the tag: past one core's work, and the ECPU line prices it. Keep a rolling 24 h sorted set, or compute the top list once a minute and share it, instead (redis-trending-counters.ts, top).`,
    );
  }
  if (!s.openSearch.fits) {
    warnings.push(
      `OpenSearch: ${s.openSearch.dataNodes} × ${s.openSearch.instanceType} is over the stage's ${SIZING_CONSTANTS.openSearch.maxDataNodes} data nodes; shard the index or quantize the vectors.`,
    );
  }
  if (s.emr.itemFactorsBroadcastGb > SIZING_CONSTANTS.emr.maxBroadcastGb) {
    warnings.push(
      `EMR: the Spark job collects and broadcasts the item factors as float64 (${q(s.emr.itemFactorsBroadcastGb)} GB) to every executor (train_als.py, factor_matrix); past ${SIZING_CONSTANTS.emr.maxBroadcastGb} GB score with a blocked join instead.`,
    );
  }
  return warnings;
}
