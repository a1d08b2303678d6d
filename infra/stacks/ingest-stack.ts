import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as cloudwatchActions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as kinesis from "aws-cdk-lib/aws-kinesis";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as eventSources from "aws-cdk-lib/aws-lambda-event-sources";
import * as sns from "aws-cdk-lib/aws-sns";
import type { Construct } from "constructs";
import type { FunctionEnvironment } from "../../functions/commons/function-environment.ts";
import type { StageConfig } from "../config/stage-config.ts";
import { skipCheckovCheck } from "../constructs/check-acknowledgments.ts";
import { FlywheelFunction } from "../constructs/flywheel-function.ts";
import { MskServerlessEventBus } from "../constructs/msk-serverless-event-bus.ts";
import type { DataStack } from "./data-stack.ts";
import type { NetworkStack } from "./network-stack.ts";

export interface IngestStackProps extends StackProps {
  readonly stage: StageConfig;
  readonly data: DataStack;
  readonly network: NetworkStack;
  /** The house variables every handler reads at start. */
  readonly functionEnvironment: FunctionEnvironment;
  /** Where the handler modules are resolved. @default the repository's functions/ */
  readonly functionsDirectory?: string;
}

/** The handler modules of this stack, relative to functions/. */
export const INGEST_HANDLER_ENTRIES = {
  kinesisStream: "stream/kinesis-stream-handler.ts",
  mskStream: "stream/msk-stream-handler.ts",
  archive: "stream/archive-handler.ts",
} as const;

const DEFAULT_FUNCTIONS_DIRECTORY = fileURLToPath(new URL("../../functions/", import.meta.url));

/** Why the alarm and notification topics are not encrypted with a KMS key (checkov CKV_AWS_26). */
export const ALARM_TOPIC_ENCRYPTION_REASON =
  "Alarm and run notices carry metric names, thresholds and model versions, no user data. CloudWatch alarms cannot publish under the AWS-managed SNS key, and a customer-managed one would open its policy to CloudWatch and Step Functions to protect nothing secret; Publish requires TLS (enforceSSL)";

/**
 * Pollers of the Kafka mapping. Provisioned mode is what enables the error-handling controls (retries,
 * bisection, record age) on a Kafka mapping; one poller handles up to about 5 MB/s, and the mapping scales
 * between these bounds.
 */
const KAFKA_POLLERS = { minimum: 1, maximum: 10 } as const;

/**
 * The streaming path after the API: the stream Lambda (dedupe, recent interactions, fold-in, trending
 * counters, cache invalidation, click attribution) on the event stream, the archive Lambda that writes the
 * raw events to S3 as Parquet, and the alarms that say when either falls behind or fails.
 *
 * With `eventBus=kinesis` (the default) both consume the data stack's Kinesis stream. With `eventBus=msk`
 * this stack also owns an MSK Serverless cluster in the VPC, and the stream Lambda consumes its topic
 * instead; the archive Lambda, which reads Kinesis batches only, is then not deployed.
 *
 * Every failed batch is bisected and retried a bounded number of times; what still fails, or grows older
 * than the stage's maximum record age, goes to the data stack's dead-letter queue, so a poison record
 * never blocks its shard for long.
 */
export class IngestStack extends Stack {
  public readonly streamHandler: FlywheelFunction;
  /** Absent with the MSK option. */
  public readonly archiveHandler: FlywheelFunction | undefined;
  /** Present with the MSK option only. */
  public readonly kafka: MskServerlessEventBus | undefined;
  /** The stream Lambda's enhanced fan-out consumer (Kinesis with readMode enhanced-fan-out). */
  public readonly streamConsumer: kinesis.StreamConsumer | undefined;
  /** Alarm actions: subscribe the on-call address or a chat integration to it. */
  public readonly alarmTopic: sns.Topic;
  public readonly alarms: {
    readonly deadLetters: cloudwatch.Alarm;
    readonly streamHandlerErrors: cloudwatch.Alarm;
    /** Kinesis: GetRecords.IteratorAgeMilliseconds of the stream. */
    readonly streamIteratorAge: cloudwatch.Alarm | undefined;
    /** Kinesis: the stream Lambda's IteratorAge. */
    readonly streamHandlerIteratorAge: cloudwatch.Alarm | undefined;
    /** MSK: the stream Lambda's OffsetLag. */
    readonly streamHandlerOffsetLag: cloudwatch.Alarm | undefined;
    readonly archiveHandlerErrors: cloudwatch.Alarm | undefined;
  };

