import { App, type CfnElement, type Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { METRIC_NAMES } from "../../functions/commons/metric-catalog.ts";
import { readStageConfig } from "../../infra/config/stage-config.ts";
import { buildFlywheelApp } from "../../infra/flywheel-app.ts";
import { ObservabilityStack } from "../../infra/stacks/observability-stack.ts";

// Fine-grained assertions on the observability stack over the whole app as infra/app.ts composes it: the
// alarms it adds (and only those: the ingest and training stacks raise their own), their thresholds from the
// stage's context, every one on the ingest stack's alarm topic, and the dashboard's graphs of the metrics the
// functions emit. esbuild is skipped: only templates are read. No whole-template snapshot.

const ENV = { account: "123456789012", region: "eu-west-1" };
const NO_BUNDLING = { "aws:cdk:bundling-stacks": [] };

function synth(context: Record<string, unknown> = {}) {
  const app = new App({ context: { ...NO_BUNDLING, ...context } });
  const stage = readStageConfig(app.node);
  const flywheel = buildFlywheelApp(app, stage, ENV);
  const observability = new ObservabilityStack(app, "Observability", { env: ENV, stage, stacks: flywheel });
  const template = Template.fromStack(observability);
  return { stage, flywheel, observability, template, dashboard: dashboardBody(template) };
}

function logicalIdOf(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

const AlarmSchema = z.looseObject({
  Properties: z.looseObject({
    AlarmDescription: z.string(),
    AlarmActions: z.array(z.unknown()),
    OKActions: z.array(z.unknown()),
  }),
});

/** The dashboard's body as CloudFormation renders it (an Fn::Join of text and references), as text. */
function dashboardBody(template: Template): string {
  const [dashboard] = Object.values(template.findResources("AWS::CloudWatch::Dashboard"));
  const body = z.object({ Properties: z.object({ DashboardBody: z.unknown() }) }).parse(dashboard)
    .Properties.DashboardBody;
  const JoinSchema = z.object({ "Fn::Join": z.tuple([z.string(), z.array(z.unknown())]) });
  const text = (value: unknown): string => {
    if (typeof value === "string") return value;
    const join = JoinSchema.safeParse(value);
    if (join.success) return join.data["Fn::Join"][1].map(text).join(join.data["Fn::Join"][0]);
    return `{${JSON.stringify(value)}}`;
  };
  return text(body);
}

describe("the observability stack", () => {
  const { stage, flywheel, observability, template, dashboard } = synth();

  it("adds six alarms, every one to the ingest stack's alarm topic when it fires and when it clears", () => {
    const alarms = Object.values(template.findResources("AWS::CloudWatch::Alarm")).map((alarm) =>
      AlarmSchema.parse(alarm),
    );
    expect(alarms).toHaveLength(6);
    const topicExport = {
      "Fn::ImportValue": expect.stringContaining(logicalIdOf(flywheel.ingest, flywheel.ingest.alarmTopic)),
    };
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([topicExport]);
      expect(alarm.Properties.OKActions).toEqual([topicExport]);
    }
  });

  it("alarms on the API stage's 5xx rate, judged only above ten requests a minute", () => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Threshold: 1,
      ComparisonOperator: "GreaterThanThreshold",
      EvaluationPeriods: 5,
      DatapointsToAlarm: 3,
      TreatMissingData: "notBreaching",
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: "IF(requests >= 10, 100 * errors / requests, 0)", ReturnData: true }),
        Match.objectLike({
          Id: "errors",
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({
              Namespace: "AWS/ApiGateway",
              MetricName: "5XXError",
              Dimensions: Match.arrayWith([{ Name: "Stage", Value: stage.stageName }]),
            }),
            Stat: "Sum",
          }),
        }),
      ]),
    });
  });

  it("alarms on the API stage's p99 latency above the stage's threshold", () => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/ApiGateway",
      MetricName: "Latency",
      ExtendedStatistic: "p99",
      Threshold: 1000,
      Period: 300,
      ComparisonOperator: "GreaterThanThreshold",
    });
  });

  it("alarms on the OpenSearch domain: red at once, yellow for five minutes, free storage, JVM pressure", () => {
    const domainDimension = Match.arrayWith([
      Match.objectLike({
        Name: "DomainName",
        Value: Match.objectLike({ "Fn::ImportValue": Match.anyValue() }),
      }),
    ]);
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/ES",
      MetricName: "ClusterStatus.red",
      Statistic: "Maximum",
      Threshold: 1,
      EvaluationPeriods: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      Dimensions: domainDimension,
    });
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/ES",
      MetricName: "ClusterStatus.yellow",
      EvaluationPeriods: 5,
    });
    // 25% of the dev stage's 20 GiB per node, in MiB, on the fullest node.
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/ES",
      MetricName: "FreeStorageSpace",
      Statistic: "Minimum",
      Threshold: 5120,
      ComparisonOperator: "LessThanOrEqualToThreshold",
    });
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/ES",
      MetricName: "JVMMemoryPressure",
      Threshold: 95,
      EvaluationPeriods: 3,
    });
  });

  it("raises no alarm the other stacks already raise: iterator age, dead letters, failed nightly runs", () => {
    const metricNames = Object.values(template.findResources("AWS::CloudWatch::Alarm")).map((alarm) =>
      JSON.stringify(alarm),
    );
    for (const raisedElsewhere of ["IteratorAge", "ApproximateNumberOfMessagesVisible", "ExecutionsFailed"]) {
      expect(metricNames.some((alarm) => alarm.includes(`"${raisedElsewhere}"`))).toBe(false);
    }
    // They are on the dashboard's alarm widget instead.
    expect(dashboard).toContain('"type":"alarm"');
  });

  it("graphs the cascade per tier and the cache hit ratio from the recommendations function's metrics", () => {
    const recommendations = flywheel.api.routes.functions.get("recommendations");
    expect(recommendations?.serviceName).toBe("flywheel-recommendations");
    for (const source of ["cache", "realtime", "batch", "popular"]) {
      expect(dashboard).toContain(
        `["Flywheel","${METRIC_NAMES.recommendationLatency}","Source","${source}","service","flywheel-recommendations","stage","${stage.stageName}"`,
      );
    }
    expect(dashboard).toContain(
      "100 * FILL(hits, 0) / (FILL(hits, 0) + FILL(miss_realtime, 0) + FILL(miss_batch, 0) + FILL(miss_popular, 0))",
    );
    expect(dashboard).toContain('"stat":"p99"');
  });

  it("graphs the stream: events, fold-in time, iterator age, dead-letter depth and CTR by source", () => {
    expect(flywheel.ingest.streamHandler.serviceName).toBe("flywheel-stream");
    for (const metric of [
      METRIC_NAMES.eventsAccepted,
      METRIC_NAMES.eventsProcessed,
      METRIC_NAMES.foldInTime,
      METRIC_NAMES.poisonRecords,
    ]) {
      expect(dashboard).toContain(`"Flywheel","${metric}"`);
    }
    expect(dashboard).toContain('"AWS/Lambda","IteratorAge"');
    expect(dashboard).toContain('"AWS/SQS","ApproximateNumberOfMessagesVisible"');
    expect(dashboard).toContain("100 * FILL(clicks_realtime, 0) / impressions_realtime");
  });

  it("graphs every route's latency, the nightly runs and each pipeline step, and the OpenSearch domain", () => {
    for (const route of flywheel.api.routes.methods.keys()) expect(dashboard).toContain(`"label":"${route}"`);
    // By the API's and the stage's names: the API stack exports nothing to this one, so never waits on it.
    expect(dashboard).not.toContain(`${flywheel.api.stackName}:`);
    expect(dashboard).toContain('"AWS/States","ExecutionsSucceeded"');
    expect(dashboard).toContain('"AWS/States","ExecutionsFailed"');
    expect(dashboard).toContain(`"Flywheel","${METRIC_NAMES.pipelineStepDuration}","Step","prepareData"`);
    for (const metric of [
      "ClusterStatus.red",
      "ClusterStatus.yellow",
      "JVMMemoryPressure",
      "FreeStorageSpace",
    ]) {
      expect(dashboard).toContain(`"AWS/ES","${metric}"`);
    }
  });

  it("gives every Lambda its service, the metrics namespace, the log level and hashed user ids in logs", () => {
    const api = Template.fromStack(flywheel.api);
    api.hasResourceProperties("AWS::Lambda::Function", {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: "flywheel-recommendations",
          POWERTOOLS_METRICS_NAMESPACE: "Flywheel",
          POWERTOOLS_LOG_LEVEL: "INFO",
          FLYWHEEL_LOG_HASH_USER_IDS: "true",
        }),
      },
    });
    for (const stack of [flywheel.ingest, flywheel.training, flywheel.api]) {
      const functions = Template.fromStack(stack).findResources("AWS::Lambda::Function");
      const flywheelFunctions = Object.values(functions).filter((fn) =>
        JSON.stringify(fn).includes("FLYWHEEL_STAGE"),
      );
      expect(flywheelFunctions.length).toBeGreaterThan(0);
      for (const fn of flywheelFunctions) {
        expect(JSON.stringify(fn)).toMatch(/"POWERTOOLS_SERVICE_NAME":"flywheel-[a-z-]+"/);
        expect(JSON.stringify(fn)).toContain('"POWERTOOLS_METRICS_NAMESPACE":"Flywheel"');
      }
    }
    expect(observability.dashboard.dashboardName).toBeDefined();
  });
});

describe("with a stage's own thresholds and the MSK option", () => {
  const { template, dashboard } = synth({
    stage: "prod",
    apiErrorRateAlarmPercent: "0.5",
    apiLatencyP99AlarmMs: "400",
    searchFreeStorageAlarmPercent: "10",
    eventBus: "msk",
  });

  it("sets the API alarms' thresholds from context", () => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Threshold: 0.5,
      Metrics: Match.arrayWith([Match.objectLike({ Id: "errors" })]),
    });
    template.hasResourceProperties("AWS::CloudWatch::Alarm", { MetricName: "Latency", Threshold: 400 });
  });

  it("derives the free-storage threshold from the prod volume (100 GiB) and the percentage", () => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "FreeStorageSpace",
      Threshold: 10240,
    });
  });

  it("graphs the consumer's offset lag instead of an iterator age", () => {
    expect(dashboard).toContain('"AWS/Lambda","OffsetLag"');
    expect(dashboard).not.toContain('"AWS/Lambda","IteratorAge"');
  });
});
