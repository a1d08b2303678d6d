import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, TimeZone } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as cloudwatchActions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as emrserverless from "aws-cdk-lib/aws-emrserverless";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as s3assets from "aws-cdk-lib/aws-s3-assets";
import * as s3deploy from "aws-cdk-lib/aws-s3-deployment";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import * as schedulerTargets from "aws-cdk-lib/aws-scheduler-targets";
import * as sns from "aws-cdk-lib/aws-sns";
import * as sqs from "aws-cdk-lib/aws-sqs";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import type { Construct } from "constructs";
import type { FunctionEnvironment } from "../../functions/commons/function-environment.ts";
import { TABLE_DEFINITIONS } from "../../layers/adapters/aws/dynamodb/table-definitions.ts";
import { ARTIFACT_BUCKET_DEFINITION } from "../config/data-resource-definitions.ts";
import type { StageConfig, TrainingConfig } from "../config/stage-config.ts";
import {
  acknowledgeCdkProviderFunction,
  acknowledgeIamWildcards,
  acknowledgeNagRule,
  type JustifiedWildcard,
  skipCheckovCheck,
} from "../constructs/check-acknowledgments.ts";
import { FlywheelFunction, type FunctionNetworkPlacement } from "../constructs/flywheel-function.ts";
import type { EnvironmentGrantee } from "../constructs/flywheel-table.ts";
import { ARTIFACT_PREFIX_WILDCARDS, type DataStack } from "./data-stack.ts";
import { ALARM_TOPIC_ENCRYPTION_REASON } from "./ingest-stack.ts";
import {
  OPENSEARCH_AUTH_ENVIRONMENT_VARIABLE,
  OPENSEARCH_ENDPOINT_ENVIRONMENT_VARIABLE,
  type SearchStack,
} from "./search-stack.ts";

const REPOSITORY_ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

export interface TrainingStackProps extends StackProps {
  readonly stage: StageConfig;
  /** Tables, the artifact bucket and its key: reached only through grants. */
  readonly data: DataStack;
  /** The private subnets the pipeline Lambdas run in (the OpenSearch domain is reachable only there). */
  readonly network: { readonly functionPlacement: FunctionNetworkPlacement };
  /** The vector index the run rebuilds and whose alias it swaps. */
  readonly search: SearchStack;
  /** Where the run's alarms and its failure notice go: the ingest stack's alarm topic, one for on-call. */
  readonly alarmTopic: sns.ITopic;
  /** The house variables every handler reads at start. */
  readonly functionEnvironment: FunctionEnvironment;
  /** @default the repository's functions/pipeline/pipeline-handlers.ts */
  readonly pipelineHandlersEntry?: string;
  /** @default the repository's state-machines/nightly-training.asl.json */
  readonly definitionPath?: string;
  /** The PySpark project: `flywheel_spark/` (the package, train_als.py its entry point) and its tests. @default the repository's spark/ */
  readonly sparkDirectory?: string;
  /** @default the repository's layers/domain/interactions/event-weights.json */
  readonly eventWeightsPath?: string;
}

/**
 * The Lambda-backed states of the definition: each the export of functions/pipeline/pipeline-handlers.ts
 * that it runs, and the name the definition's `${<Name>FunctionArn}` substitution uses.
 */
export const PIPELINE_STEPS = {
  prepareData: "PrepareData",
  train: "Train",
  evaluate: "Evaluate",
  reject: "Reject",
  refreshVectors: "RefreshVectors",
  planBatchRecs: "PlanBatchRecs",
  publishBatchFile: "PublishBatchFile",
  registerModel: "RegisterModel",
  markFailed: "MarkFailed",
} as const;
export type PipelineStep = keyof typeof PIPELINE_STEPS;
const STEPS = Object.keys(PIPELINE_STEPS) as PipelineStep[];

/**
 * What the admin API's training-runs handler reads (functions/api/admin-dependencies-from-environment.ts):
 * the state machine, and the trainer and quality gate of a run started without them.
 */
export const TRAINING_STATE_MACHINE_ARN_ENVIRONMENT_VARIABLE = "FLYWHEEL_TRAINING_STATE_MACHINE_ARN";
export const DEFAULT_TRAINER_ENVIRONMENT_VARIABLE = "FLYWHEEL_DEFAULT_TRAINER";
export const DEFAULT_MAX_NDCG_DROP_ENVIRONMENT_VARIABLE = "FLYWHEEL_DEFAULT_MAX_NDCG_DROP";

/**
 * The run workspaces: pipeline-runs/<runId>/ (layers/domain/pipeline/run-workspace.ts): the prepared parts,
 * the recent-events export and held-out ids for the Spark job, its outputs, the batch files.
 */
export const PIPELINE_RUNS_PREFIX = "pipeline-runs/";

/** The tables whose names the pipeline module reads at cold start (it builds every step's adapters at once). */
const PIPELINE_TABLES = ["batchRecommendations", "catalog", "modelRegistry", "interactions"] as const;

