import { archiveStoreFromEnvironment, createArchiveHandler } from "./create-archive-handler.ts";

// Built once per cold start from the environment; a missing variable fails here, not on a batch.
/** The archive Lambda: the event stream's second consumer, writing the Parquet archive. */
export const handler = createArchiveHandler(archiveStoreFromEnvironment());
