import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { createEventsHandler } from "../../../functions/api/create-events-handler.ts";
import { createRecommendationsHandler } from "../../../functions/api/create-serving-handlers.ts";
import {
  servingDependenciesFromEnvironment,
  VECTOR_INDEX_ALIAS_VARIABLE,
} from "../../../functions/api/serving-dependencies-from-environment.ts";
import { createDynamoDbDocumentClient } from "../../../layers/adapters/aws/aws-clients.ts";
import { DynamoDbItemCatalog } from "../../../layers/adapters/aws/dynamodb/dynamodb-item-catalog.ts";
import { DynamoDbRecommendationLog } from "../../../layers/adapters/aws/dynamodb/dynamodb-recommendation-log.ts";
import {
  createOpenSearchClient,
  readOpenSearchConfig,
} from "../../../layers/adapters/aws/opensearch/opensearch-client.ts";
import { OpenSearchVectorIndex } from "../../../layers/adapters/aws/opensearch/opensearch-vector-index.ts";
import type { ServingDependencies } from "../../../layers/domain/serving/serving-dependencies.ts";
import { waitForOpenSearch } from "../../../local/cloud/opensearch/wait-for-opensearch.ts";
import {
  activateModel,
  deleteStreamingResources,
  type LocalStreamingPath,
  type LocalStreamingResources,
  provisionStreamingResources,
  startLocalStreamingPath,
} from "../../../local/runtime/local-streaming-path.ts";
import { uniqueId } from "../../contract/unique-id.ts";
import { expectResponseMatchesDocument } from "../../support/openapi-check.ts";
import { smallFactorModel } from "../../support/streaming-fixture.ts";
import { apiGatewayEvent, lambdaContext } from "../../unit/functions/api-gateway-event.ts";
import { OPENAPI_DOCUMENT } from "../../unit/functions/api-request.ts";
import { eventually } from "../local-cloud/wait-until.ts";

// The flywheel turning once on the local cloud: a click goes in through POST /v1/events, the stream folds the
// user's vector in (DynamoDB Local, Redis), GET recommendations answers from it through OpenSearch k-NN with
// the clicked items filtered out, the served list travels back as an impression event, and a click on it
// moves the CTR counters of the realtime tier. Every adapter is the AWS one, built from the environment as in
// a Lambda.

const handoff = inject("localCloudOpenSearch");
const ITEMS = 200;
const FACTORS = 16;
const model = smallFactorModel({ items: ITEMS, factors: FACTORS, seed: 21, version: "m-online-1" });
const RECOMMENDATIONS_ROUTE = { method: "GET", path: "/v1/users/{userId}/recommendations" };

let resources: LocalStreamingResources;
let path: LocalStreamingPath;
let serving: ServingDependencies;
let alias: string;

