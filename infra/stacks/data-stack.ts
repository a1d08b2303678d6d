import { Duration, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kinesis from "aws-cdk-lib/aws-kinesis";
import * as kms from "aws-cdk-lib/aws-kms";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as sqs from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { TABLE_ACCESS_ACTIONS } from "../../layers/adapters/aws/dynamodb/table-access-actions.ts";
import {
  TABLE_DEFINITIONS,
  TABLE_KEYS,
  type TableKey,
} from "../../layers/adapters/aws/dynamodb/table-definitions.ts";
import {
  ARTIFACT_BUCKET_DEFINITION,
  EVENT_STREAM_DEFINITION,
  STREAM_DEAD_LETTER_QUEUE_DEFINITION,
} from "../config/data-resource-definitions.ts";
import type { StageConfig } from "../config/stage-config.ts";
import { type EnvironmentGrantee, FlywheelTable } from "../constructs/flywheel-table.ts";

export interface DataStackProps extends StackProps {
  readonly stage: StageConfig;
}

/**
 * Flywheel's data: the DynamoDB tables (from TABLE_DEFINITIONS), the bucket for model artifacts and the
 * event archive, the Kinesis event stream, and the dead-letter queue of the stream consumer. Everything is
 * encrypted with one customer-managed key of this stack. It holds personal data (taste vectors, interaction
 * histories), and one key gives one key policy to audit and one place to revoke all of it. CloudTrail also
 * logs every use of the key. The cost is a dollar a month and KMS requests, which the bucket key and
 * DynamoDB's table keys keep low.
 *
 * Other stacks get access only through the `grant*` helpers. Each grants the least privilege its adapter
 * needs and sets the environment variable that names the resource (STYLE.md habit 7).
 */
export class DataStack extends Stack {
  public readonly encryptionKey: kms.Key;
  public readonly tables: { readonly [Key in TableKey]: FlywheelTable };
  public readonly artifactBucket: s3.Bucket;
  public readonly eventStream: kinesis.Stream;
  public readonly streamDeadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { stage } = props;
    const removalPolicy = stage.dataRemovalPolicy === "retain" ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.encryptionKey = new kms.Key(this, "DataKey", {
      description: `Flywheel ${stage.stageName}: encryption of tables, artifacts, events and dead letters`,
      enableKeyRotation: true,
      removalPolicy,
      // A deleted key is recoverable for this long; a retained stage gets the longest window.
      pendingWindow: Duration.days(removalPolicy === RemovalPolicy.RETAIN ? 30 : 7),
    });

    const tables: Partial<Record<TableKey, FlywheelTable>> = {};
    for (const key of TABLE_KEYS) {
      const definition = TABLE_DEFINITIONS[key];
      tables[key] = new FlywheelTable(this, definition.logicalName, {
        definition,
        accessActions: TABLE_ACCESS_ACTIONS[key],
        encryptionKey: this.encryptionKey,
        removalPolicy,
        deletionProtection: stage.deletionProtection,
      });
    }
    this.tables = tables as { readonly [Key in TableKey]: FlywheelTable };

    this.artifactBucket = new s3.Bucket(this, ARTIFACT_BUCKET_DEFINITION.logicalName, {
      versioned: true,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.encryptionKey,
      // One data key per bucket rather than per object: KMS requests (and their cost) drop by orders.
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      removalPolicy,
      // A disposable stage's bucket must be emptied before CloudFormation can delete it.
      autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
      lifecycleRules: [
        {
          // The pipeline deletes superseded model versions (ModelStore.deleteVersion); versioning keeps
          // them recoverable for a while, then they go. The current versions, the active model's
          // included, are never expired by age.
          id: "expire-superseded-model-artifacts",
          prefix: ARTIFACT_BUCKET_DEFINITION.modelsPrefix,
          noncurrentVersionExpiration: Duration.days(stage.noncurrentArtifactRetentionDays),
          expiredObjectDeleteMarker: true,
        },
        {
          // Raw events are read by the nightly job for a few weeks, then only for backfills.
          id: "tier-event-archive",
          prefix: ARTIFACT_BUCKET_DEFINITION.eventArchivePrefix,
          transitions: [
            { storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(30) },
            { storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(90) },
          ],
          noncurrentVersionExpiration: Duration.days(7),
        },
        { id: "abort-incomplete-multipart-uploads", abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
    });

    const provisioned = stage.eventStream.mode === "provisioned";
    this.eventStream = new kinesis.Stream(this, EVENT_STREAM_DEFINITION.logicalName, {
      streamMode: provisioned ? kinesis.StreamMode.PROVISIONED : kinesis.StreamMode.ON_DEMAND,
      ...(provisioned ? { shardCount: stage.eventStream.shardCount } : {}),
      encryption: kinesis.StreamEncryption.KMS,
      encryptionKey: this.encryptionKey,
      retentionPeriod: Duration.hours(stage.eventStream.retentionHours),
      removalPolicy,
    });

    this.streamDeadLetterQueue = new sqs.Queue(this, STREAM_DEAD_LETTER_QUEUE_DEFINITION.logicalName, {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.encryptionKey,
      // SQS reuses a data key this long: fewer KMS calls; dead letters are rare anyway.
      dataKeyReuse: Duration.hours(1),
      retentionPeriod: Duration.days(STREAM_DEAD_LETTER_QUEUE_DEFINITION.retentionDays),
      enforceSSL: true,
      removalPolicy,
    });
  }

  grantProfileRead(grantee: EnvironmentGrantee): void {
    this.tables.profiles.grantAccess(grantee, "read");
  }

  grantProfileReadWrite(grantee: EnvironmentGrantee): void {
    this.tables.profiles.grantAccess(grantee, "read-write");
  }

  grantInteractionsRead(grantee: EnvironmentGrantee): void {
    this.tables.interactions.grantAccess(grantee, "read");
  }

  grantInteractionsReadWrite(grantee: EnvironmentGrantee): void {
    this.tables.interactions.grantAccess(grantee, "read-write");
  }

  grantBatchRecommendationsRead(grantee: EnvironmentGrantee): void {
    this.tables.batchRecommendations.grantAccess(grantee, "read");
  }

  grantBatchRecommendationsReadWrite(grantee: EnvironmentGrantee): void {
    this.tables.batchRecommendations.grantAccess(grantee, "read-write");
  }

  grantCatalogRead(grantee: EnvironmentGrantee): void {
    this.tables.catalog.grantAccess(grantee, "read");
  }

  grantCatalogReadWrite(grantee: EnvironmentGrantee): void {
    this.tables.catalog.grantAccess(grantee, "read-write");
  }

  grantRecommendationLogRead(grantee: EnvironmentGrantee): void {
    this.tables.recommendationLog.grantAccess(grantee, "read");
  }

  grantRecommendationLogReadWrite(grantee: EnvironmentGrantee): void {
    this.tables.recommendationLog.grantAccess(grantee, "read-write");
  }

  grantModelRegistryRead(grantee: EnvironmentGrantee): void {
    this.tables.modelRegistry.grantAccess(grantee, "read");
  }

  grantModelRegistryReadWrite(grantee: EnvironmentGrantee): void {
    this.tables.modelRegistry.grantAccess(grantee, "read-write");
  }

  /** Reading model artifacts (serving, fold-in): s3:GetObject and list, and decryption. */
  grantArtifactsRead(grantee: EnvironmentGrantee): void {
    this.artifactBucket.grantRead(grantee);
    grantee.addEnvironment(
      ARTIFACT_BUCKET_DEFINITION.bucketNameEnvironmentVariable,
      this.artifactBucket.bucketName,
    );
  }

  /**
   * Reading model artifacts only (fold-in on the stream, serving): s3:GetObject under `models/`, the bucket
   * listing (S3ModelStore lists a version's files, and a missing object is a 404 rather than a 403 only to
   * a caller that may list), and decryption. Exact actions, no `s3:Get*`-style wildcards; the raw event
   * archive stays out of reach.
   */
  grantModelArtifactsRead(grantee: EnvironmentGrantee): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ["s3:GetObject", "s3:ListBucket"],
      resourceArns: [
        this.artifactBucket.bucketArn,
        this.artifactBucket.arnForObjects(`${ARTIFACT_BUCKET_DEFINITION.modelsPrefix}*`),
      ],
    });
    this.encryptionKey.grant(grantee, "kms:Decrypt");
    grantee.addEnvironment(
      ARTIFACT_BUCKET_DEFINITION.bucketNameEnvironmentVariable,
      this.artifactBucket.bucketName,
    );
  }

  /**
   * Writing the raw event archive (the archive consumer): s3:PutObject and the abort of its own multipart
   * uploads under `events/` only, nothing to read, list or delete. The key's GenerateDataKey encrypts;
   * Decrypt is what S3 asks for when it assembles a multipart upload under SSE-KMS.
   */
  grantEventArchiveWrite(grantee: EnvironmentGrantee): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ["s3:PutObject", "s3:AbortMultipartUpload"],
      resourceArns: [this.artifactBucket.arnForObjects(`${ARTIFACT_BUCKET_DEFINITION.eventArchivePrefix}*`)],
    });
    this.encryptionKey.grant(grantee, "kms:GenerateDataKey", "kms:Decrypt");
    grantee.addEnvironment(
      ARTIFACT_BUCKET_DEFINITION.bucketNameEnvironmentVariable,
      this.artifactBucket.bucketName,
    );
  }

  /** Writing model artifacts and archived events (the nightly pipeline, the stream consumer). */
  grantArtifactsReadWrite(grantee: EnvironmentGrantee): void {
    this.artifactBucket.grantReadWrite(grantee);
    grantee.addEnvironment(
      ARTIFACT_BUCKET_DEFINITION.bucketNameEnvironmentVariable,
      this.artifactBucket.bucketName,
    );
  }

  /** Publishing events (POST /v1/events): PutRecord(s) and the key's encryption. */
  grantEventPublish(grantee: EnvironmentGrantee): void {
    this.eventStream.grantWrite(grantee);
    grantee.addEnvironment(
      EVENT_STREAM_DEFINITION.streamNameEnvironmentVariable,
      this.eventStream.streamName,
    );
  }

  /** Consuming events (the stream Lambda's event-source mapping): GetRecords and friends, and decryption. */
  grantEventConsume(grantee: EnvironmentGrantee): void {
    this.eventStream.grantRead(grantee);
    grantee.addEnvironment(
      EVENT_STREAM_DEFINITION.streamNameEnvironmentVariable,
      this.eventStream.streamName,
    );
  }

  /** Sending poison records to the dead-letter queue (the stream consumer's on-failure destination). */
  grantDeadLetterSend(grantee: EnvironmentGrantee): void {
    this.streamDeadLetterQueue.grantSendMessages(grantee);
    grantee.addEnvironment(
      STREAM_DEAD_LETTER_QUEUE_DEFINITION.queueUrlEnvironmentVariable,
      this.streamDeadLetterQueue.queueUrl,
    );
  }
}
