import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeterministicRanker } from "../../../layers/adapters/embedded/deterministic-ranker.ts";
import { FileSystemModelStore } from "../../../layers/adapters/embedded/file-system-model-store.ts";
import { InMemoryBatchRecStore } from "../../../layers/adapters/embedded/in-memory-batch-rec-store.ts";
import { InMemoryCache } from "../../../layers/adapters/embedded/in-memory-cache.ts";
import {
  InMemoryEventBus,
  KINESIS_MAX_RECORD_BYTES,
} from "../../../layers/adapters/embedded/in-memory-event-bus.ts";
import { InMemoryInteractionLog } from "../../../layers/adapters/embedded/in-memory-interaction-log.ts";
import { InMemoryItemCatalog } from "../../../layers/adapters/embedded/in-memory-item-catalog.ts";
import { InMemoryModelRegistry } from "../../../layers/adapters/embedded/in-memory-model-registry.ts";
import { InMemoryProfileStore } from "../../../layers/adapters/embedded/in-memory-profile-store.ts";
import { InMemoryRecommendationLog } from "../../../layers/adapters/embedded/in-memory-recommendation-log.ts";
import { InMemoryTrendingCounters } from "../../../layers/adapters/embedded/in-memory-trending-counters.ts";
import { InMemoryVectorIndex } from "../../../layers/adapters/embedded/in-memory-vector-index.ts";
import { describeBatchRecStoreContract } from "../../contract/batch-rec-store-contract.ts";
import { describeCacheContract } from "../../contract/cache-contract.ts";
import { describeEventBusContract } from "../../contract/event-bus-contract.ts";
import { describeInteractionLogContract } from "../../contract/interaction-log-contract.ts";
import { describeItemCatalogContract } from "../../contract/item-catalog-contract.ts";
import { createManualClock } from "../../contract/manual-clock.ts";
import { describeModelRegistryContract } from "../../contract/model-registry-contract.ts";
import { describeModelStoreContract } from "../../contract/model-store-contract.ts";
import { describeProfileStoreContract } from "../../contract/profile-store-contract.ts";
import { describeRankerContract } from "../../contract/ranker-contract.ts";
import { describeRecommendationLogContract } from "../../contract/recommendation-log-contract.ts";
import { describeTrendingCountersContract } from "../../contract/trending-counters-contract.ts";
import { describeVectorIndexContract } from "../../contract/vector-index-contract.ts";

// Every embedded adapter against its port's contract suite: a fresh adapter per test, on a manual clock
// wherever the adapter reads time. The AWS adapters run the same suites in test/integration.

const nothingToRelease = async (): Promise<void> => {};

describeProfileStoreContract("in-memory", async () => ({
  subject: new InMemoryProfileStore(),
  cleanup: nothingToRelease,
}));

describeInteractionLogContract("in-memory", async () => {
  const clock = createManualClock();
  return { subject: new InMemoryInteractionLog({ clock: clock.now }), clock, cleanup: nothingToRelease };
});

describeBatchRecStoreContract("in-memory", async () => {
  const clock = createManualClock();
  return { subject: new InMemoryBatchRecStore({ clock: clock.now }), clock, cleanup: nothingToRelease };
});

describeItemCatalogContract("in-memory", async () => ({
  subject: new InMemoryItemCatalog(),
  cleanup: nothingToRelease,
}));

describeRecommendationLogContract("in-memory", async () => ({
  subject: new InMemoryRecommendationLog(),
  cleanup: nothingToRelease,
}));

describeModelRegistryContract("in-memory", async () => ({
  subject: new InMemoryModelRegistry(),
  cleanup: nothingToRelease,
}));

describeModelStoreContract("file system", async () => {
  const root = await mkdtemp(join(tmpdir(), "flywheel-model-store-"));
  return {
    subject: new FileSystemModelStore(root),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
});

describeCacheContract("in-memory", async () => {
  const clock = createManualClock();
  return { subject: new InMemoryCache({ clock: clock.now }), clock, cleanup: nothingToRelease };
});

describeTrendingCountersContract("in-memory", async () => {
  const clock = createManualClock();
  return { subject: new InMemoryTrendingCounters({ clock: clock.now }), clock, cleanup: nothingToRelease };
});

describeVectorIndexContract("in-memory exact", async () => ({
  subject: new InMemoryVectorIndex(),
  cleanup: nothingToRelease,
}));

describeEventBusContract("in-memory", async () => {
  const bus = new InMemoryEventBus();
  return {
    subject: bus,
    maxRecordBytes: KINESIS_MAX_RECORD_BYTES,
    // The queue holds exactly what was published, so it is complete at once.
    readPublished: async (userIds) => {
      const wanted = new Set(userIds);
      return bus.drain().filter((event) => wanted.has(event.userId));
    },
    cleanup: nothingToRelease,
  };
});

describeRankerContract("deterministic", async () => ({
  subject: new DeterministicRanker(),
  failingSubject: new DeterministicRanker({ failure: "error" }),
  cleanup: nothingToRelease,
}));