describe.skipIf(handoff.state === "off")("the online loop on the local cloud", () => {
  beforeAll(async () => {
    vi.spyOn(console, "info").mockImplementation(() => {});
    if (handoff.state === "launched") {
      await waitForOpenSearch({
        endpoint: handoff.endpoint,
        statusFile: handoff.statusFile,
        timeoutMs: 90_000,
      });
    }
    resources = await provisionStreamingResources(uniqueId("flywheel-online"));
    await activateModel(resources, model);
    // What the nightly refresh does: a physical index per model version behind an alias, and the catalog.
    alias = `${resources.prefix}-items`.toLowerCase();
    const index = `${alias}-${model.version}`.toLowerCase();
    const vectors = new OpenSearchVectorIndex({
      client: createOpenSearchClient(readOpenSearchConfig()),
      replicas: 0,
    });
    const items = model.itemIds.map((itemId, row) => ({
      itemId,
      vector: model.itemFactors.slice(row * FACTORS, (row + 1) * FACTORS),
      categories: [row % 2 === 0 ? "even" : "odd"],
      available: true,
    }));
    await vectors.createIndex(index, FACTORS);
    await vectors.upsert(index, items);
    await vectors.swapAlias(alias, index);
    const tables = resources.env;
    await new DynamoDbItemCatalog({
      client: createDynamoDbDocumentClient(),
      tableName: tables.FLYWHEEL_CATALOG_TABLE ?? "",
    }).upsert(
      items.map(({ itemId, categories }) => ({
        itemId,
        categories,
        available: true,
        hidden: false,
        attributes: {},
        updatedAt: Date.now(),
      })),
    );
    path = await startLocalStreamingPath(resources, { log: () => {} });
    serving = servingDependenciesFromEnvironment({
      ...process.env,
      ...resources.env,
      [VECTOR_INDEX_ALIAS_VARIABLE]: alias,
    });
  }, 180_000);

  afterAll(async () => {
    await path?.stop();
    if (resources !== undefined) await deleteStreamingResources(resources);
    vi.restoreAllMocks();
  }, 60_000);

  it("recommends from the vector a click just moved, logs the list, and counts a click on it", async () => {
    const user = uniqueId("online-user");
    const postEvents = createEventsHandler(path.eventBus);
    const post = (events: unknown[]) =>
      postEvents(
        { ...apiGatewayEvent({ path: "/v1/events" }), httpMethod: "POST", body: JSON.stringify({ events }) },
        lambdaContext(),
      );
    expect(
      (
        await post([
          { userId: user, itemId: "item-2", type: "purchase" },
          { userId: user, itemId: "item-4", type: "click" },
        ])
      ).statusCode,
    ).toBe(202);
    const profile = await eventually(
      () => serving.profiles.get(user),
      (stored) => stored?.vector != null,
    );
    expect(profile?.modelVersion).toBe(model.version);

    const recommend = createRecommendationsHandler(serving);
    const get = async () => {
      const response = await recommend(
        {
          ...apiGatewayEvent({ path: `/v1/users/${user}/recommendations` }),
          pathParameters: { userId: user },
          queryStringParameters: { limit: "5" },
        },
        lambdaContext(),
      );
      expectResponseMatchesDocument(OPENAPI_DOCUMENT, RECOMMENDATIONS_ROUTE, response);
      return JSON.parse(response.body) as {
        recommendationId: string;
        source: string;
        modelVersion: string;
        items: Array<{ itemId: string; reason?: { itemId: string } }>;
      };
    };
    const first = await get();
    expect(first.source).toBe("realtime");
    expect(first.modelVersion).toBe(model.version);
    expect(first.items).toHaveLength(5);
    const served = first.items.map((item) => item.itemId);
    expect(served).not.toContain("item-2");
    expect(served).not.toContain("item-4");
    for (const item of first.items) expect(["item-2", "item-4"]).toContain(item.reason?.itemId);
    // The same request again is a cache hit (Redis), under a new recommendation id.
    const second = await get();
    expect(second.source).toBe("cache");
    expect(second.items.map((item) => item.itemId)).toEqual(served);

    // The served list came back through the stream as an impression; a click on it is attributed.
    const log = new DynamoDbRecommendationLog({
      client: createDynamoDbDocumentClient(),
      tableName: resources.env.FLYWHEEL_RECOMMENDATION_LOG_TABLE ?? "",
    });
    await eventually(
      () => log.get(first.recommendationId),
      (stored) => stored !== undefined,
    );
    await post([
      { userId: user, itemId: served[0], type: "click", recommendationId: first.recommendationId },
    ]);
    const counters = await eventually(
      () => log.counters(),
      (all) => all.some((row) => row.source === "realtime" && row.clicks >= 1),
    );
    expect(
      counters.find((row) => row.source === "realtime" && row.modelVersion === model.version),
    ).toMatchObject({
      impressions: 1,
      clicks: 1,
    });
    // The click is an interaction too: the user's cached lists were dropped, the next answer is fresh.
    const third = await eventually(
      () => get(),
      (answer) => answer.source === "realtime",
    );
    expect(third.items.map((item) => item.itemId)).not.toContain(served[0]);
  }, 120_000);
});
