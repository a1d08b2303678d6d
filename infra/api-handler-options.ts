import { Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type { HandlerId, PlannedHandlerId, RouteTable } from "../functions/api/route-table.ts";
import type { StageConfig } from "./config/stage-config.ts";
import type { HandlerOptions } from "./constructs/api-routes.ts";
import type { FlywheelFunction } from "./constructs/flywheel-function.ts";
import type { DataStack } from "./stacks/data-stack.ts";
import type { NetworkStack } from "./stacks/network-stack.ts";
import type { SearchStack } from "./stacks/search-stack.ts";

/** The stacks whose `grant*` helpers the API's handlers use. */
export interface ApiHandlerGrantSources {
  readonly stage: StageConfig;
  readonly data: DataStack;
  readonly network: NetworkStack;
  /** The ingest stack: the stage's event bus (Kinesis, or the MSK topic). */
  readonly ingest: { grantEventPublish(fn: FlywheelFunction): void };
  readonly search: SearchStack;
  /** The training stack: starting and following nightly runs (TrainingStack.grantRunControl). */
  readonly training: { grantRunControl(fn: FlywheelFunction): void };
}

/**
 * The variable that turns the re-rank on (RANKER_ENDPOINT_VARIABLE of
 * functions/api/serving-dependencies-from-environment.ts, which infra does not import: it loads the AWS
 * adapters; a test keeps the two equal).
 */
export const RANKER_ENDPOINT_ENVIRONMENT_VARIABLE = "FLYWHEEL_RANKER_ENDPOINT";

/**
 * Lets a function call one SageMaker endpoint (InvokeEndpoint on its ARN, which SageMaker writes in lower
 * case) and tells it the endpoint's name. The endpoint is the model owner's: Flywheel does not deploy it.
 */
export function grantRerank(fn: FlywheelFunction, endpointName: string): void {
  iam.Grant.addToPrincipal({
    grantee: fn,
    actions: ["sagemaker:InvokeEndpoint"],
    resourceArns: [
      Stack.of(fn).formatArn({
        service: "sagemaker",
        resource: "endpoint",
        resourceName: endpointName.toLowerCase(),
      }),
    ],
  });
  fn.addEnvironment(RANKER_ENDPOINT_ENVIRONMENT_VARIABLE, endpointName);
}

/** Options keyed by handler id, served or planned: a misspelt id does not compile. */
export type ApiHandlerOptions = Partial<Record<HandlerId | PlannedHandlerId, HandlerOptions>>;

/**
 * What each API handler needs from the other stacks: its VPC placement and its least-privilege grants. One
 * place, so the handlers' access can be read (and reviewed) at a glance. `openapi` serves a static
 * document and needs nothing; `health` likewise.
 */
export function apiHandlerOptions(sources: ApiHandlerGrantSources): ApiHandlerOptions {
  const { stage, data, network, ingest, search, training } = sources;
  // The cache and the OpenSearch domain are reachable only from inside the VPC.
  const inVpc = { network: network.functionPlacement };
  const grantServing = (fn: FlywheelFunction): void => {
    network.grantCacheAccess(fn);
    search.grantVectorIndexRead(fn);
    data.grantProfileRead(fn);
    data.grantBatchRecommendationsRead(fn);
    data.grantCatalogRead(fn);
    data.grantInteractionsRead(fn);
    data.grantModelRegistryRead(fn);
    data.grantModelArtifactsRead(fn);
    ingest.grantEventPublish(fn);
  };
  return {
    // POST /v1/events publishes to the stage's event bus; Kafka clients must run in the cluster's VPC.
    events: {
      ...(stage.eventBus.kind === "msk" ? inVpc : {}),
      grant: (fn) => ingest.grantEventPublish(fn),
    },
    // The recommendations handler builds the whole cascade at cold start
    // (functions/api/serving-dependencies-from-environment.ts) and fails fast on any missing variable: the
    // L1 cache and trending counters, the user's vector (profiles) and k-NN, the nightly lists, the catalog
    // and recent interactions for the filters, the active model (the registry and models/*), and the stream
    // for impressions (the stream handler then records the served list in the recommendation log, so the
    // API never writes it). Read-only everywhere else. The re-rank (stage key rerankEndpointName) is a step
    // of this cascade only (layers/domain/serving/recommend-for-user.ts).
    recommendations: {
      ...inVpc,
      grant: (fn) => {
        grantServing(fn);
        if (stage.rerank !== undefined) grantRerank(fn, stage.rerank.endpointName);
      },
    },
    // Neighbours from the active model's item factors, filtered by the catalog; an item the model does not
    // know gets what is trending in its categories (functions/api/similar-items-dependencies-from-environment.ts).
    // No profiles, k-NN, nightly lists, interactions or stream.
    "similar-items": {
      ...inVpc,
      grant: (fn) => {
        network.grantCacheAccess(fn);
        data.grantCatalogRead(fn);
        data.grantModelRegistryRead(fn);
        data.grantModelArtifactsRead(fn);
      },
    },
    // Trending counters (Redis) and the catalog's filters, nothing else
    // (functions/api/popular-items-dependencies-from-environment.ts).
    "popular-items": {
      ...inVpc,
      grant: (fn) => {
        network.grantCacheAccess(fn);
        data.grantCatalogRead(fn);
      },
    },
    // Upserts and hiding: a hidden item leaves the vector index at once. The VPC is for the domain; the
    // handler uses no cache (functions/api/catalog-dependencies-from-environment.ts), so it gets none.
    "catalog-items": {
      ...inVpc,
      grant: (fn) => {
        search.grantVectorIndexWrite(fn);
        data.grantCatalogReadWrite(fn);
      },
    },
    // Attributes and erasure: profile, interactions, nightly list and cached recommendations.
    users: {
      ...inVpc,
      grant: (fn) => {
        network.grantCacheAccess(fn);
        data.grantProfileReadWrite(fn);
        data.grantInteractionsReadWrite(fn);
        data.grantBatchRecommendationsReadWrite(fn);
      },
    },
    // Operator routes (issue 6), outside the VPC: they call Step Functions and DynamoDB only. Starting a
    // run and reading its executions; the registry for the versions and metrics a run produced.
    "admin-training-runs": {
      grant: (fn) => {
        training.grantRunControl(fn);
        data.grantModelRegistryRead(fn);
      },
    },
    "admin-models": { grant: (fn) => data.grantModelRegistryRead(fn) },
  };
}

/**
 * The options of the handlers that `routeTable` serves. ApiRoutes refuses options for a handler no served
 * route uses, and a handler waits in PLANNED_HANDLERS until its module exists; filtering here lets the app
 * synthesize today and pick each handler's grants up the moment its routes move into ROUTES.
 */
export function servedHandlerOptions(
  options: ApiHandlerOptions,
  routeTable: RouteTable,
): Record<string, HandlerOptions> {
  const served = new Set(routeTable.routes.map((route) => route.handler));
  const result: Record<string, HandlerOptions> = {};
  for (const [handlerId, handlerOptions] of Object.entries(options)) {
    if (handlerOptions !== undefined && served.has(handlerId)) result[handlerId] = handlerOptions;
  }
  return result;
}
