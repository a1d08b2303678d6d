// `node local/cloud/kafka/assemble-kafka-cli.ts`: assembles the local Kafka broker into its cache (once; a
// complete cache is left alone), so that a test run does not spend its first minute downloading. `.ci/run`
// calls it before the tests.
import { assembleKafka } from "./assemble-kafka.ts";

try {
  const assembled = await assembleKafka({ log: (line) => console.error(line) });
  console.error(
    assembled.assembledNow
      ? `Kafka ready at ${assembled.cache.root} (assembled in ${Math.round(assembled.elapsedMs / 1000)} s)`
      : `Kafka already assembled at ${assembled.cache.root}`,
  );
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
