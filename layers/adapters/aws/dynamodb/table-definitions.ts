/**
 * Flywheel's DynamoDB tables, declared once. The CDK data stack (infra/stacks/data-stack.ts) and local
 * provisioning (provision-tables.ts) both build tables from these records, so the emulator and AWS cannot
 * drift apart. Pure data: no CDK, no SDK.
 *
 * Why a few tables (one per port) rather than one single table:
 * - No access pattern reads across ports. The usual gain of a single table (fetching differently shaped
 *   items in one Query) would buy nothing here.
 * - Least privilege stays simple. Each Lambda is granted exactly the tables whose ports it uses, with no
 *   `dynamodb:LeadingKeys` conditions to keep in step with key prefixes.
 * - The lifecycles differ. Interactions live 48 h, batch lists a day, served lists a month, and profiles,
 *   the catalog and the registry until deleted. Write patterns differ as well: the nightly bulk load of
 *   batch lists must not share hot partitions or alarms with profile reads on the serving path.
 * Tables that hold more than one kind of item (interactions plus their dedupe markers, served lists plus
 * feedback markers and counters, model records plus the active pointer) use generic `pk`/`sk` keys with
 * typed prefixes. Each adapter documents its item layout.
 *
 * No table needs a GSI. Every read is a key lookup or a Query of one partition, and that keeps every read
 * strongly consistent (GSIs are only eventually consistent). No table needs a DynamoDB stream either: the
 * event stream is Kinesis, and the stream Lambda invalidates caches itself.
 */

export type KeyAttributeType = "S" | "N" | "B";

export interface KeyAttribute {
  readonly name: string;
  readonly type: KeyAttributeType;
}

export interface GlobalSecondaryIndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  /** Non-key attributes copied into the index; `all` copies every attribute. @default keys only */
  readonly projection?: "keys-only" | "all" | { readonly include: readonly string[] };
}

export type TableBillingMode = "on-demand" | "provisioned";

/** What a DynamoDB stream on the table would carry; absent: no stream. */
export type TableStreamView = "keys-only" | "new-image" | "old-image" | "new-and-old-images";

export interface TableDefinition {
  /** The construct id in CDK and the suffix of a locally provisioned table's name. */
  readonly logicalName: string;
  /** What the table holds, for humans (CDK description tags, docs). */
  readonly purpose: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly globalSecondaryIndexes: readonly GlobalSecondaryIndexDefinition[];
  /** Epoch-seconds attribute DynamoDB deletes items by; absent: items live until deleted. */
  readonly timeToLiveAttribute?: string;
  /** On-demand by default: traffic is spiky (nightly bulk loads, click bursts) and has no baseline yet. */
  readonly billingMode: TableBillingMode;
  /** Read and write capacity units, for `provisioned` billing only. @default 5 each */
  readonly provisionedCapacity?: { readonly readUnits: number; readonly writeUnits: number };
  readonly stream?: TableStreamView;
  /** The environment variable that carries the table's physical name to the code (dynamodb-table-names.ts). */
  readonly tableNameEnvironmentVariable: string;
}

/** The epoch-seconds expiry attribute, named alike wherever a table has one ("ttl" is a reserved word). */
export const EXPIRES_AT_SECONDS_ATTRIBUTE = "expiresAtSeconds";

const stringKey = (name: string): KeyAttribute => ({ name, type: "S" });

export const TABLE_DEFINITIONS = {
  profiles: {
    logicalName: "Profiles",
    purpose:
      "User taste vectors (little-endian float32), counts and model version, with an optimistic revision",
    partitionKey: stringKey("userId"),
    globalSecondaryIndexes: [],
    billingMode: "on-demand",
    tableNameEnvironmentVariable: "FLYWHEEL_PROFILES_TABLE",
  },
  interactions: {
    logicalName: "Interactions",
    purpose:
      "Recent interactions per user (pk USER#<userId>, sk <time>#<eventId>) and one dedupe marker per eventId (pk EVENT#<eventId>), both kept 48 h",
    partitionKey: stringKey("pk"),
    sortKey: stringKey("sk"),
    globalSecondaryIndexes: [],
    timeToLiveAttribute: EXPIRES_AT_SECONDS_ATTRIBUTE,
    billingMode: "on-demand",
    tableNameEnvironmentVariable: "FLYWHEEL_INTERACTIONS_TABLE",
  },
  batchRecommendations: {
    logicalName: "BatchRecommendations",
    purpose: "Nightly recommendation lists per user, expiring by TTL",
    partitionKey: stringKey("userId"),
    globalSecondaryIndexes: [],
    timeToLiveAttribute: EXPIRES_AT_SECONDS_ATTRIBUTE,
    billingMode: "on-demand",
    tableNameEnvironmentVariable: "FLYWHEEL_BATCH_RECOMMENDATIONS_TABLE",
  },
  catalog: {
    logicalName: "Catalog",
    purpose: "Item metadata: title, categories, availability, hidden flag, attributes",
    partitionKey: stringKey("itemId"),
    globalSecondaryIndexes: [],
    billingMode: "on-demand",
    tableNameEnvironmentVariable: "FLYWHEEL_CATALOG_TABLE",
  },
  recommendationLog: {
    logicalName: "RecommendationLog",
    purpose:
      "Served lists (pk SERVED#<id>), feedback dedupe markers (pk FEEDBACK#<eventId>), both expiring, and sharded feedback counters per source and model version (pk COUNTERS#<shard>)",
    partitionKey: stringKey("pk"),
    sortKey: stringKey("sk"),
    globalSecondaryIndexes: [],
    timeToLiveAttribute: EXPIRES_AT_SECONDS_ATTRIBUTE,
    billingMode: "on-demand",
    tableNameEnvironmentVariable: "FLYWHEEL_RECOMMENDATION_LOG_TABLE",
  },
  modelRegistry: {
    logicalName: "ModelRegistry",
    purpose: "Model versions (pk MODEL, sk <version>) and the active-model pointer (pk ACTIVE)",
    partitionKey: stringKey("pk"),
    sortKey: stringKey("sk"),
    globalSecondaryIndexes: [],
    billingMode: "on-demand",
    tableNameEnvironmentVariable: "FLYWHEEL_MODEL_REGISTRY_TABLE",
  },
} as const satisfies Record<string, TableDefinition>;

export type TableKey = keyof typeof TABLE_DEFINITIONS;

export const TABLE_KEYS = Object.keys(TABLE_DEFINITIONS) as TableKey[];
