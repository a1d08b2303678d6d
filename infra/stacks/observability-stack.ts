import { Aws, CfnOutput, Duration, Fn, Stack, type StackProps } from "aws-cdk-lib";
import type * as apigateway from "aws-cdk-lib/aws-apigateway";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as cloudwatchActions from "aws-cdk-lib/aws-cloudwatch-actions";
import type * as opensearch from "aws-cdk-lib/aws-opensearchservice";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import {
  METRIC_DIMENSIONS,
  METRIC_NAMES,
  METRICS_NAMESPACE,
} from "../../functions/commons/metric-catalog.ts";
import type { RecommendationSource } from "../../layers/ports/recommendation-log.ts";
import type { StageConfig } from "../config/stage-config.ts";
import type { ApiRoutes } from "../constructs/api-routes.ts";
import type { FlywheelFunction } from "../constructs/flywheel-function.ts";
import type { IngestStack } from "./ingest-stack.ts";
import type { TrainingStack } from "./training-stack.ts";

/** What this stack watches: the other stacks of the stage, as infra/flywheel-app.ts composes them. */
export interface ObservedStacks {
  readonly data: { readonly streamDeadLetterQueue: sqs.IQueue };
  readonly ingest: Pick<IngestStack, "alarmTopic" | "streamHandler" | "alarms">;
  readonly search: { readonly domain: opensearch.IDomain };
  readonly training: Pick<TrainingStack, "stateMachine" | "pipelineFunctions" | "alarms">;
  readonly api: { readonly routes: ApiRoutes };
}

export interface ObservabilityStackProps extends StackProps {
  readonly stage: StageConfig;
  readonly stacks: ObservedStacks;
}

/** The cascade's tiers, in the order they are tried (DESIGN.md §1). */
const SOURCES: readonly RecommendationSource[] = ["cache", "realtime", "batch", "popular"];
const ONE_MINUTE = Duration.minutes(1);
const FIVE_MINUTES = Duration.minutes(5);
/** Below this many requests a minute, the 5xx rate is not judged: one failure in three requests is no outage. */
const MIN_REQUESTS_FOR_ERROR_RATE = 10;
/** CloudWatch metric-math ids: a lower-case letter, then letters, digits and underscores. */
const mathId = (...parts: string[]) =>
  parts
    .join("_")
    .replace(/[^A-Za-z0-9_]/g, "_")
    .toLowerCase();

/**
 * One stage's operations view: a CloudWatch dashboard of the three paths (API, stream, nightly) and the
 * OpenSearch domain, and the alarms the other stacks do not raise themselves, on the ingest stack's alarm
 * topic with the streaming and training alarms.
 *
 * Already alarmed elsewhere, and only shown here: iterator age, offset lag, dead letters and the stream
 * Lambdas' errors (ingest stack); failed, timed-out and aborted nightly runs and the pipeline Lambdas'
 * errors (training stack). Raised here: the API stage's 5xx rate and p99 latency, and the domain's red and
 * yellow cluster status, free storage and JVM memory pressure, with thresholds from the stage's `alarms`.
 *
 * The application metrics come from the functions' EMF output (functions/commons/metric-catalog.ts), under
 * each function's `service` and the stage; iterator age and queue depth are AWS's own metrics.
 */
export class ObservabilityStack extends Stack {
  public readonly dashboard: cloudwatch.Dashboard;
  public readonly alarms: {
    readonly apiServerErrorRate: cloudwatch.Alarm;
    readonly apiLatencyP99: cloudwatch.Alarm;
    readonly searchClusterRed: cloudwatch.Alarm;
    readonly searchClusterYellow: cloudwatch.Alarm;
    readonly searchFreeStorage: cloudwatch.Alarm;
    readonly searchJvmMemoryPressure: cloudwatch.Alarm;
  };

  private readonly stage: StageConfig;

