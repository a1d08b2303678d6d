import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { ConflictError, CorruptDataError, InvalidInputError } from "../../../domain/errors/domain-errors.ts";
import type { ProfileStore, ProfileWriteOptions, UserProfile } from "../../../ports/profile-store.ts";
import { requireNonEmptyText } from "../../embedded/argument-checks.ts";
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./backoff.ts";
import { readInBatches } from "./batch-operations.ts";
import { callDynamoDb } from "./dynamodb-errors.ts";
import { requireWithinItemLimit } from "./dynamodb-item-size.ts";
import { float32FromLittleEndian, toLittleEndianBytes } from "./little-endian-arrays.ts";
import {
  type StoredItem,
  storedBinary,
  storedNullableNumber,
  storedNullableString,
  storedNumber,
  storedString,
  storedStringMap,
} from "./stored-item-fields.ts";

export interface DynamoDbProfileStoreOptions {
  readonly client: DynamoDBDocumentClient;
  /** The profiles table (TABLE_DEFINITIONS.profiles). */
  readonly tableName: string;
  /** Retries of keys BatchGetItem leaves unprocessed. */
  readonly retry?: RetryPolicy;
  /** BatchGetItem calls in flight at once. @default 4 */
  readonly concurrency?: number;
}

/**
 * User profiles, one item per user keyed by userId. The vector is a binary attribute of little-endian
 * float32 (4 bytes a dimension, bit-exact, a quarter of the size of a list of numbers); absent values are
 * stored as NULL. Every write is one UpdateItem that sets every field and the revision together, guarded by a
 * condition when the caller expects a revision, so the read-modify-write of a fold-in cannot lose an update.
 * Reads are strongly consistent, one user by GetItem, many by BatchGetItem, since that read is the first half
 * of such a read-modify-write.
 */
export class DynamoDbProfileStore implements ProfileStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly retry: RetryPolicy;
  private readonly concurrency: number;

  constructor(options: DynamoDbProfileStoreOptions) {
    this.client = options.client;
    this.tableName = requireNonEmptyText(options.tableName, "tableName");
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.concurrency = options.concurrency ?? 4;
  }

  async get(userId: string): Promise<UserProfile | undefined> {
    const output = await callDynamoDb("get profile", () =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: { userId }, ConsistentRead: true })),
    );
    return output.Item === undefined ? undefined : profileFromItem(output.Item);
  }

  async getMany(userIds: readonly string[]): Promise<Map<string, UserProfile>> {
    // Distinct keys: BatchGetItem refuses a key named twice. An empty list makes no call at all.
    const keys = [...new Set(userIds)].map((userId) => ({ userId }));
    const found = await readInBatches(this.client, this.tableName, keys, "read profiles", {
      retry: this.retry,
      concurrency: this.concurrency,
    });
    return new Map(
      found.map((item) => {
        const profile = profileFromItem(item);
        return [profile.userId, profile];
      }),
    );
  }

  async put(profile: Omit<UserProfile, "revision">, options: ProfileWriteOptions = {}): Promise<UserProfile> {
    const userId = requireNonEmptyText(profile.userId, "userId");
    if (profile.vector !== null && !(profile.vector instanceof Float32Array)) {
      throw new InvalidInputError("vector must be a Float32Array or null", "vector");
    }
    const expected = options.expectedRevision;
    if (expected !== undefined && (!Number.isSafeInteger(expected) || expected < 0)) {
      throw new InvalidInputError(
        `expectedRevision must be an integer ≥ 0, got ${expected}`,
        "expectedRevision",
      );
    }
    // Field by field: a caller spreading a profile it read must not smuggle in its old revision.
    const fields: Record<string, unknown> = {
      vector: profile.vector === null ? null : toLittleEndianBytes(profile.vector),
      modelVersion: profile.modelVersion,
      interactionCount: profile.interactionCount,
      lastInteractionAt: profile.lastInteractionAt,
      attributes: { ...profile.attributes },
      updatedAt: profile.updatedAt,
    };
    requireWithinItemLimit("profile", userId, { userId, ...fields, revision: Number.MAX_SAFE_INTEGER });

    const names: Record<string, string> = { "#revision": "revision" };
    const values: Record<string, unknown> = {};
    const assignments = Object.entries(fields).map(([field, value], index) => {
      names[`#f${index}`] = field;
      values[`:f${index}`] = value;
      return `#f${index} = :f${index}`;
    });
    let condition: string | undefined;
    if (expected === undefined) {
      assignments.push("#revision = if_not_exists(#revision, :zero) + :one");
      values[":zero"] = 0;
      values[":one"] = 1;
    } else if (expected === 0) {
      condition = "attribute_not_exists(#revision)";
      assignments.push("#revision = :next");
      values[":next"] = 1;
    } else {
      condition = "#revision = :expected";
      assignments.push("#revision = :next");
      values[":expected"] = expected;
      values[":next"] = expected + 1;
    }

    const output = await callDynamoDb("put profile", () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { userId },
          UpdateExpression: `SET ${assignments.join(", ")}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: "UPDATED_NEW",
        }),
      ),
    ).catch((error: unknown) => {
      if (!(error instanceof ConflictError)) throw error;
      throw new ConflictError(
        `profile ${JSON.stringify(userId)} is not at revision ${expected}, which the write expected`,
        { cause: error },
      );
    });
    const revision = output.Attributes?.revision;
    if (typeof revision !== "number")
      throw new CorruptDataError("put profile: DynamoDB returned no revision");
    return {
      userId,
      vector: profile.vector === null ? null : profile.vector.slice(),
      modelVersion: profile.modelVersion,
      interactionCount: profile.interactionCount,
      lastInteractionAt: profile.lastInteractionAt,
      attributes: { ...profile.attributes },
      updatedAt: profile.updatedAt,
      revision,
    };
  }

  async delete(userId: string): Promise<void> {
    await callDynamoDb("delete profile", () =>
      this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { userId } })),
    );
  }
}

function profileFromItem(item: StoredItem): UserProfile {
  const what = "profile";
  const vector = item.vector;
  return {
    userId: storedString(item, "userId", what),
    vector:
      vector === null || vector === undefined
        ? null
        : float32FromLittleEndian(storedBinary(item, "vector", what), what),
    modelVersion: storedNullableString(item, "modelVersion", what),
    interactionCount: storedNumber(item, "interactionCount", what),
    lastInteractionAt: storedNullableNumber(item, "lastInteractionAt", what),
    attributes: storedStringMap(item, "attributes", what),
    updatedAt: storedNumber(item, "updatedAt", what),
    revision: storedNumber(item, "revision", what),
  };
}
