import type { KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import { ARTIFACT_BUCKET_DEFINITION } from "../../infra/config/data-resource-definitions.ts";
import { S3ArchiveStore } from "../../layers/adapters/aws/s3/s3-archive-store.ts";
import { createS3Client, readS3ClientConfig } from "../../layers/adapters/aws/s3/s3-client.ts";
import { FileSystemArchiveStore } from "../../layers/adapters/embedded/file-system-archive-store.ts";
import { archiveEvents } from "../../layers/domain/archive/archive-events.ts";
import { InvalidInputError } from "../../layers/domain/errors/domain-errors.ts";
import type { ArchiveStore } from "../../layers/ports/archive-store.ts";
import type { StreamEvent } from "../../layers/ports/event-bus.ts";
import { recordMetric } from "../commons/application-metrics.ts";
import { observedHandler } from "../commons/observed-handler.ts";
import { kinesisBatchCorrelationId, kinesisDeliveredRecords } from "./kinesis-event-records.ts";

/** Set by the local runtime: archive into this directory instead of the artifact bucket. */
export const ARCHIVE_DIRECTORY_VARIABLE = "FLYWHEEL_ARCHIVE_DIR";
const ARTIFACT_BUCKET_VARIABLE = ARTIFACT_BUCKET_DEFINITION.bucketNameEnvironmentVariable;
/** Poison positions named in one log line; the count is always complete. */
const MAX_POISON_LOGGED = 10;

/** The archive the environment names: a directory (FLYWHEEL_ARCHIVE_DIR) or the artifact bucket. */
export function archiveStoreFromEnvironment(env: NodeJS.ProcessEnv = process.env): ArchiveStore {
  const directory = env[ARCHIVE_DIRECTORY_VARIABLE]?.trim();
  if (directory !== undefined && directory !== "") return new FileSystemArchiveStore(directory);
  const bucket = env[ARTIFACT_BUCKET_VARIABLE]?.trim();
  if (bucket === undefined || bucket === "") {
    throw new InvalidInputError(
      `${ARTIFACT_BUCKET_VARIABLE} must be set (or ${ARCHIVE_DIRECTORY_VARIABLE}, for a local archive)`,
      ARTIFACT_BUCKET_VARIABLE,
    );
  }
  return new S3ArchiveStore({ client: createS3Client(readS3ClientConfig(env)), bucket });
}

export interface ArchiveBatchLogEntry {
  readonly message: "archive batch";
  readonly source: "kinesis";
  readonly batchId: string;
  readonly records: number;
  readonly archived: number;
  readonly poison: number;
  /** Where the first poison records are (sequence number, offending field); never their contents. */
  readonly poisonRecords?: ReadonlyArray<{ readonly position: string; readonly field: string }>;
  readonly objects: readonly string[];
}

/** One structured line per batch (Lambda's JSON log format picks it up), WARN when records were skipped. */
function logArchiveBatch(entry: ArchiveBatchLogEntry): void {
  const line = JSON.stringify(entry);
  if (entry.poison > 0) console.warn(line);
  else console.info(line);
}

/**
 * The archive Lambda, the event stream's second consumer: writes each delivered batch's valid events to the
 * raw event archive (layers/domain/archive/archive-events.ts). A poison record is skipped and counted: the
 * stream Lambda sends it to the dead-letter queue, and the archive keeps only events. The batch id is
 * `<shardId>-<firstSequence>-<lastSequence>`, so a batch delivered again overwrites its own objects. A store
 * failure throws: the event-source mapping then retries the whole batch, which the overwrite absorbs.
 */
export function createArchiveHandler(
  store: ArchiveStore,
  log: (entry: ArchiveBatchLogEntry) => void = logArchiveBatch,
) {
  const archiveBatch = async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => {
    const records = kinesisDeliveredRecords(event);
    const first = records[0];
    const last = records[records.length - 1];
    if (first === undefined || last === undefined) return { batchItemFailures: [] };
    const events: StreamEvent[] = [];
    const poison: Array<{ position: string; field: string }> = [];
    for (const record of records) {
      if ("event" in record) events.push(record.event);
      else poison.push({ position: record.position, field: record.poison.field ?? "record" });
    }
    const batchId = `${first.shardId}-${first.position}-${last.position}`;
    const objects = await archiveEvents(store, batchId, events);
    log({
      message: "archive batch",
      source: "kinesis",
      batchId,
      records: records.length,
      archived: events.length,
      poison: poison.length,
      ...(poison.length > 0 ? { poisonRecords: poison.slice(0, MAX_POISON_LOGGED) } : {}),
      objects,
    });
    recordMetric.eventsArchived(events.length);
    return { batchItemFailures: [] };
  };
  return observedHandler(archiveBatch, { correlationIdOf: kinesisBatchCorrelationId });
}