/** The Spark job's shared event weights, under the name the job looks for in its working directory. */
const EVENT_WEIGHTS_FILE = "event-weights.json";
const SPARK_CODE_PREFIX = "spark/";

/**
 * Where Step Functions keeps the rule that tells a `.sync` EMR Serverless task that its job run ended.
 * The service creates it on first use; the role must be allowed to create and read it.
 */
const EMR_SYNC_RULE_NAME = "StepFunctionsGetEventsForEMRServerlessJobRule";

/**
 * The nightly path of DESIGN.md §1: the state machine of state-machines/nightly-training.asl.json, the
 * pipeline Lambdas its tasks invoke, the EMR Serverless application and job role of the Spark trainer,
 * the EventBridge Scheduler schedule that starts it every night, and the alarms that say when it failed.
 *
 * Every Lambda gets only what its step does (see `grantStep`); they share one module whose adapters are
 * all built at cold start, so each is told every resource name, but may touch only its own. The Spark job
 * role reads the event archive and the run workspace and writes the candidate's model, nothing else.
 */
export class TrainingStack extends Stack {
  public readonly stateMachine: sfn.StateMachine;
  /** Built from the state machine's explicit name, so grants name it without depending on the resource. */
  public readonly stateMachineArn: string;
  public readonly pipelineFunctions: { readonly [Step in PipelineStep]: FlywheelFunction };
  public readonly sparkApplication: emrserverless.CfnApplication;
  public readonly sparkJobRole: iam.Role;
  /** Holds the job's event weights under their own name (see createSparkTrainer). */
  public readonly sparkCodeBucket: s3.Bucket;
  /** A new model went live: subscribe whoever wants to know. */
  public readonly notificationTopic: sns.Topic;
  public readonly alarmTopic: sns.ITopic;
  public readonly schedule: scheduler.Schedule;
  public readonly scheduleDeadLetterQueue: sqs.Queue;
  public readonly alarms: {
    readonly executionsFailed: cloudwatch.Alarm;
    readonly executionsTimedOut: cloudwatch.Alarm;
    readonly executionsAborted: cloudwatch.Alarm;
    readonly scheduleDeadLetters: cloudwatch.Alarm;
    readonly functionErrors: { readonly [Step in PipelineStep]: cloudwatch.Alarm };
  };

  private readonly stateMachineName: string;
  private readonly training: TrainingConfig;

