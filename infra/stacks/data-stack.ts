import { ArnFormat, Duration, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kinesis from "aws-cdk-lib/aws-kinesis";
import * as kms from "aws-cdk-lib/aws-kms";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as sqs from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { LOG_HASH_SALT_SECRET_VARIABLE } from "../../functions/commons/user-id-log-hashing.ts";
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
import {
  acknowledgeIamWildcards,
  acknowledgeNagRule,
  skipCheckovCheck,
} from "../constructs/check-acknowledgments.ts";
import { type EnvironmentGrantee, FlywheelTable } from "../constructs/flywheel-table.ts";

/**
 * The artifact bucket's prefixes as IAM5 wildcards: a grant on `<bucket>/models/*` names every object of
 * one kind, which is the narrowest ARN an object key that is made up at run time (a model version, a date,
 * a run id) can have. Each object action is still listed by name.
 */
export const ARTIFACT_PREFIX_WILDCARDS = {
  models: {
    finding: /^Resource::.+\/models\/\*$/,
    reason: "Objects under models/ only: model versions are created at run time, so their keys are a prefix",
  },
  events: {
    finding: /^Resource::.+\/events\/\*$/,
    reason: "Objects under events/ only: the archive's keys are made of arrival dates and batch ids",
  },
  pipelineRuns: {
    finding: /^Resource::.+\/pipeline-runs\/\*$/,
    reason: "Objects under pipeline-runs/ only: each run's workspace is named by its run id at run time",
  },
} as const satisfies Record<string, { finding: RegExp; reason: string }>;

/** Where the artifact bucket's access logs go in the access-log bucket. */
const ARTIFACT_BUCKET_ACCESS_LOG_PREFIX = "artifact-bucket/";

/** How long S3 server access logs of the artifact bucket are kept. */
export const ACCESS_LOG_RETENTION_DAYS = 90;

export interface DataStackProps extends StackProps {
  readonly stage: StageConfig;
}

/**
 * Flywheel's data: the DynamoDB tables (from TABLE_DEFINITIONS), the bucket for model artifacts and the
 * event archive, the Kinesis event stream, and the dead-letter queue of the stream consumer. Everything is
 * encrypted with one customer-managed key of this stack. It holds personal data (taste vectors, interaction
 * histories), and one key gives one key policy to audit and one place to revoke all of it. CloudTrail also
 * logs every use of the key. The cost is a dollar a month and KMS requests, which the bucket key and
 * DynamoDB's table keys keep low. The key's policy also lets CloudWatch Logs of this account and region
 * use it, so every log group of the app (which may hold user ids) is encrypted under it too.
 *
 * The bucket's server access logs go to a bucket of their own (S3-managed encryption, the only kind S3
 * log delivery writes to), kept for ACCESS_LOG_RETENTION_DAYS.
 *
 * Other stacks get access only through the `grant*` helpers. Each grants the least privilege its adapter
 * needs, with every action named (no `s3:Get*`-style wildcards), and sets the environment variable that
 * names the resource (STYLE.md habit 7). The training stack grants its own prefixes the same way.
 */
export class DataStack extends Stack {
  public readonly encryptionKey: kms.Key;
  public readonly tables: { readonly [Key in TableKey]: FlywheelTable };
  public readonly artifactBucket: s3.Bucket;
  /** The artifact bucket's server access logs. */
  public readonly accessLogBucket: s3.Bucket;
  public readonly eventStream: kinesis.Stream;
  public readonly streamDeadLetterQueue: sqs.Queue;
  /** The key user ids are hashed with in every function's logs (functions/commons/user-id-log-key.ts). */
  public readonly logHashSalt: secretsmanager.Secret;

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
    // The actions and condition CloudWatch Logs documents for a customer-managed key ("Encrypt log data in
    // CloudWatch Logs using AWS KMS"): only for log groups of this account and region.
    this.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "CloudWatchLogsOfThisAccountAndRegion",
        principals: [new iam.ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
        actions: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        resources: ["*"],
        conditions: {
          ArnLike: {
            "kms:EncryptionContext:aws:logs:arn": this.formatArn({
              service: "logs",
              resource: "log-group",
              resourceName: "*",
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );

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

    this.accessLogBucket = new s3.Bucket(this, "AccessLogBucket", {
      // S3 server access logging delivers only to buckets under SSE-S3.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      removalPolicy,
      autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
      lifecycleRules: [
        {
          id: "expire-access-logs",
          expiration: Duration.days(ACCESS_LOG_RETENTION_DAYS),
          noncurrentVersionExpiration: Duration.days(1),
        },
      ],
    });
    const accessLogReason = "The access-log bucket itself: logging its own reads would log forever";
    acknowledgeNagRule(this.accessLogBucket, "S1", accessLogReason);
    skipCheckovCheck(this.accessLogBucket, "CKV_AWS_18", accessLogReason);

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

    // Server access logs through a bucket policy for S3's logging service (not the legacy log-delivery ACL,
    // which needs object ACLs enabled on the log bucket), from this bucket of this account only.
    const artifactBucketResource = this.artifactBucket.node.defaultChild;
    if (!(artifactBucketResource instanceof s3.CfnBucket))
      throw new Error("the artifact bucket has no CfnBucket");
    artifactBucketResource.loggingConfiguration = {
      destinationBucketName: this.accessLogBucket.bucketName,
      logFilePrefix: ARTIFACT_BUCKET_ACCESS_LOG_PREFIX,
    };
    this.accessLogBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "S3ServerAccessLogsOfTheArtifactBucket",
        principals: [new iam.ServicePrincipal("logging.s3.amazonaws.com")],
        actions: ["s3:PutObject"],
        resources: [this.accessLogBucket.arnForObjects(`${ARTIFACT_BUCKET_ACCESS_LOG_PREFIX}*`)],
        conditions: {
          ArnLike: { "aws:SourceArn": this.artifactBucket.bucketArn },
          StringEquals: { "aws:SourceAccount": this.account },
        },
      }),
    );

    const provisioned = stage.eventStream.mode === "provisioned";
    this.eventStream = new kinesis.Stream(this, EVENT_STREAM_DEFINITION.logicalName, {
      streamMode: provisioned ? kinesis.StreamMode.PROVISIONED : kinesis.StreamMode.ON_DEMAND,
      ...(provisioned ? { shardCount: stage.eventStream.shardCount } : {}),
      encryption: kinesis.StreamEncryption.KMS,
      encryptionKey: this.encryptionKey,
      retentionPeriod: Duration.hours(stage.eventStream.retentionHours),
      removalPolicy,
    });
    acknowledgeNagRule(
      this.eventStream,
      "KDS3",
      "A customer-managed key on purpose: one key, one policy and one revocation for every copy of user data",
    );

    this.streamDeadLetterQueue = new sqs.Queue(this, STREAM_DEAD_LETTER_QUEUE_DEFINITION.logicalName, {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.encryptionKey,
      // SQS reuses a data key this long: fewer KMS calls; dead letters are rare anyway.
      dataKeyReuse: Duration.hours(1),
      retentionPeriod: Duration.days(STREAM_DEAD_LETTER_QUEUE_DEFINITION.retentionDays),
      enforceSSL: true,
      removalPolicy,
    });
    acknowledgeNagRule(
      this.streamDeadLetterQueue,
      "SQS3",
      "This queue is the dead-letter queue (of the stream consumers); its messages wait to be inspected",
    );

    // One per deployment, generated by Secrets Manager and never written anywhere else: with a key nobody
    // else knows, a hashed id in a log line cannot be confirmed by hashing a candidate id.
    this.logHashSalt = new secretsmanager.Secret(this, "LogHashSalt", {
      description: `Flywheel ${stage.stageName}: the HMAC key of the user-id hashes in function logs`,
      encryptionKey: this.encryptionKey,
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy,
    });
    const noRotation =
      "An HMAC key for pseudonymous ids in logs, not a credential: rotating it would give every user a new pseudonym and break following one user's lines across the rotation. Replace it by hand if it leaks";
    acknowledgeNagRule(this.logHashSalt, "SMG4", noRotation);
    skipCheckovCheck(this.logHashSalt, "CKV2_AWS_57", noRotation);
  }

  /**
   * Hashing user ids in a function's logs under the deployment's key: GetSecretValue on the secret (and
   * Decrypt under the data key, through Secrets Manager only), and the variable that names it.
   */
  grantLogHashSaltRead(grantee: EnvironmentGrantee): void {
    // On the function's role only: Secret.grantRead would also write the role into the data key's policy
    // (a Secrets Manager via-service grant), which makes the data stack depend on every function's stack.
    // The key's policy already lets the account's identity policies use it.
    iam.Grant.addToPrincipal({
      grantee,
      actions: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
      resourceArns: [this.logHashSalt.secretArn],
    });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ["kms:Decrypt"],
      resourceArns: [this.encryptionKey.keyArn],
      conditions: { StringEquals: { "kms:ViaService": `secretsmanager.${this.region}.amazonaws.com` } },
    });
    grantee.addEnvironment(LOG_HASH_SALT_SECRET_VARIABLE, this.logHashSalt.secretArn);
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
    acknowledgeIamWildcards(grantee, ARTIFACT_PREFIX_WILDCARDS.models);
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
    acknowledgeIamWildcards(grantee, ARTIFACT_PREFIX_WILDCARDS.events);
    grantee.addEnvironment(
      ARTIFACT_BUCKET_DEFINITION.bucketNameEnvironmentVariable,
      this.artifactBucket.bucketName,
    );
  }

  /**
   * Publishing events (POST /v1/events): PutRecord(s), and GenerateDataKey on the key, which is all a
   * producer of a KMS-encrypted stream needs (Kinesis "Permissions to use user-generated KMS keys").
   */
  grantEventPublish(grantee: EnvironmentGrantee): void {
    this.eventStream.grant(grantee, "kinesis:PutRecord", "kinesis:PutRecords", "kinesis:ListShards");
    this.encryptionKey.grant(grantee, "kms:GenerateDataKey");
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
    this.grantDeadLetterSendOnly(grantee);
    grantee.addEnvironment(
      STREAM_DEAD_LETTER_QUEUE_DEFINITION.queueUrlEnvironmentVariable,
      this.streamDeadLetterQueue.queueUrl,
    );
  }

  /**
   * The dead-letter queue as an event-source mapping's on-failure destination. Unlike SqsDlq, which grants
   * `kms:GenerateDataKey*` and `kms:ReEncrypt*`, it grants the mapping's role exactly what sending to a
   * KMS-encrypted queue takes.
   */
  deadLetterDestination(): lambda.IEventSourceDlq {
    return {
      bind: (_target, targetHandler) => {
        this.grantDeadLetterSendOnly(targetHandler);
        return { destination: this.streamDeadLetterQueue.queueArn };
      },
    };
  }

  /** SendMessage with the key's GenerateDataKey and Decrypt (SQS "Key management": producers). */
  private grantDeadLetterSendOnly(grantee: iam.IGrantable): void {
    this.streamDeadLetterQueue.grant(grantee, "sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl");
    this.encryptionKey.grant(grantee, "kms:GenerateDataKey", "kms:Decrypt");
  }
}
