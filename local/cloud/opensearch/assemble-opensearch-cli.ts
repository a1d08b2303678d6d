// `node local/cloud/opensearch/assemble-opensearch-cli.ts`: assembles the local OpenSearch node into its
// cache (docs/testing.md) ahead of the tests, so that download time is not spent inside a test run.
// Exits 0 when the cache is complete (already, or now), 1 with the reason otherwise.
import { assembleOpenSearch } from "./assemble-opensearch-home.ts";

try {
  const assembled = await assembleOpenSearch({ log: (line) => console.error(line) });
  console.error(
    assembled.assembledNow
      ? `OpenSearch home ready at ${assembled.home} (${Math.round(assembled.elapsedMs / 1000)} s)`
      : `OpenSearch home already assembled at ${assembled.home}`,
  );
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
