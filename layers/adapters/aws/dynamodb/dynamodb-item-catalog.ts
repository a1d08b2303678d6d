import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { ConflictError, NotFoundError } from "../../../domain/errors/domain-errors.ts";
import type { CatalogItem, ItemCatalog } from "../../../ports/item-catalog.ts";
import { requireNonEmptyText } from "../../embedded/argument-checks.ts";
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./backoff.ts";
import { readInBatches, writeInBatches } from "./batch-operations.ts";
import { callDynamoDb } from "./dynamodb-errors.ts";
import { requireWithinItemLimit } from "./dynamodb-item-size.ts";
import {
  type StoredItem,
  storedBoolean,
  storedNumber,
  storedOptionalString,
  storedString,
  storedStringList,
  storedStringMap,
} from "./stored-item-fields.ts";

export interface DynamoDbItemCatalogOptions {
  readonly client: DynamoDBDocumentClient;
  /** The catalog table (TABLE_DEFINITIONS.catalog). */
  readonly tableName: string;
  /** Retries of unprocessed batch writes and reads. */
  readonly retry?: RetryPolicy;
  /** Batch calls in flight at once. @default 4 */
  readonly concurrency?: number;
}

/**
 * Catalog items, one DynamoDB item per catalog item keyed by itemId, with the fields as they are
 * (categories as a list, because order is kept and a list may be empty). Upserts use BatchWriteItem, reads
 * of many items BatchGetItem, both retrying unprocessed work.
 */
export class DynamoDbItemCatalog implements ItemCatalog {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly retry: RetryPolicy;
  private readonly concurrency: number;

  constructor(options: DynamoDbItemCatalogOptions) {
    this.client = options.client;
    this.tableName = requireNonEmptyText(options.tableName, "tableName");
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.concurrency = options.concurrency ?? 4;
  }

  /**
   * Every item is checked against the item size limit before anything is written, so an oversized item
   * rejects the whole call. Past 25 items the writes are not one transaction: a failure of the service
   * half-way leaves some written. Upserts replace whole items, so the caller repeats the call.
   */
  async upsert(items: readonly CatalogItem[]): Promise<void> {
    const stored = new Map<string, Record<string, unknown>>();
    items.forEach((item, index) => {
      const itemId = requireNonEmptyText(item.itemId, `items[${index}].itemId`);
      const storedItem = itemToStore(item);
      requireWithinItemLimit("item", itemId, storedItem);
      // The later entry of an item named twice wins, as a Map keeps it.
      stored.delete(itemId);
      stored.set(itemId, storedItem);
    });
    await writeInBatches(
      this.client,
      this.tableName,
      [...stored.values()].map((Item) => ({ PutRequest: { Item } })),
      "upsert catalog items",
      { retry: this.retry, concurrency: this.concurrency },
    );
  }

  async get(itemId: string): Promise<CatalogItem | undefined> {
    const output = await callDynamoDb("read catalog item", () =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: { itemId }, ConsistentRead: true })),
    );
    return output.Item === undefined ? undefined : catalogItemFromStored(output.Item);
  }

  async getMany(itemIds: readonly string[]): Promise<CatalogItem[]> {
    const keys = [...new Set(itemIds)].map((itemId) => ({ itemId }));
    const found = await readInBatches(this.client, this.tableName, keys, "read catalog items", {
      retry: this.retry,
      concurrency: this.concurrency,
    });
    return found.map(catalogItemFromStored);
  }

  async hide(itemId: string, at: number): Promise<void> {
    await callDynamoDb("hide catalog item", () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { itemId },
          // Names through placeholders: HIDDEN is one of DynamoDB's reserved words.
          UpdateExpression: "SET #hidden = :hidden, #updatedAt = :at",
          ConditionExpression: "attribute_exists(itemId)",
          ExpressionAttributeNames: { "#hidden": "hidden", "#updatedAt": "updatedAt" },
          ExpressionAttributeValues: { ":hidden": true, ":at": at },
        }),
      ),
    ).catch((error: unknown) => {
      if (!(error instanceof ConflictError)) throw error;
      throw new NotFoundError(`item ${JSON.stringify(itemId)} is not in the catalog`);
    });
  }
}

function itemToStore(item: CatalogItem): Record<string, unknown> {
  return {
    itemId: item.itemId,
    ...(item.title === undefined ? {} : { title: item.title }),
    categories: [...item.categories],
    available: item.available,
    hidden: item.hidden,
    attributes: { ...item.attributes },
    updatedAt: item.updatedAt,
  };
}

function catalogItemFromStored(stored: StoredItem): CatalogItem {
  const what = "catalog item";
  const title = storedOptionalString(stored, "title", what);
  return {
    itemId: storedString(stored, "itemId", what),
    ...(title === undefined ? {} : { title }),
    categories: storedStringList(stored, "categories", what),
    available: storedBoolean(stored, "available", what),
    hidden: storedBoolean(stored, "hidden", what),
    attributes: storedStringMap(stored, "attributes", what),
    updatedAt: storedNumber(stored, "updatedAt", what),
  };
}
