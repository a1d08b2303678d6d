import { createDynamoDbDocumentClient, readAwsClientConfig } from "../../layers/adapters/aws/aws-clients.ts";
import { DynamoDbInteractionLog } from "../../layers/adapters/aws/dynamodb/dynamodb-interaction-log.ts";
import { DynamoDbItemCatalog } from "../../layers/adapters/aws/dynamodb/dynamodb-item-catalog.ts";
import { readDynamoDbTableNames } from "../../layers/adapters/aws/dynamodb/dynamodb-table-names.ts";
import { S3ArchiveStore } from "../../layers/adapters/aws/s3/s3-archive-store.ts";
import { createS3Client, readS3ClientConfig } from "../../layers/adapters/aws/s3/s3-client.ts";
import { archiveEvents } from "../../layers/domain/archive/archive-events.ts";
import { interactionOfEvent } from "../../layers/domain/events/interaction-of-event.ts";
import {
  generateCatalog,
  generateInteractions,
} from "../../layers/domain/generator/synthetic-interactions.ts";
import type { ArchiveStore } from "../../layers/ports/archive-store.ts";
import type { StreamEvent } from "../../layers/ports/event-bus.ts";
import type { InteractionLog } from "../../layers/ports/interaction-log.ts";
import type { ItemCatalog } from "../../layers/ports/item-catalog.ts";

export interface PipelineSeedOptions {
  readonly users: number;
  readonly items: number;
  readonly interactions: number;
  /** @default 42 */
  readonly seed?: number;
  /** The share of the newest interactions that reach only the interaction log, not the archive. @default 0.02 */
  readonly recentShare?: number;
  /** The time the newest interaction happened before. @default now */
  readonly now?: number;
  /** Called after each archived or logged chunk with the interactions written so far. */
  readonly progress?: (written: number, total: number) => void;
}

export interface PipelineSeedTargets {
  readonly archive: ArchiveStore;
  readonly log: InteractionLog;
  readonly catalog: ItemCatalog;
}

export interface PipelineSeedResult {
  readonly archived: number;
  readonly logged: number;
  readonly items: number;
}

/**
 * The seed's targets on the stores the environment names (the local cloud's, as provisioned): the artifact
 * bucket's archive, the interactions and catalog tables. Bulk loading an emulator on a busy laptop is slow, so
 * calls wait up to 10 s instead of the request path's 1 s.
 */
export function seedTargetsFromEnvironment(env: NodeJS.ProcessEnv = process.env): PipelineSeedTargets {
  const tables = readDynamoDbTableNames(["interactions", "catalog"], env);
  const client = createDynamoDbDocumentClient(
    readAwsClientConfig({
      FLYWHEEL_AWS_REQUEST_TIMEOUT_MS: "10000",
      FLYWHEEL_AWS_RETRY_BUDGET_MS: "10000",
      ...env,
    }),
  );
  return {
    archive: new S3ArchiveStore({
      client: createS3Client(readS3ClientConfig(env)),
      bucket: env.FLYWHEEL_ARTIFACT_BUCKET ?? "",
    }),
    log: new DynamoDbInteractionLog({ client, tableName: tables.interactions }),
    catalog: new DynamoDbItemCatalog({ client, tableName: tables.catalog }),
  };
}

const HOUR_MS = 3_600_000;
const LOG_BATCH = 500;
const DAY_MS = 86_400_000;

/**
 * What the nightly cycle finds after weeks of traffic, on any adapters: a generated catalog, the older
 * interactions in the Parquet archive (as the archive consumer writes them, hour-partitioned by arrival),
 * and the newest ones only in the interaction log (they arrived after the archive's last file). The
 * generator's timeline is shifted to end a minute before `now`, so the log's 48 h retention keeps them.
 */
export async function seedPipelineData(
  targets: PipelineSeedTargets,
  options: PipelineSeedOptions,
): Promise<PipelineSeedResult> {
  const seed = options.seed ?? 42;
  const now = options.now ?? Date.now();
  const catalog = generateCatalog({ items: options.items, seed });
  const updatedAt = now;
  const catalogItems = [...catalog].map(([itemId, category]) => ({
    itemId,
    title: `Item ${itemId}`,
    categories: [category],
    available: true,
    hidden: false,
    attributes: {},
    updatedAt,
  }));
  for (let i = 0; i < catalogItems.length; i += 1000)
    await targets.catalog.upsert(catalogItems.slice(i, i + 1000));

  const { users, items, interactions } = options;
  const rows = [...generateInteractions({ users, items, interactions, seed, days: 28 })].sort(
    (a, b) => a.timestamp - b.timestamp,
  );
  const shift = now - 60_000 - (rows.at(-1)?.timestamp ?? 0) * 1000;
  let written = 0;
  const events: StreamEvent[] = rows.map((row, n) => {
    const timestamp = row.timestamp * 1000 + shift;
    return {
      eventId: `seed-${seed}-${n}`,
      userId: row.userId,
      itemId: row.itemId,
      type: row.eventType,
      ...(row.value === undefined ? {} : { value: row.value }),
      timestamp,
      receivedAt: timestamp + 250,
    };
  });
  // The log keeps 48 h: whatever is older than a day goes to the archive even if the share asks otherwise.
  const dayAgo = events.findIndex((event) => event.timestamp > now - DAY_MS);
  const recentFrom = Math.max(
    Math.floor(events.length * (1 - (options.recentShare ?? 0.02))),
    dayAgo === -1 ? events.length : dayAgo,
  );
  // One archive batch per hour of arrivals, as the archive consumer writes them (and a bounded number of
  // concurrent PUTs: archiveEvents writes a batch's partitions at once).
  for (let from = 0; from < recentFrom; ) {
    const hour = Math.floor((events[from] as StreamEvent).receivedAt / HOUR_MS);
    let to = from;
    while (to < recentFrom && Math.floor((events[to] as StreamEvent).receivedAt / HOUR_MS) === hour) to++;
    await archiveEvents(targets.archive, `seed-${from}-${to - 1}`, events.slice(from, to));
    written = to;
    from = to;
    options.progress?.(written, events.length);
  }
  const recent = events.slice(recentFrom);
  for (let from = 0; from < recent.length; from += LOG_BATCH) {
    await targets.log.append(recent.slice(from, from + LOG_BATCH).map((event) => interactionOfEvent(event)));
    written = recentFrom + Math.min(from + LOG_BATCH, recent.length);
    options.progress?.(written, events.length);
  }
  return { archived: recentFrom, logged: recent.length, items: catalogItems.length };
}
