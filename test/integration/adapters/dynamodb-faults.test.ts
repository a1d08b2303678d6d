import { randomUUID } from "node:crypto";
import {
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import type { BatchGetCommandInput, BatchWriteCommandInput } from "@aws-sdk/lib-dynamodb";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type AwsClientConfig,
  createDynamoDbClient,
  DEFAULT_AWS_CLIENT_CONFIG,
  dynamoDbClientSettings,
  toDocumentClient,
} from "../../../layers/adapters/aws/aws-clients.ts";
import type { RetryPolicy } from "../../../layers/adapters/aws/dynamodb/backoff.ts";
import { DynamoDbBatchRecStore } from "../../../layers/adapters/aws/dynamodb/dynamodb-batch-rec-store.ts";
import { DynamoDbInteractionLog } from "../../../layers/adapters/aws/dynamodb/dynamodb-interaction-log.ts";
import { DynamoDbItemCatalog } from "../../../layers/adapters/aws/dynamodb/dynamodb-item-catalog.ts";
import { DynamoDbProfileStore } from "../../../layers/adapters/aws/dynamodb/dynamodb-profile-store.ts";
import { deleteTables, provisionTables } from "../../../layers/adapters/aws/dynamodb/provision-tables.ts";
import { TABLE_DEFINITIONS } from "../../../layers/adapters/aws/dynamodb/table-definitions.ts";
import {
  DependencyError,
  PayloadTooLargeError,
  ThrottledError,
} from "../../../layers/domain/errors/domain-errors.ts";
import type { BatchRecommendations } from "../../../layers/ports/batch-rec-store.ts";
import type { InteractionRecord } from "../../../layers/ports/interaction-log.ts";
import type { CatalogItem } from "../../../layers/ports/item-catalog.ts";
import type { UserProfile } from "../../../layers/ports/profile-store.ts";
import { startDynamoDbLocal } from "../../../local/cloud/emulators/dynamodb-local.ts";
import type { RunningEmulator } from "../../../local/cloud/emulators/running-emulator.ts";
import { uniqueId } from "../../contract/unique-id.ts";

// Faults the adapters must turn into typed errors, never a hang and never a silent loss:
// - a DynamoDB that stops answering, then goes away, mid-test: a DynamoDB Local of this file's own, frozen
//   with SIGSTOP (connections still accepted, nothing answered) and then stopped;
// - throttling, unprocessed batch items and keys, and conflicting transactions: injected by SDK middleware
//   into real clients on the shared emulator. The middleware answers for the service where the fault is
//   injected and lets everything else reach the real table.

const config: AwsClientConfig = DEFAULT_AWS_CLIENT_CONFIG;
/** The longest a failing call may take with `config`: its retry budget, then one last attempt's timeout. */
const FAILURE_BOUND_MS = config.retryBudgetMs + config.requestTimeoutMs;
/** Slack for a busy machine on top of FAILURE_BOUND_MS. */
const SCHEDULING_SLACK_MS = 1500;
/** Far above every timeout involved: only a hang reaches it. */
const HANG_MS = 15_000;
const QUICK_RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 };