  constructor(scope: Construct, id: string, props: TrainingStackProps) {
    super(scope, id, props);
    const { stage } = props;
    const { training } = stage;
    this.training = training;
    const retained = stage.dataRemovalPolicy === "retain";
    const logRemovalPolicy = retained ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logRetention = training.logging.retentionDays as logs.RetentionDays;
    // An explicit name: the role's Distributed Map statements and the admin API's grants name the state
    // machine's ARN, and a reference to the resource itself would be a cycle (the state machine depends on
    // its role's policy).
    this.stateMachineName = `flywheel-${stage.stageName}-nightly-training`;
    this.stateMachineArn = this.formatArn({
      service: "states",
      resource: "stateMachine",
      resourceName: this.stateMachineName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.alarmTopic = props.alarmTopic;

    this.pipelineFunctions = this.createPipelineFunctions(props, logRemovalPolicy);
    for (const step of STEPS) this.grantStep(step, this.pipelineFunctions[step], props);

    const spark = this.createSparkTrainer(props, logRemovalPolicy, logRetention);
    this.sparkApplication = spark.application;
    this.sparkJobRole = spark.jobRole;
    this.sparkCodeBucket = spark.codeBucket;

    // Messages say which run activated which model, with its metrics: no user data. Like the ingest stack's
    // alarm topic, no KMS key (CloudWatch cannot publish under the AWS-managed one); TLS is enforced.
    this.notificationTopic = new sns.Topic(this, "NotificationTopic", {
      displayName: `Flywheel ${stage.stageName}: nightly training succeeded`,
      enforceSSL: true,
    });
    skipCheckovCheck(this.notificationTopic, "CKV_AWS_26", ALARM_TOPIC_ENCRYPTION_REASON);

    const role = this.createStateMachineRole(spark);
    const logGroup = new logs.LogGroup(this, "StateMachineLogGroup", {
      // Step Functions' log delivery adds this group to a CloudWatch Logs resource policy of limited size;
      // names under /aws/vendedlogs/ are covered by one statement instead of one each.
      logGroupName: `/aws/vendedlogs/states/${this.stateMachineName}`,
      retention: logRetention,
      removalPolicy: logRemovalPolicy,
      encryptionKey: props.data.encryptionKey,
    });
    const definitionPath =
      props.definitionPath ?? join(REPOSITORY_ROOT, "state-machines", "nightly-training.asl.json");
    const definition = readFileSync(definitionPath, "utf8");
    this.stateMachine = new sfn.StateMachine(this, "NightlyTraining", {
      stateMachineName: this.stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      // Inline (rather than DefinitionBody.fromFile, which uploads an asset and points at S3): the
      // definition is in the template, so `cdk diff` shows its changes and the tests read it.
      definitionBody: sfn.DefinitionBody.fromString(definition),
      definitionSubstitutions: checkedSubstitutions(definition, this.definitionSubstitutions(spark)),
      role,
      tracingEnabled: true,
      logs: {
        destination: logGroup,
        level: training.logging.level === "ALL" ? sfn.LogLevel.ALL : sfn.LogLevel.ERROR,
        includeExecutionData: training.logging.includeExecutionData,
      },
    });
    if (training.logging.level !== "ALL") {
      acknowledgeNagRule(
        this.stateMachine,
        "SF1",
        `Stage ${stage.stageName} logs failed states only (trainingLogLevel=ERROR); X-Ray still traces every run`,
      );
    }

    const schedule = this.createSchedule(training);
    this.schedule = schedule.schedule;
    this.scheduleDeadLetterQueue = schedule.deadLetterQueue;
    this.alarms = this.createAlarms();

    new CfnOutput(this, "StateMachineArn", {
      description: "The nightly training state machine (start a run: the admin API, or StartExecution)",
      value: this.stateMachine.stateMachineArn,
    });
    new CfnOutput(this, "NotificationTopicArn", {
      description: "Subscribe to this topic to hear when a nightly run activated a new model",
      value: this.notificationTopic.topicArn,
    });
    new CfnOutput(this, "SparkApplicationId", {
      description: "The EMR Serverless application of the Spark trainer",
      value: this.sparkApplication.attrApplicationId,
    });
  }

  /**
   * Lets a function start runs and follow them (the admin API's training-runs handler): StartExecution and
   * ListExecutions on the state machine, DescribeExecution and GetExecutionHistory on its executions, the
   * variable that names it, and the stage's trainer and quality gate as the defaults of a run started
   * without them (the same the schedule starts with).
   */
  grantRunControl(grantee: EnvironmentGrantee): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ["states:StartExecution", "states:ListExecutions"],
      resourceArns: [this.stateMachineArn],
    });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ["states:DescribeExecution", "states:GetExecutionHistory"],
      resourceArns: [this.executionArns().executions],
    });
    acknowledgeIamWildcards(grantee, ...this.executionWildcards());
    grantee.addEnvironment(TRAINING_STATE_MACHINE_ARN_ENVIRONMENT_VARIABLE, this.stateMachineArn);
    grantee.addEnvironment(DEFAULT_TRAINER_ENVIRONMENT_VARIABLE, this.training.trainer);
    grantee.addEnvironment(DEFAULT_MAX_NDCG_DROP_ENVIRONMENT_VARIABLE, String(this.training.maxNdcgDrop));
  }

  /** The ARNs of executionArns as IAM5 wildcards: execution names are made when a run starts. */
  private executionWildcards(): JustifiedWildcard[] {
    const name = this.stateMachineName.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    return [
      {
        finding: new RegExp(`^Resource::arn:.+:states:.+:execution:${name}:\\*$`),
        reason:
          "Executions of the nightly state machine only; a run's execution is named by its run id when it starts",
      },
      {
        finding: new RegExp(`^Resource::arn:.+:states:.+:execution:${name}/\\*$`),
        reason:
          "The child executions of the nightly state machine's Distributed Map only; they are named when the map runs",
      },
    ];
  }

  /** The state machine's executions, and the child executions its Distributed Map starts. */
  private executionArns(): { readonly executions: string; readonly mapRunChildren: string } {
    const executionArn = (resourceName: string) =>
      this.formatArn({
        service: "states",
        resource: "execution",
        resourceName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
    return {
      // arn:…:execution:<state machine>:<execution name>
      executions: executionArn(`${this.stateMachineName}:*`),
      // arn:…:execution:<state machine>/<map run label>:<child execution>
      mapRunChildren: executionArn(`${this.stateMachineName}/*`),
    };
  }

  /**
   * One Lambda per step, all from the pipeline module, in the VPC. Sized per step: the embedded trainer
   * and the steps that hold the whole interaction table get the stage's large memory and Lambda's longest
   * timeout; the vector load and the batch publisher decode the model; the rest only touch the registry.
   */
  private createPipelineFunctions(
    props: TrainingStackProps,
    logRemovalPolicy: RemovalPolicy,
  ): { readonly [Step in PipelineStep]: FlywheelFunction } {
    const { stage, data, search } = props;
    const entry =
      props.pipelineHandlersEntry ?? join(REPOSITORY_ROOT, "functions", "pipeline", "pipeline-handlers.ts");
    const { trainMemoryMb, largeStepMemoryMb } = stage.training.lambda;
    const longest = Duration.minutes(15);
    const sizes: {
      readonly [Step in PipelineStep]: { memorySize: number; timeout: Duration; does: string };
    } = {
      prepareData: {
        memorySize: largeStepMemoryMb,
        timeout: longest,
        does: "loads and splits the interactions",
      },
      train: { memorySize: trainMemoryMb, timeout: longest, does: "trains the candidate (embedded ALS)" },
      evaluate: {
        memorySize: largeStepMemoryMb,
        timeout: longest,
        does: "scores the candidate (quality gate)",
      },
      reject: { memorySize: 512, timeout: Duration.minutes(1), does: "marks a candidate rejected" },
      refreshVectors: { memorySize: 2048, timeout: longest, does: "loads the candidate's item vectors" },
      planBatchRecs: {
        memorySize: largeStepMemoryMb,
        timeout: longest,
        does: "splits users into batch files",
      },
      publishBatchFile: { memorySize: 2048, timeout: Duration.minutes(5), does: "publishes one batch file" },
      registerModel: { memorySize: 512, timeout: Duration.minutes(2), does: "activates the candidate" },
      markFailed: { memorySize: 512, timeout: Duration.minutes(2), does: "records a failed run" },
    };
    // Names, not access: the module reads every adapter's configuration at cold start.
    const environment: Record<string, string> = {
      [ARTIFACT_BUCKET_DEFINITION.bucketNameEnvironmentVariable]: data.artifactBucket.bucketName,
      [OPENSEARCH_ENDPOINT_ENVIRONMENT_VARIABLE]: search.endpointUrl,
      [OPENSEARCH_AUTH_ENVIRONMENT_VARIABLE]: "sigv4",
    };
    for (const table of PIPELINE_TABLES) {
      environment[TABLE_DEFINITIONS[table].tableNameEnvironmentVariable] = data.tables[table].table.tableName;
    }
    const functions: Partial<Record<PipelineStep, FlywheelFunction>> = {};
    for (const step of STEPS) {
      const size = sizes[step];
      const fn = new FlywheelFunction(this, `${PIPELINE_STEPS[step]}Function`, {
        entry,
        description: `Flywheel ${stage.stageName} nightly ${PIPELINE_STEPS[step]}: ${size.does}`,
        functionEnvironment: props.functionEnvironment,
        memorySize: size.memorySize,
        timeout: size.timeout,
        environment,
        network: props.network.functionPlacement,
        logRemovalPolicy,
        logEncryptionKey: data.encryptionKey,
      });
      // FlywheelFunction serves a module's `handler` export; this module has one export per step. The
      // bundle is index.mjs and keeps the entry's exports, so the step's export is `index.<step>`.
      const cfnFunction = fn.function.node.defaultChild;
      if (!(cfnFunction instanceof lambda.CfnFunction)) throw new Error(`${fn.node.path}: no CfnFunction`);
      cfnFunction.handler = `index.${step}`;
      functions[step] = fn;
    }
    return functions as { readonly [Step in PipelineStep]: FlywheelFunction };
  }

  /** Exactly what each step's domain function does (layers/domain/pipeline/*.ts), and nothing else. */
  private grantStep(step: PipelineStep, fn: FlywheelFunction, props: TrainingStackProps): void {
    const { data, search } = props;
    const runs = (access: ArtifactAccess) =>
      grantArtifactObjects(data, fn, `${PIPELINE_RUNS_PREFIX}*`, access);
    switch (step) {
      case "prepareData":
        // Whether the run already concluded; the archive and the 48 h interaction log it trains on; the
        // prepared parts and the Spark job's inputs it writes.
        data.grantModelRegistryRead(fn);
        data.grantInteractionsRead(fn);
        // The export of recent interactions is a Scan (DynamoDbInteractionLog.scanAll), which the table's
        // read access (TABLE_ACCESS_ACTIONS: Query) does not include.
        data.tables.interactions.table.grant(fn, "dynamodb:Scan");
        grantArtifactObjects(data, fn, `${ARTIFACT_BUCKET_DEFINITION.eventArchivePrefix}*`, ["read"]);
        runs(["read", "write"]);
        return;
      case "train":
        // Reads the prepared part; writes the artifact (a rewrite deletes a half-written version's files).
        runs(["read"]);
        grantArtifactObjects(data, fn, `${ARTIFACT_BUCKET_DEFINITION.modelsPrefix}*`, [
          "read",
          "write",
          "delete",
        ]);
        return;
      case "evaluate":
        // Scores candidate and active model on the holdout, registers the candidate with its metrics.
        runs(["read"]);
        data.grantModelArtifactsRead(fn);
        data.grantModelRegistryReadWrite(fn);
        return;
      case "reject":
        data.grantModelRegistryReadWrite(fn);
        return;
      case "refreshVectors":
        // Builds items-<version> from the artifact and the catalog's categories and availability.
        data.grantModelArtifactsRead(fn);
        data.grantCatalogRead(fn);
        search.grantVectorIndexWrite(fn);
        return;
      case "planBatchRecs":
        runs(["read", "write"]);
        return;
      case "publishBatchFile":
        runs(["read"]);
        data.grantModelArtifactsRead(fn);
        data.grantBatchRecommendationsReadWrite(fn);
        return;
      case "registerModel":
        // Activates the version in the registry, swaps the alias and prunes the old indices.
        data.grantModelRegistryReadWrite(fn);
        search.grantVectorIndexWrite(fn);
        return;
      case "markFailed":
        // Writes failure.json, reads which model is active, and points the alias back at it if it moved.
        runs(["write"]);
        data.grantModelRegistryRead(fn);
        search.grantVectorIndexWrite(fn);
        return;
    }
  }

  /**
   * The Spark trainer: an EMR Serverless application that starts on a job and stops when idle, its job
   * role, its log group, and its code. The entry point and the `flywheel_spark` package (a zip with the
   * package folder at its root, for `--py-files`) are CDK assets; the event weights go to a code bucket of
   * this stack under their own name, because Spark names a `--files` file after the last segment of its
   * URL (an asset's key is its hash) and the job looks for `event-weights.json`.
   */
  private createSparkTrainer(
    props: TrainingStackProps,
    logRemovalPolicy: RemovalPolicy,
    logRetention: logs.RetentionDays,
  ): SparkTrainer {
    const { stage, data } = props;
    const { emr, spark } = stage.training;
    const sparkDirectory = props.sparkDirectory ?? join(REPOSITORY_ROOT, "spark");

    const logGroup = new logs.LogGroup(this, "SparkJobLogGroup", {
      retention: logRetention,
      removalPolicy: logRemovalPolicy,
      encryptionKey: data.encryptionKey,
    });
    const application = new emrserverless.CfnApplication(this, "SparkApplication", {
      name: `flywheel-${stage.stageName}-training`,
      type: "SPARK",
      releaseLabel: emr.releaseLabel,
      // Graviton workers: the same Spark and NumPy at a lower price per vCPU-hour.
      architecture: "ARM64",
      autoStartConfiguration: { enabled: true },
      autoStopConfiguration: { enabled: true, idleTimeoutMinutes: emr.idleTimeoutMinutes },
      maximumCapacity: { cpu: `${emr.maxVcpu} vCPU`, memory: `${emr.maxMemoryGb} GB` },
      monitoringConfiguration: {
        cloudWatchLoggingConfiguration: {
          enabled: true,
          logGroupName: logGroup.logGroupName,
          logStreamNamePrefix: "nightly",
        },
      },
      // No VPC: the job talks to S3 and CloudWatch Logs only, which an application without a network
      // configuration reaches in its own region.
    });

    const entryPoint = new s3assets.Asset(this, "SparkEntryPoint", {
      path: join(sparkDirectory, "flywheel_spark", "train_als.py"),
    });
    // A directory asset zips the directory's contents: from spark/, everything but the package folder is
    // left out, so the zip's root holds flywheel_spark/ as `--py-files` needs.
    const sparkPackage = new s3assets.Asset(this, "SparkPackage", {
      path: sparkDirectory,
      exclude: ["*", "!flywheel_spark", "!flywheel_spark/**", "**/__pycache__", "**/*.pyc"],
    });
    const codeBucket = new s3.Bucket(this, "SparkCodeBucket", {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      // A deploy that breaks the job can be undone from the previous version for a week.
      versioned: true,
      lifecycleRules: [{ id: "expire-replaced-code", noncurrentVersionExpiration: Duration.days(7) }],
      // Code only, rebuilt from the repository by every deploy.
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });
    const codeBucketLogging =
      "Holds only the Spark job's event weights, published from the repository by each deploy (no user data); its writers are the deployment and its one reader the job role";
    acknowledgeNagRule(codeBucket, "S1", codeBucketLogging);
    skipCheckovCheck(codeBucket, "CKV_AWS_18", codeBucketLogging);
    const weightsPath =
      props.eventWeightsPath ?? join(REPOSITORY_ROOT, "layers", "domain", "interactions", EVENT_WEIGHTS_FILE);
    new s3deploy.BucketDeployment(this, "SparkEventWeights", {
      destinationBucket: codeBucket,
      destinationKeyPrefix: SPARK_CODE_PREFIX,
      sources: [s3deploy.Source.data(EVENT_WEIGHTS_FILE, readFileSync(weightsPath, "utf8"))],
    });
    for (const child of this.node.children) {
      // BucketDeployment's handler is a singleton of the stack, named after its fixed UUID.
      if (child.node.id.startsWith("Custom::CDKBucketDeployment")) {
        acknowledgeCdkProviderFunction(child, "BucketDeployment's handler (copies the event weights)", {
          pinnedRuntime: true,
        });
      }
    }
    const eventWeightsKey = `${SPARK_CODE_PREFIX}${EVENT_WEIGHTS_FILE}`;

    const jobRole = new iam.Role(this, "SparkJobRole", {
      description: `Flywheel ${stage.stageName}: the nightly Spark job (EMR Serverless)`,
      assumedBy: new iam.ServicePrincipal("emr-serverless.amazonaws.com", {
        // Only job runs of this account's application may assume it (confused-deputy protection).
        conditions: {
          StringEquals: { "aws:SourceAccount": this.account },
          ArnLike: { "aws:SourceArn": [application.attrArn, `${application.attrArn}/*`] },
        },
      }),
    });
    // The archive and the run's workspace (the recent-interactions export, its outputs), the candidate's
    // model. Spark's S3 file system checks, overwrites and cleans up what it writes, so each writable
    // prefix also needs reads and deletes; the listing is of the bucket (Spark lists partitions).
    grantArtifactObjects(data, jobRole, `${ARTIFACT_BUCKET_DEFINITION.eventArchivePrefix}*`, ["read"]);
    acknowledgeIamWildcards(jobRole, {
      finding: /^Resource::arn:.+:logs:.+:log-group:\*$/,
      reason:
        "logs:DescribeLogGroups only, which EMR Serverless calls to find the job's log group: it is authorized on the account's groups, not on one",
    });
    grantArtifactObjects(data, jobRole, `${PIPELINE_RUNS_PREFIX}*`, ["read", "write", "delete"]);
    grantArtifactObjects(data, jobRole, `${ARTIFACT_BUCKET_DEFINITION.modelsPrefix}*`, [
      "read",
      "write",
      "delete",
    ]);
    // Its code: the three objects, nothing else of the asset bucket.
    jobRole.addToPolicy(
      new iam.PolicyStatement({
        sid: "SparkCode",
        actions: ["s3:GetObject"],
        resources: [
          objectArn(this, entryPoint.s3BucketName, entryPoint.s3ObjectKey),
          objectArn(this, sparkPackage.s3BucketName, sparkPackage.s3ObjectKey),
          codeBucket.arnForObjects(eventWeightsKey),
        ],
      }),
    );
    // The driver's and executors' logs.
    jobRole.addToPolicy(
      new iam.PolicyStatement({
        sid: "SparkLogs",
        actions: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        resources: [logGroup.logGroupArn],
      }),
    );
    jobRole.addToPolicy(
      new iam.PolicyStatement({
        sid: "SparkLogGroupLookup",
        // EMR Serverless checks the group exists; DescribeLogGroups is authorized on the account's groups.
        actions: ["logs:DescribeLogGroups"],
        resources: [
          this.formatArn({
            service: "logs",
            resource: "log-group",
            resourceName: "*",
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );

    const submitParameters = [
      `--py-files ${sparkPackage.s3ObjectUrl}`,
      `--files ${codeBucket.s3UrlForObject(eventWeightsKey)}`,
      `--conf spark.executor.cores=${spark.executorCores}`,
      `--conf spark.executor.memory=${spark.executorMemoryGb}g`,
      `--conf spark.driver.cores=${spark.driverCores}`,
      `--conf spark.driver.memory=${spark.driverMemoryGb}g`,
      `--conf spark.dynamicAllocation.maxExecutors=${spark.maxExecutors}`,
    ].join(" ");
    return { application, jobRole, codeBucket, entryPointUrl: entryPoint.s3ObjectUrl, submitParameters };
  }

  /**
   * The state machine's role: invoke exactly the pipeline Lambdas, publish to the two topics, run the
   * Spark job (`.sync`: start, poll, cancel, and the managed EventBridge rule that reports completion;
   * pass the job role to EMR Serverless only), and run the Distributed Map's child executions of itself.
   * Logging and X-Ray statements are added by the StateMachine construct.
   */
  private createStateMachineRole(spark: SparkTrainer): iam.Role {
    const role = new iam.Role(this, "StateMachineRole", {
      description: "Flywheel nightly training state machine",
      assumedBy: new iam.ServicePrincipal("states.amazonaws.com", {
        conditions: { StringEquals: { "aws:SourceAccount": this.account } },
      }),
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: "PipelineFunctions",
        actions: ["lambda:InvokeFunction"],
        resources: STEPS.map((step) => this.pipelineFunctions[step].function.functionArn),
      }),
    );
    this.notificationTopic.grantPublish(role);
    this.alarmTopic.grantPublish(role);
    const applicationArn = spark.application.attrArn;
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: "SparkJobStart",
        actions: ["emr-serverless:StartJobRun"],
        resources: [applicationArn],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: "SparkJobFollow",
        actions: ["emr-serverless:GetJobRun", "emr-serverless:CancelJobRun"],
        resources: [`${applicationArn}/jobruns/*`],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: "SparkJobCompletionRule",
        actions: ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
        resources: [
          this.formatArn({ service: "events", resource: "rule", resourceName: EMR_SYNC_RULE_NAME }),
        ],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: "SparkJobRolePass",
        actions: ["iam:PassRole"],
        resources: [spark.jobRole.roleArn],
        conditions: { StringEquals: { "iam:PassedToService": "emr-serverless.amazonaws.com" } },
      }),
    );
    const executions = this.executionArns();
    acknowledgeIamWildcards(
      role,
      ...this.executionWildcards(),
      {
        finding: /^Resource::<SparkApplication\.Arn>\/jobruns\/\*$/,
        reason: "The job runs of the nightly Spark application only; a run's id is made when it starts",
      },
      {
        finding: /^Resource::\*$/,
        reason:
          "The state machine's X-Ray tracing and CloudWatch Logs delivery (logs:CreateLogDelivery and the other vended-log calls Step Functions documents), which take no resource-level permissions",
      },
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: "DistributedMapStart",
        actions: ["states:StartExecution"],
        resources: [this.stateMachineArn],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: "DistributedMapFollow",
        actions: ["states:DescribeExecution", "states:StopExecution"],
        resources: [executions.executions, executions.mapRunChildren],
      }),
    );
    return role;
  }

  /** A value for every `${Name}` of the definition (checkedSubstitutions refuses a missing or extra one). */
  private definitionSubstitutions(spark: SparkTrainer): Record<string, string> {
    const substitutions: Record<string, string> = {
      NotificationTopicArn: this.notificationTopic.topicArn,
      AlarmTopicArn: this.alarmTopic.topicArn,
      EmrApplicationId: spark.application.attrApplicationId,
      EmrJobRoleArn: spark.jobRole.roleArn,
      SparkEntryPoint: spark.entryPointUrl,
      SparkSubmitParameters: spark.submitParameters,
    };
    for (const step of STEPS) {
      substitutions[`${PIPELINE_STEPS[step]}FunctionArn`] = this.pipelineFunctions[step].function.functionArn;
    }
    return substitutions;
  }

  /**
   * The nightly start: a schedule in a group of its own (its role trusts only that group), a dedicated
   * role allowed StartExecution on this state machine only, three retries within an hour, and a
   * dead-letter queue for starts that still failed. No runId in the input: the run is named after the
   * execution.
   */
  private createSchedule(training: TrainingConfig): {
    schedule: scheduler.Schedule;
    deadLetterQueue: sqs.Queue;
  } {
    const group = new scheduler.ScheduleGroup(this, "ScheduleGroup", {
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(this, "ScheduleRole", {
      description: "EventBridge Scheduler: starts the nightly training run",
      assumedBy: new iam.ServicePrincipal("scheduler.amazonaws.com", {
        conditions: {
          StringEquals: { "aws:SourceAccount": this.account, "aws:SourceArn": group.scheduleGroupArn },
        },
      }),
    });
    const deadLetterQueue = new sqs.Queue(this, "ScheduleDeadLetterQueue", {
      // Holds the schedule's input only (trainer and gate): the AWS-managed key needs no key policy.
      encryption: sqs.QueueEncryption.KMS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledgeNagRule(
      deadLetterQueue,
      "SQS3",
      "This queue is the dead-letter queue (of the nightly schedule's starts); its messages wait to be inspected",
    );
    const schedule = new scheduler.Schedule(this, "NightlySchedule", {
      description: "Starts the nightly training run",
      schedule: scheduler.ScheduleExpression.expression(training.schedule.expression, TimeZone.ETC_UTC),
      scheduleGroup: group,
      enabled: training.schedule.enabled,
      target: new schedulerTargets.StepFunctionsStartExecution(this.stateMachine, {
        role,
        input: scheduler.ScheduleTargetInput.fromObject({
          trainer: training.trainer,
          qualityGate: { maxNdcgDrop: training.maxNdcgDrop },
        }),
        retryAttempts: 3,
        maxEventAge: Duration.hours(1),
        deadLetterQueue,
      }),
    });
    return { schedule, deadLetterQueue };
  }

  /**
   * To the alarm topic, like the streaming alarms: any failed, timed-out or aborted run (a rejected
   * candidate fails the run too: someone should look), a start the schedule gave up on, and errors of any
   * pipeline Lambda (a retried error is still worth a look on a nightly job).
   */
  private createAlarms(): TrainingStack["alarms"] {
    const action = new cloudwatchActions.SnsAction(this.alarmTopic);
    const anyInFiveMinutes = {
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      // No data means no run, not a failure.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    } as const;
    const sum = { period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM };
    const alarm = (
      alarmId: string,
      alarmDescription: string,
      metric: cloudwatch.IMetric,
    ): cloudwatch.Alarm => {
      const created = new cloudwatch.Alarm(this, alarmId, { alarmDescription, metric, ...anyInFiveMinutes });
      created.addAlarmAction(action);
      created.addOkAction(action);
      return created;
    };
    const functionErrors: Partial<Record<PipelineStep, cloudwatch.Alarm>> = {};
    for (const step of STEPS) {
      functionErrors[step] = alarm(
        `${PIPELINE_STEPS[step]}ErrorsAlarm`,
        `The nightly ${PIPELINE_STEPS[step]} Lambda failed invocations`,
        this.pipelineFunctions[step].function.metricErrors(sum),
      );
    }
    return {
      executionsFailed: alarm(
        "ExecutionsFailedAlarm",
        "A nightly training run failed (or its candidate was rejected); the active model was kept",
        this.stateMachine.metricFailed(sum),
      ),
      executionsTimedOut: alarm(
        "ExecutionsTimedOutAlarm",
        "A nightly training run timed out; the active model was kept",
        this.stateMachine.metricTimedOut(sum),
      ),
      executionsAborted: alarm(
        "ExecutionsAbortedAlarm",
        "A nightly training run was aborted (stopped by someone, or by a redeploy)",
        this.stateMachine.metricAborted(sum),
      ),
      scheduleDeadLetters: alarm(
        "ScheduleDeadLettersAlarm",
        "EventBridge Scheduler could not start the nightly run (see its dead-letter queue)",
        this.scheduleDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(5),
          statistic: cloudwatch.Stats.MAXIMUM,
        }),
      ),
      functionErrors: functionErrors as { readonly [Step in PipelineStep]: cloudwatch.Alarm },
    };
  }
}

interface SparkTrainer {
  readonly application: emrserverless.CfnApplication;
  readonly jobRole: iam.Role;
  readonly codeBucket: s3.Bucket;
  /** s3:// URL of train_als.py. */
  readonly entryPointUrl: string;
  readonly submitParameters: string;
}

/** What a principal may do with objects under a prefix (or one key) of the artifact bucket. */
type ArtifactAccess = ReadonlyArray<"read" | "write" | "delete">;

/**
 * Exact object actions on `keyPattern` of the artifact bucket (no `s3:*`, no `s3:Get*`), the bucket
 * listing for readers (a missing object is then a 404, not a 403, and the stores list a version's files),
 * and the data key's use. The data stack's helpers cover whole-bucket and models/ reads; the pipeline's
 * prefixes are granted here (the functions already have the bucket's name).
 */
function grantArtifactObjects(
  data: DataStack,
  grantee: iam.IGrantable,
  keyPattern: string,
  access: ArtifactAccess,
): void {
  const actions: string[] = [];
  if (access.includes("read")) actions.push("s3:GetObject");
  if (access.includes("write")) actions.push("s3:PutObject", "s3:AbortMultipartUpload");
  if (access.includes("delete")) actions.push("s3:DeleteObject");
  iam.Grant.addToPrincipal({
    grantee,
    actions,
    resourceArns: [data.artifactBucket.arnForObjects(keyPattern)],
  });
  const prefixWildcard = Object.values(ARTIFACT_PREFIX_WILDCARDS).find((wildcard) =>
    wildcard.finding.test(`Resource::bucket/${keyPattern}`),
  );
  if (prefixWildcard !== undefined) acknowledgeIamWildcards(grantee, prefixWildcard);
  if (access.includes("read")) {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ["s3:ListBucket"],
      resourceArns: [data.artifactBucket.bucketArn],
    });
  }
  // SSE-KMS under the data key: reading decrypts; writing generates data keys (and decrypts, to assemble
  // a multipart upload).
  if (access.includes("write")) data.encryptionKey.grant(grantee, "kms:GenerateDataKey", "kms:Decrypt");
  else data.encryptionKey.grant(grantee, "kms:Decrypt");
}

function objectArn(stack: Stack, bucketName: string, key: string): string {
  return `arn:${stack.partition}:s3:::${bucketName}/${key}`;
}

/** The `${Name}` placeholders of an ASL file, as CloudFormation's DefinitionSubstitutions replaces them. */
export function definitionPlaceholders(definition: string): string[] {
  return [
    ...new Set([...definition.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((match) => match[1] ?? "")),
  ].sort();
}

/**
 * The substitutions, once every placeholder of the definition has one and every one is used: a
 * placeholder left over would reach Step Functions as literal text (an invalid ARN at run time), an unused
 * one is a definition that changed without the stack.
 */
function checkedSubstitutions(
  definition: string,
  substitutions: Readonly<Record<string, string>>,
): Record<string, string> {
  const placeholders = definitionPlaceholders(definition);
  const missing = placeholders.filter((name) => !(name in substitutions));
  const unused = Object.keys(substitutions).filter((name) => !placeholders.includes(name));
  if (missing.length > 0 || unused.length > 0) {
    throw new Error(
      `the nightly definition and the training stack disagree: no value for ${JSON.stringify(missing)}, unused ${JSON.stringify(unused)}`,
    );
  }
  return { ...substitutions };
}