  private readonly data: DataStack;

  constructor(scope: Construct, id: string, props: IngestStackProps) {
    super(scope, id, props);
    const { stage, data, network } = props;
    this.data = data;
    const consumer = stage.streamConsumer;
    const useKafka = stage.eventBus.kind === "msk";
    const logRemovalPolicy =
      stage.dataRemovalPolicy === "retain" ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const entryOf = handlerEntries(props.functionsDirectory ?? DEFAULT_FUNCTIONS_DIRECTORY, useKafka);

    this.streamHandler = new FlywheelFunction(this, "StreamHandler", {
      entry: entryOf(useKafka ? "mskStream" : "kinesisStream"),
      description: `Flywheel ${stage.stageName}: the stream consumer (dedupe, fold-in, trending, cache, CTR)`,
      functionEnvironment: props.functionEnvironment,
      // A batch of 100 events with a cold model load (the item factors from S3) fits well inside this.
      timeout: Duration.seconds(60),
      // 1 GB for the active model's item factors and the fold-in solves.
      memorySize: 1024,
      network: network.functionPlacement,
      logRemovalPolicy,
      logEncryptionKey: data.encryptionKey,
    });
    data.grantInteractionsReadWrite(this.streamHandler);
    data.grantProfileReadWrite(this.streamHandler);
    data.grantRecommendationLogReadWrite(this.streamHandler);
    data.grantCatalogRead(this.streamHandler);
    data.grantBatchRecommendationsRead(this.streamHandler);
    data.grantModelRegistryRead(this.streamHandler);
    data.grantModelArtifactsRead(this.streamHandler);
    // The handler sends poison records to the queue itself, so they never fail (and block) a batch.
    data.grantDeadLetterSend(this.streamHandler);
    network.grantCacheAccess(this.streamHandler);
    const deadLetterDestination = data.deadLetterDestination();

    if (useKafka) {
      const kafka = new MskServerlessEventBus(this, "Kafka", {
        stageName: stage.stageName,
        placement: network.functionPlacement,
        topic: stage.eventBus.kafkaTopic,
        partitions: stage.eventBus.kafkaPartitions,
        functionEnvironment: props.functionEnvironment,
        logRemovalPolicy,
        logEncryptionKey: data.encryptionKey,
      });
      this.kafka = kafka;
      const consumerGroupId = `flywheel-${stage.stageName}-stream`;
      kafka.grantConsume(this.streamHandler, consumerGroupId);
      const source = new eventSources.ManagedKafkaEventSource({
        clusterArn: kafka.clusterArn,
        topic: kafka.topicName,
        consumerGroupId,
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: consumer.batchSize,
        maxBatchingWindow: Duration.seconds(consumer.maxBatchingWindowSeconds),
        bisectBatchOnError: true,
        retryAttempts: consumer.retryAttempts,
        maxRecordAge: Duration.seconds(consumer.maxRecordAgeSeconds),
        // The MSK handler fails the whole batch on any failed record (functions/stream/create-msk-stream-handler.ts).
        reportBatchItemFailures: false,
        onFailure: deadLetterDestination,
        provisionedPollerConfig: {
          minimumPollers: KAFKA_POLLERS.minimum,
          maximumPollers: KAFKA_POLLERS.maximum,
        },
      });
      this.streamHandler.function.addEventSource(source);
      // The mapping needs the topic to exist when it is created.
      this.streamHandler.function.node.findAll().forEach((child) => {
        if (child instanceof lambda.EventSourceMapping) child.node.addDependency(kafka.topic);
      });
      this.archiveHandler = undefined;
      this.streamConsumer = undefined;
    } else {
      this.kafka = undefined;
      const mappingProps: eventSources.KinesisEventSourceProps = {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: consumer.batchSize,
        maxBatchingWindow: Duration.seconds(consumer.maxBatchingWindowSeconds),
        // One user's events share a partition key and so a shard, and the mapping keeps a key's records
        // in order at any parallelization factor.
        parallelizationFactor: consumer.parallelizationFactor,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: consumer.retryAttempts,
        maxRecordAge: Duration.seconds(consumer.maxRecordAgeSeconds),
        onFailure: deadLetterDestination,
      };
      if (consumer.readMode === "enhanced-fan-out") {
        // A registered consumer: records are pushed as they arrive instead of polled once a second.
        this.streamConsumer = new kinesis.StreamConsumer(this, "StreamHandlerConsumer", {
          stream: data.eventStream,
          streamConsumerName: `flywheel-${stage.stageName}-stream-handler`,
        });
        this.streamHandler.function.addEventSource(
          new eventSources.KinesisConsumerEventSource(this.streamConsumer, mappingProps),
        );
      } else {
        this.streamConsumer = undefined;
        this.streamHandler.function.addEventSource(
          new eventSources.KinesisEventSource(data.eventStream, mappingProps),
        );
      }

      // The archive needs no VPC: it talks to S3 only, and only under events/.
      this.archiveHandler = new FlywheelFunction(this, "ArchiveHandler", {
        entry: entryOf("archive"),
        description: `Flywheel ${stage.stageName}: archives raw events to S3 as Parquet, by date`,
        functionEnvironment: props.functionEnvironment,
        timeout: Duration.minutes(2),
        memorySize: 1024,
        logRemovalPolicy,
        logEncryptionKey: data.encryptionKey,
      });
      data.grantEventArchiveWrite(this.archiveHandler);
      this.archiveHandler.function.addEventSource(
        new eventSources.KinesisEventSource(data.eventStream, {
          startingPosition: lambda.StartingPosition.TRIM_HORIZON,
          // Large batches over a long window: fewer, larger Parquet files; the archive is not on the
          // one-second path.
          batchSize: stage.eventArchive.batchSize,
          maxBatchingWindow: Duration.seconds(stage.eventArchive.maxBatchingWindowSeconds),
          bisectBatchOnError: true,
          reportBatchItemFailures: true,
          retryAttempts: consumer.retryAttempts,
          maxRecordAge: Duration.seconds(consumer.maxRecordAgeSeconds),
          onFailure: deadLetterDestination,
        }),
      );
    }

    // Alarm messages carry metric names and thresholds, no user data; CloudWatch cannot publish to a topic
    // under the AWS-managed SNS key, so the topic relies on SNS's default encryption in transit (TLS enforced).
    this.alarmTopic = new sns.Topic(this, "AlarmTopic", {
      displayName: `Flywheel ${stage.stageName} streaming alarms`,
      enforceSSL: true,
    });
    skipCheckovCheck(this.alarmTopic, "CKV_AWS_26", ALARM_TOPIC_ENCRYPTION_REASON);
    const alarm = (alarmId: string, props: cloudwatch.AlarmProps): cloudwatch.Alarm => {
      const created = new cloudwatch.Alarm(this, alarmId, props);
      const action = new cloudwatchActions.SnsAction(this.alarmTopic);
      created.addAlarmAction(action);
      created.addOkAction(action);
      return created;
    };
    const oneMinute = Duration.minutes(1);
    const iteratorAgeThresholdMs = stage.alarms.iteratorAgeThresholdSeconds * 1000;

    const deadLetters = alarm("DeadLettersAlarm", {
      alarmDescription:
        "Records are waiting in the stream dead-letter queue: poison events or batches that kept failing",
      metric: data.streamDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: oneMinute,
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const streamHandlerErrors = alarm("StreamHandlerErrorsAlarm", {
      alarmDescription: "The stream Lambda failed invocations (batches are being retried)",
      metric: this.streamHandler.function.metricErrors({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.SUM,
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // Behind for two of three minutes: one slow batch is not an incident, a backlog is.
    const behind = {
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      // No data means no traffic, not a backlog.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    } as const;
    const streamIteratorAge = useKafka
      ? undefined
      : alarm("StreamIteratorAgeAlarm", {
          alarmDescription: `The oldest record read from the event stream is older than ${stage.alarms.iteratorAgeThresholdSeconds} s`,
          metric: data.eventStream.metricGetRecordsIteratorAgeMilliseconds({
            period: oneMinute,
            statistic: cloudwatch.Stats.MAXIMUM,
          }),
          threshold: iteratorAgeThresholdMs,
          ...behind,
        });
    const streamHandlerIteratorAge = useKafka
      ? undefined
      : alarm("StreamHandlerIteratorAgeAlarm", {
          alarmDescription: `The stream Lambda is processing records older than ${stage.alarms.iteratorAgeThresholdSeconds} s`,
          metric: this.streamHandler.function.metric("IteratorAge", {
            period: oneMinute,
            statistic: cloudwatch.Stats.MAXIMUM,
          }),
          threshold: iteratorAgeThresholdMs,
          ...behind,
        });
    const streamHandlerOffsetLag = useKafka
      ? alarm("StreamHandlerOffsetLagAlarm", {
          alarmDescription: `The stream Lambda is more than ${stage.alarms.offsetLagThresholdRecords} records behind the topic`,
          metric: this.streamHandler.function.metric("OffsetLag", {
            period: oneMinute,
            statistic: cloudwatch.Stats.MAXIMUM,
          }),
          threshold: stage.alarms.offsetLagThresholdRecords,
          ...behind,
        })
      : undefined;
    const archiveHandlerErrors =
      this.archiveHandler === undefined
        ? undefined
        : alarm("ArchiveHandlerErrorsAlarm", {
            alarmDescription: "The archive Lambda failed invocations (batches are being retried)",
            metric: this.archiveHandler.function.metricErrors({
              period: Duration.minutes(5),
              statistic: cloudwatch.Stats.SUM,
            }),
            threshold: 0,
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluationPeriods: 1,
            treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          });
    this.alarms = {
      deadLetters,
      streamHandlerErrors,
      streamIteratorAge,
      streamHandlerIteratorAge,
      streamHandlerOffsetLag,
      archiveHandlerErrors,
    };

    new CfnOutput(this, "AlarmTopicArn", {
      description: "Subscribe to this topic to receive the streaming alarms",
      value: this.alarmTopic.topicArn,
    });
  }

  /**
   * Lets an API function publish events on the bus this stage uses: the data stack's Kinesis stream
   * (grantEventPublish), or with the MSK option the Kafka topic (the function must then be in the VPC).
   */
  grantEventPublish(fn: FlywheelFunction): void {
    if (this.kafka === undefined) this.data.grantEventPublish(fn);
    else this.kafka.grantPublish(fn);
  }
}

/** Resolves the modules this stage deploys, and refuses to synthesize when one does not exist. */
function handlerEntries(
  functionsDirectory: string,
  useKafka: boolean,
): (key: keyof typeof INGEST_HANDLER_ENTRIES) => string {
  const needed: Array<keyof typeof INGEST_HANDLER_ENTRIES> = useKafka
    ? ["mskStream"]
    : ["kinesisStream", "archive"];
  const missing = needed
    .map((key) => INGEST_HANDLER_ENTRIES[key])
    .filter((entry) => !existsSync(resolve(functionsDirectory, entry)));
  if (missing.length > 0) {
    throw new Error(`cannot build the ingest stack: handler modules do not exist: ${missing.join(", ")}`);
  }
  return (key) => resolve(functionsDirectory, INGEST_HANDLER_ENTRIES[key]);
}