/** Resolves or rejects as `promise` does, or rejects with a "hang" error after `ms`. */
async function withinHangLimit<Result>(promise: Promise<Result>, ms = HANG_MS): Promise<Result> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms: the call hangs`)), ms);
  });
  try {
    return await Promise.race([promise, hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** The error a promise rejects with, and how long it took to settle. */
async function failureOf(promise: Promise<unknown>): Promise<{ error: unknown; elapsedMs: number }> {
  const started = performance.now();
  try {
    await withinHangLimit(promise);
  } catch (error) {
    return { error, elapsedMs: performance.now() - started };
  }
  throw new Error("the call succeeded, but it was expected to fail");
}

function profile(userId: string): Omit<UserProfile, "revision"> {
  return {
    userId,
    vector: Float32Array.from([0.5, -1]),
    modelVersion: "model-a",
    interactionCount: 1,
    lastInteractionAt: Date.now(),
    attributes: {},
    updatedAt: Date.now(),
  };
}

describe("a DynamoDB that stops answering, then goes away, mid-test", () => {
  let emulator: RunningEmulator | undefined;
  let setupClient: DynamoDBClient | undefined;
  let client: DynamoDBClient | undefined;
  let store: DynamoDbProfileStore | undefined;
  const userId = uniqueId("user");

  beforeAll(async () => {
    emulator = await startDynamoDbLocal();
    // These clients are pointed at the dedicated emulator explicitly; the code under test never chooses an
    // endpoint itself. Setup goes through a patient client (a cold JVM takes seconds over its first
    // requests); the subject uses the production settings.
    setupClient = new DynamoDBClient({
      ...dynamoDbClientSettings({ ...config, requestTimeoutMs: 15_000, retryBudgetMs: 5_000 }),
      endpoint: emulator.endpoint,
    });
    client = new DynamoDBClient({ ...dynamoDbClientSettings(config), endpoint: emulator.endpoint });
    const names = await provisionTables(
      setupClient,
      { profiles: TABLE_DEFINITIONS.profiles },
      "flywheel-faults-",
    );
    await new DynamoDbProfileStore({ client: toDocumentClient(setupClient), tableName: names.profiles }).put(
      profile(userId),
    );
    store = new DynamoDbProfileStore({ client: toDocumentClient(client), tableName: names.profiles });
    // Warm: wait (with a deadline) until the emulator answers within the production timeouts.
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await store.get(userId);
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
    }
  }, 120_000);

  afterAll(async () => {
    try {
      emulator?.process?.signal("SIGCONT");
      await emulator?.stop();
    } finally {
      client?.destroy();
      setupClient?.destroy();
    }
  }, 30_000);

  function subject(): DynamoDbProfileStore {
    if (store === undefined) throw new Error("the dedicated DynamoDB did not start");
    return store;
  }

  it("answers normally while it runs", async () => {
    expect((await subject().get(userId))?.revision).toBe(1);
  });

  it("fails with a DependencyError within the configured time when frozen (connected, never answering)", async () => {
    const process = emulator?.process;
    if (process === undefined) throw new Error("the dedicated DynamoDB has no process to freeze");
    process.signal("SIGSTOP");
    try {
      const read = await failureOf(subject().get(userId));
      expect(read.error).toBeInstanceOf(DependencyError);
      expect(read.elapsedMs).toBeLessThan(FAILURE_BOUND_MS + SCHEDULING_SLACK_MS);
      const write = await failureOf(subject().put(profile(userId)));
      expect(write.error).toBeInstanceOf(DependencyError);
      expect(write.elapsedMs).toBeLessThan(FAILURE_BOUND_MS + SCHEDULING_SLACK_MS);
    } finally {
      process.signal("SIGCONT");
    }
  });

  it("fails with a DependencyError within the configured time once stopped", async () => {
    await emulator?.stop();
    const read = await failureOf(subject().get(userId));
    expect(read.error).toBeInstanceOf(DependencyError);
    expect((read.error as DependencyError).dependency).toBe("dynamodb");
    expect(read.elapsedMs).toBeLessThan(FAILURE_BOUND_MS + SCHEDULING_SLACK_MS);
    const erase = await failureOf(subject().delete(userId));
    expect(erase.error).toBeInstanceOf(DependencyError);
  });
});

describe("throttling, unprocessed items and conflicting transactions on the shared DynamoDB", () => {
  const setupClient = createDynamoDbClient({ ...config, requestTimeoutMs: 15_000, retryBudgetMs: 5_000 });
  const faultyClients: DynamoDBClient[] = [];
  let tableNames: Awaited<ReturnType<typeof provisionFaultTables>> | undefined;

  function provisionFaultTables() {
    const { profiles, interactions, batchRecommendations, catalog } = TABLE_DEFINITIONS;
    return provisionTables(
      setupClient,
      { profiles, interactions, batchRecommendations, catalog },
      `flywheel-it-faults-${randomUUID().slice(0, 8)}-`,
    );
  }

  beforeAll(async () => {
    if (process.env.AWS_ENDPOINT_URL_DYNAMODB === undefined && process.env.AWS_ENDPOINT_URL === undefined) {
      throw new Error(
        "integration tests need AWS_ENDPOINT_URL_DYNAMODB (or AWS_ENDPOINT_URL): run them through the local cloud",
      );
    }
    tableNames = await provisionFaultTables();
  }, 120_000);

  afterEach(() => {
    for (const faulty of faultyClients.splice(0)) faulty.destroy();
  });

  afterAll(async () => {
    try {
      if (tableNames !== undefined) await deleteTables(setupClient, Object.values(tableNames));
    } finally {
      setupClient.destroy();
    }
  }, 120_000);

  function tables(): NonNullable<typeof tableNames> {
    if (tableNames === undefined) throw new Error("tables are not provisioned");
    return tableNames;
  }

  /**
   * A real client on the shared emulator, for a test to add its fault to. Middleware at the `deserialize`
   * step sits inside the SDK's retry loop, so what it throws is retried like a service answer. At the
   * `initialize` step it sits outside that loop and outside the document client's marshalling, so it sees
   * and returns plain documents.
   */
  function faultyClient(): DynamoDBClient {
    const faulty = createDynamoDbClient({ ...config, requestTimeoutMs: 15_000 });
    faultyClients.push(faulty);
    return faulty;
  }

  it("retries a throttled call and answers once DynamoDB lets it through", async () => {
    const userId = uniqueId("user");
    await new DynamoDbProfileStore({
      client: toDocumentClient(setupClient),
      tableName: tables().profiles,
    }).put(profile(userId));
    let attempts = 0;
    const client = faultyClient();
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "GetItemCommand" && ++attempts === 1) throw throttled();
        return next(args);
      },
      { step: "deserialize", name: "injected-fault", priority: "high" },
    );
    const store = new DynamoDbProfileStore({
      client: toDocumentClient(client),
      tableName: tables().profiles,
    });
    expect((await store.get(userId))?.userId).toBe(userId);
    expect(attempts).toBe(2);
  });

  it("surfaces throttling that outlasts the retries as ThrottledError, after every attempt", async () => {
    let attempts = 0;
    const client = faultyClient();
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "GetItemCommand") {
          attempts++;
          throw throttled();
        }
        return next(args);
      },
      { step: "deserialize", name: "injected-fault", priority: "high" },
    );
    const store = new DynamoDbProfileStore({
      client: toDocumentClient(client),
      tableName: tables().profiles,
    });
    const { error } = await failureOf(store.get(uniqueId("user")));
    expect(error).toBeInstanceOf(ThrottledError);
    expect((error as ThrottledError).retryable).toBe(true);
    expect(attempts).toBe(config.maxAttempts);
  });

  it("retries unprocessed batch writes with backoff until every list is stored", async () => {
    let calls = 0;
    const client = faultyClient();
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== "BatchWriteItemCommand" || ++calls > 3) return next(args);
        // DynamoDB took only the first request of each table; the rest comes back unprocessed.
        const input = args.input as BatchWriteCommandInput;
        const taken: NonNullable<BatchWriteCommandInput["RequestItems"]> = {};
        const unprocessed: NonNullable<BatchWriteCommandInput["RequestItems"]> = {};
        for (const [table, requests] of Object.entries(input.RequestItems ?? {})) {
          taken[table] = requests.slice(0, 1);
          unprocessed[table] = requests.slice(1);
        }
        const result = await next({ ...args, input: { ...input, RequestItems: taken } });
        (result.output as { UnprocessedItems?: unknown }).UnprocessedItems = unprocessed;
        return result;
      },
      { step: "initialize", name: "injected-fault", priority: "high" },
    );
    const store = new DynamoDbBatchRecStore({
      client: toDocumentClient(client),
      tableName: tables().batchRecommendations,
      retry: QUICK_RETRY,
      concurrency: 1,
    });
    const entries = Array.from({ length: 30 }, () => batchEntry(uniqueId("user")));
    await store.putMany(entries);
    expect(calls).toBeGreaterThan(3);
    for (const entry of entries) expect(await store.get(entry.userId)).toEqual(entry);
  });

  it("gives up on writes that stay unprocessed with a retryable DependencyError", async () => {
    let calls = 0;
    const client = faultyClient();
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== "BatchWriteItemCommand") return next(args);
        calls++;
        const input = args.input as BatchWriteCommandInput;
        return { output: { UnprocessedItems: input.RequestItems, $metadata: {} }, response: {} };
      },
      { step: "initialize", name: "injected-fault", priority: "high" },
    );
    const store = new DynamoDbBatchRecStore({
      client: toDocumentClient(client),
      tableName: tables().batchRecommendations,
      retry: QUICK_RETRY,
      concurrency: 1,
    });
    const { error } = await failureOf(store.putMany([batchEntry(uniqueId("user"))]));
    expect(error).toBeInstanceOf(DependencyError);
    expect((error as DependencyError).retryable).toBe(true);
    expect(calls).toBe(QUICK_RETRY.maxAttempts);
  });

  it("retries unprocessed keys of a batch read until every item is found", async () => {
    const items = Array.from({ length: 120 }, () => catalogItem(uniqueId("item")));
    await new DynamoDbItemCatalog({
      client: toDocumentClient(setupClient),
      tableName: tables().catalog,
    }).upsert(items);
    let calls = 0;
    const client = faultyClient();
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== "BatchGetItemCommand" || ++calls > 3) return next(args);
        // DynamoDB read only half of the keys; the other half comes back unprocessed.
        const input = args.input as BatchGetCommandInput;
        const taken: NonNullable<BatchGetCommandInput["RequestItems"]> = {};
        const unprocessed: NonNullable<BatchGetCommandInput["RequestItems"]> = {};
        for (const [table, request] of Object.entries(input.RequestItems ?? {})) {
          const keys = request.Keys ?? [];
          const half = Math.ceil(keys.length / 2);
          taken[table] = { ...request, Keys: keys.slice(0, half) };
          unprocessed[table] = { ...request, Keys: keys.slice(half) };
        }
        const result = await next({ ...args, input: { ...input, RequestItems: taken } });
        (result.output as { UnprocessedKeys?: unknown }).UnprocessedKeys = unprocessed;
        return result;
      },
      { step: "initialize", name: "injected-fault", priority: "high" },
    );
    const catalog = new DynamoDbItemCatalog({
      client: toDocumentClient(client),
      tableName: tables().catalog,
      retry: QUICK_RETRY,
      concurrency: 1,
    });
    const found = await catalog.getMany(items.map((item) => item.itemId));
    expect(found.map((item) => item.itemId).sort()).toEqual(items.map((item) => item.itemId).sort());
    expect(calls).toBeGreaterThan(3);
  });

  it("tries an append again when its transaction lost to a concurrent one, storing each record once", async () => {
    let conflicts = 0;
    const client = faultyClient();
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "TransactWriteItemsCommand" && conflicts < 2) {
          conflicts++;
          throw new TransactionCanceledException({
            message: "Transaction cancelled (injected)",
            $metadata: {},
            CancellationReasons: [{ Code: "TransactionConflict" }, { Code: "None" }],
          });
        }
        return next(args);
      },
      { step: "deserialize", name: "injected-fault", priority: "high" },
    );
    const log = new DynamoDbInteractionLog({
      client: toDocumentClient(client),
      tableName: tables().interactions,
      retry: QUICK_RETRY,
    });
    const record: InteractionRecord = {
      eventId: uniqueId("event"),
      userId: uniqueId("user"),
      itemId: uniqueId("item"),
      type: "click",
      weight: 2,
      occurredAt: Date.now() - 1000,
    };
    expect(await log.append([record])).toEqual({ appended: [record.eventId], duplicates: [] });
    expect(conflicts).toBe(2);
    expect(await log.recentByUser(record.userId)).toEqual([record]);
    expect(await log.append([record])).toEqual({ appended: [], duplicates: [record.eventId] });
  });

  it("refuses an oversized item with PayloadTooLargeError before calling DynamoDB", async () => {
    let calls = 0;
    const client = faultyClient();
    client.middlewareStack.add(
      (next) => async (args) => {
        calls++;
        return next(args);
      },
      { step: "initialize", name: "injected-fault", priority: "high" },
    );
    const catalog = new DynamoDbItemCatalog({
      client: toDocumentClient(client),
      tableName: tables().catalog,
    });
    const huge = catalogItem(uniqueId("item"), { description: "x".repeat(410 * 1024) });
    await expect(catalog.upsert([catalogItem(uniqueId("item")), huge])).rejects.toBeInstanceOf(
      PayloadTooLargeError,
    );
    expect(calls).toBe(0);
  });
});

function throttled(): ProvisionedThroughputExceededException {
  return new ProvisionedThroughputExceededException({
    message: "The level of configured provisioned throughput for the table was exceeded (injected)",
    $metadata: { httpStatusCode: 400 },
  });
}

function batchEntry(userId: string): BatchRecommendations {
  const now = Date.now();
  return {
    userId,
    modelVersion: "model-a",
    items: [
      { itemId: "item-1", score: 0.75 },
      { itemId: "item-2", score: 0.5 },
    ],
    generatedAt: now,
    expiresAt: now + 3600_000,
  };
}

function catalogItem(itemId: string, attributes: Record<string, string> = {}): CatalogItem {
  return { itemId, categories: ["c"], available: true, hidden: false, attributes, updatedAt: 1 };
}