  constructor(scope: Construct, id: string, props: ObservabilityStackProps) {
    super(scope, id, props);
    const { stage, stacks } = props;
    this.stage = stage;
    const action = new cloudwatchActions.SnsAction(stacks.ingest.alarmTopic);
    const alarm = (alarmId: string, alarmProps: cloudwatch.AlarmProps): cloudwatch.Alarm => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        // No data is no traffic (or a domain metric not yet published), not an incident.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        ...alarmProps,
      });
      created.addAlarmAction(action);
      created.addOkAction(action);
      return created;
    };

    const apiName = stacks.api.routes.api.restApiName;
    const apiErrorRate = new cloudwatch.MathExpression({
      expression: `IF(requests >= ${MIN_REQUESTS_FOR_ERROR_RATE}, 100 * errors / requests, 0)`,
      usingMetrics: {
        errors: this.apiMetric(apiName, "5XXError", { statistic: cloudwatch.Stats.SUM }),
        requests: this.apiMetric(apiName, "Count", { statistic: cloudwatch.Stats.SUM }),
      },
      label: "5xx, % of requests",
      period: ONE_MINUTE,
    });
    const apiLatencyP99 = this.apiMetric(apiName, "Latency", {
      statistic: cloudwatch.Stats.p(99),
      period: FIVE_MINUTES,
    });

    const domain = stacks.search.domain;
    // FreeStorageSpace is per node, in MiB: the Minimum is the fullest node's.
    const freeStorageThresholdMib = Math.floor(
      (stage.search.volumeSizeGb * 1024 * stage.alarms.searchFreeStoragePercent) / 100,
    );

    this.alarms = {
      apiServerErrorRate: alarm("ApiServerErrorRateAlarm", {
        alarmDescription: `More than ${stage.alarms.apiServerErrorRatePercent}% of the API's requests failed with a 5xx in 3 of 5 minutes`,
        metric: apiErrorRate,
        threshold: stage.alarms.apiServerErrorRatePercent,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
      }),
      apiLatencyP99: alarm("ApiLatencyP99Alarm", {
        alarmDescription: `The API's p99 latency was above ${stage.alarms.apiLatencyP99Ms} ms for 10 of 15 minutes`,
        metric: apiLatencyP99,
        threshold: stage.alarms.apiLatencyP99Ms,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
      }),
      searchClusterRed: alarm("SearchClusterRedAlarm", {
        alarmDescription:
          "The OpenSearch domain is red: a primary shard is unassigned, and k-NN queries on it fail (serving falls back to the nightly lists)",
        metric: domain.metricClusterStatusRed({ period: ONE_MINUTE, statistic: cloudwatch.Stats.MAXIMUM }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      }),
      // Yellow for a few minutes is what a blue/green change or a node replacement looks like; for five it is not.
      searchClusterYellow: alarm("SearchClusterYellowAlarm", {
        alarmDescription:
          "The OpenSearch domain has been yellow for 5 minutes: replica shards are unassigned",
        metric: domain.metricClusterStatusYellow({ period: ONE_MINUTE, statistic: cloudwatch.Stats.MAXIMUM }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 5,
      }),
      searchFreeStorage: alarm("SearchFreeStorageAlarm", {
        alarmDescription: `An OpenSearch node has less than ${stage.alarms.searchFreeStoragePercent}% of its ${stage.search.volumeSizeGb} GiB free (${freeStorageThresholdMib} MiB); writes stop when it runs out`,
        metric: domain.metricFreeStorageSpace({ period: ONE_MINUTE, statistic: cloudwatch.Stats.MINIMUM }),
        threshold: freeStorageThresholdMib,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      }),
      searchJvmMemoryPressure: alarm("SearchJvmMemoryPressureAlarm", {
        alarmDescription: `OpenSearch JVM memory pressure above ${stage.alarms.searchJvmMemoryPressurePercent}% for 15 minutes: queries may be refused`,
        metric: domain.metricJVMMemoryPressure({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.MAXIMUM }),
        threshold: stage.alarms.searchJvmMemoryPressurePercent,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 3,
      }),
    };

    this.dashboard = new cloudwatch.Dashboard(this, "Dashboard", {
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `# Flywheel ${stage.stageName}\nAPI, cascade tiers, the stream, the nightly pipeline and the vector store. Alarms go to the stage's alarm topic.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: "Alarms",
        width: 24,
        height: 4,
        alarms: [
          ...Object.values(this.alarms),
          ...definedAlarms(stacks.ingest.alarms),
          stacks.training.alarms.executionsFailed,
          stacks.training.alarms.executionsTimedOut,
          stacks.training.alarms.executionsAborted,
          stacks.training.alarms.scheduleDeadLetters,
        ],
      }),
    );
    this.dashboard.addWidgets(...this.apiWidgets(stacks.api.routes, apiErrorRate));
    this.dashboard.addWidgets(...this.cascadeWidgets(stacks.api.routes));
    this.dashboard.addWidgets(...this.streamWidgets(stacks));
    this.dashboard.addWidgets(...this.pipelineWidgets(stacks.training));
    this.dashboard.addWidgets(...this.searchWidgets(domain, freeStorageThresholdMib));

    new CfnOutput(this, "DashboardUrl", {
      description: "The stage's CloudWatch dashboard",
      value: Fn.join("", [
        "https://console.aws.amazon.com/cloudwatch/home?region=",
        Aws.REGION,
        "#dashboards:name=",
        this.dashboard.dashboardName,
      ]),
    });
  }

  /**
   * An API Gateway metric of this stage's API, or of one of its methods (detailed metrics are on). Named by
   * the API's name and the stage's, both known at synthesis, so the dashboard imports nothing from the API
   * stack and never holds it back.
   */
  private apiMetric(
    apiName: string,
    metricName: string,
    options: { statistic: string; period?: Duration; method?: apigateway.Method; label?: string },
  ): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: "AWS/ApiGateway",
      metricName,
      dimensionsMap: {
        ApiName: apiName,
        Stage: this.stage.stageName,
        ...(options.method === undefined
          ? {}
          : { Method: options.method.httpMethod, Resource: options.method.resource.path }),
      },
      statistic: options.statistic,
      period: options.period ?? ONE_MINUTE,
      ...(options.label === undefined ? {} : { label: options.label }),
    });
  }

  /** A metric a Flywheel function emits (EMF), under its service and this stage. */
  private applicationMetric(
    fn: FlywheelFunction,
    metricName: string,
    options: { statistic: string; dimensions?: Readonly<Record<string, string>>; label?: string },
  ): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName,
      dimensionsMap: {
        [METRIC_DIMENSIONS.service]: fn.serviceName,
        [METRIC_DIMENSIONS.stage]: this.stage.stageName,
        ...options.dimensions,
      },
      statistic: options.statistic,
      period: ONE_MINUTE,
      ...(options.label === undefined ? {} : { label: options.label }),
    });
  }

  /** 5xx and requests for the stage; p50 and p99 latency of every route (API Gateway's per-method metrics). */
  private apiWidgets(routes: ApiRoutes, errorRate: cloudwatch.IMetric): cloudwatch.IWidget[] {
    const apiName = routes.api.restApiName;
    const perRoute = (statistic: string) =>
      [...routes.methods].map(([route, method]) =>
        this.apiMetric(apiName, "Latency", { statistic, method, label: route }),
      );
    return [
      new cloudwatch.GraphWidget({
        title: "API 5xx",
        width: 8,
        left: [this.apiMetric(apiName, "5XXError", { statistic: cloudwatch.Stats.SUM, label: "5xx" })],
        right: [errorRate],
        rightYAxis: { min: 0, label: "%", showUnits: false },
      }),
      new cloudwatch.GraphWidget({
        title: "API latency p50 by route (ms)",
        width: 8,
        left: perRoute(cloudwatch.Stats.p(50)),
        legendPosition: cloudwatch.LegendPosition.RIGHT,
      }),
      new cloudwatch.GraphWidget({
        title: "API latency p99 by route (ms)",
        width: 8,
        left: perRoute(cloudwatch.Stats.p(99)),
        legendPosition: cloudwatch.LegendPosition.RIGHT,
      }),
    ];
  }

  /** The recommendations handler's latency per tier and the L1 cache hit ratio. */
  private cascadeWidgets(routes: ApiRoutes): cloudwatch.IWidget[] {
    const recommendations = routes.functions.get("recommendations");
    if (recommendations === undefined) return [];
    const latency = (statistic: string) =>
      SOURCES.map((source) =>
        this.applicationMetric(recommendations, METRIC_NAMES.recommendationLatency, {
          statistic,
          dimensions: { [METRIC_DIMENSIONS.source]: source },
          label: source,
        }),
      );
    const count = (metricName: string, source: RecommendationSource) =>
      this.applicationMetric(recommendations, metricName, {
        statistic: cloudwatch.Stats.SUM,
        dimensions: { [METRIC_DIMENSIONS.source]: source },
      });
    // Hits are counted under `cache`, misses under the tier that answered instead.
    const misses = SOURCES.filter((source) => source !== "cache");
    const hitRatio = new cloudwatch.MathExpression({
      expression: `100 * FILL(hits, 0) / (FILL(hits, 0) + ${misses.map((source) => `FILL(${mathId("miss", source)}, 0)`).join(" + ")})`,
      usingMetrics: {
        hits: count(METRIC_NAMES.cacheHit, "cache"),
        ...Object.fromEntries(
          misses.map((source) => [mathId("miss", source), count(METRIC_NAMES.cacheMiss, source)]),
        ),
      },
      label: "L1 cache hit ratio (%)",
      period: ONE_MINUTE,
    });
    return [
      new cloudwatch.GraphWidget({
        title: "Recommendations latency p50 by tier (ms)",
        width: 8,
        left: latency(cloudwatch.Stats.p(50)),
      }),
      new cloudwatch.GraphWidget({
        title: "Recommendations latency p99 by tier (ms)",
        width: 8,
        left: latency(cloudwatch.Stats.p(99)),
      }),
      new cloudwatch.GraphWidget({
        title: "L1 cache hit ratio (%)",
        width: 8,
        left: [hitRatio],
        leftYAxis: { min: 0, max: 100, showUnits: false },
      }),
    ];
  }

  /** Events in and through the stream, fold-in time, how far behind the consumer is, and CTR by source. */
  private streamWidgets(stacks: ObservedStacks): cloudwatch.IWidget[] {
    const stream = stacks.ingest.streamHandler;
    const events = stacks.api.routes.functions.get("events");
    const sum = { statistic: cloudwatch.Stats.SUM };
    const usesKafka = this.stage.eventBus.kind === "msk";
    const lag = usesKafka
      ? stream.function.metric("OffsetLag", { period: ONE_MINUTE, statistic: cloudwatch.Stats.MAXIMUM })
      : stream.function.metric("IteratorAge", { period: ONE_MINUTE, statistic: cloudwatch.Stats.MAXIMUM });
    const feedback = (metricName: string, source: RecommendationSource) =>
      this.applicationMetric(stream, metricName, {
        ...sum,
        dimensions: { [METRIC_DIMENSIONS.source]: source },
      });
    const ctr = SOURCES.map(
      (source) =>
        new cloudwatch.MathExpression({
          expression: `100 * FILL(${mathId("clicks", source)}, 0) / ${mathId("impressions", source)}`,
          usingMetrics: {
            [mathId("clicks", source)]: feedback(METRIC_NAMES.clicks, source),
            [mathId("impressions", source)]: feedback(METRIC_NAMES.impressions, source),
          },
          label: source,
          period: FIVE_MINUTES,
        }),
    );
    return [
      new cloudwatch.GraphWidget({
        title: "Events accepted and processed",
        width: 8,
        left: [
          ...(events === undefined
            ? []
            : [
                this.applicationMetric(events, METRIC_NAMES.eventsAccepted, {
                  ...sum,
                  label: "accepted (API)",
                }),
                this.applicationMetric(events, METRIC_NAMES.eventsRejected, {
                  ...sum,
                  label: "rejected (API)",
                }),
              ]),
          this.applicationMetric(stream, METRIC_NAMES.eventsProcessed, {
            ...sum,
            label: "processed (stream)",
          }),
          this.applicationMetric(stream, METRIC_NAMES.eventsFailed, {
            ...sum,
            label: "failed, retried (stream)",
          }),
          this.applicationMetric(stream, METRIC_NAMES.poisonRecords, { ...sum, label: "poison (stream)" }),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: "Fold-in time per user (ms)",
        width: 8,
        left: [
          this.applicationMetric(stream, METRIC_NAMES.foldInTime, {
            statistic: cloudwatch.Stats.p(50),
            label: "p50",
          }),
          this.applicationMetric(stream, METRIC_NAMES.foldInTime, {
            statistic: cloudwatch.Stats.p(99),
            label: "p99",
          }),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: usesKafka
          ? "Stream consumer offset lag and dead letters"
          : "Stream iterator age and dead letters",
        width: 8,
        left: [lag],
        right: [
          stacks.data.streamDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period: ONE_MINUTE,
            statistic: cloudwatch.Stats.MAXIMUM,
            label: "dead-letter queue depth",
          }),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: "CTR by source (% of served lists clicked)",
        width: 12,
        left: ctr,
        leftYAxis: { min: 0, showUnits: false },
      }),
    ];
  }

  /** Nightly runs that succeeded and failed, and how long each step's Lambda took. */
  private pipelineWidgets(training: ObservedStacks["training"]): cloudwatch.IWidget[] {
    const daily = { period: Duration.days(1), statistic: cloudwatch.Stats.SUM };
    // The step's name is the `Step` dimension the handler gives its duration (create-pipeline-handlers.ts).
    const steps = Object.entries(training.pipelineFunctions);
    return [
      new cloudwatch.GraphWidget({
        title: "Nightly runs",
        width: 12,
        left: [
          training.stateMachine.metricSucceeded({ ...daily, label: "succeeded" }),
          training.stateMachine.metricFailed({ ...daily, label: "failed" }),
          training.stateMachine.metricTimedOut({ ...daily, label: "timed out" }),
        ],
        view: cloudwatch.GraphWidgetView.BAR,
      }),
      new cloudwatch.GraphWidget({
        title: "Pipeline step duration (ms)",
        width: 12,
        left: steps.map(([step, fn]) =>
          this.applicationMetric(fn, METRIC_NAMES.pipelineStepDuration, {
            statistic: cloudwatch.Stats.MAXIMUM,
            dimensions: { [METRIC_DIMENSIONS.step]: step },
            label: step,
          }),
        ),
        legendPosition: cloudwatch.LegendPosition.RIGHT,
      }),
    ];
  }

  /** The vector store's health: cluster status, JVM memory pressure, the fullest node's free storage. */
  private searchWidgets(domain: opensearch.IDomain, freeStorageThresholdMib: number): cloudwatch.IWidget[] {
    const max = { period: ONE_MINUTE, statistic: cloudwatch.Stats.MAXIMUM };
    return [
      new cloudwatch.GraphWidget({
        title: "OpenSearch cluster status",
        width: 8,
        left: [
          domain.metricClusterStatusRed({ ...max, label: "red" }),
          domain.metricClusterStatusYellow({ ...max, label: "yellow" }),
        ],
        leftYAxis: { min: 0, max: 1, showUnits: false },
      }),
      new cloudwatch.GraphWidget({
        title: "OpenSearch JVM memory pressure (%)",
        width: 8,
        left: [domain.metricJVMMemoryPressure({ ...max, label: "JVM memory pressure" })],
        leftAnnotations: [{ value: this.stage.alarms.searchJvmMemoryPressurePercent, label: "alarm" }],
        leftYAxis: { min: 0, max: 100, showUnits: false },
      }),
      new cloudwatch.GraphWidget({
        title: "OpenSearch free storage, fullest node (MiB)",
        width: 8,
        left: [
          domain.metricFreeStorageSpace({
            period: ONE_MINUTE,
            statistic: cloudwatch.Stats.MINIMUM,
            label: "free storage",
          }),
        ],
        leftAnnotations: [{ value: freeStorageThresholdMib, label: "alarm" }],
      }),
    ];
  }
}

/** The ingest stack's alarms that this stage has (some exist only with Kinesis, others only with MSK). */
function definedAlarms(alarms: IngestStack["alarms"]): cloudwatch.IAlarm[] {
  return Object.values(alarms).filter((alarm): alarm is cloudwatch.Alarm => alarm !== undefined);
}
