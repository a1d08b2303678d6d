// `npm run bench -- [suite …]`: runs the named benchmark suites (all when none is named) and prints one JSON
// line per figure. Suites: als (trainer speed vs implicit, fold-in), quality (MovieLens figures),
// generator (10M rows to disk and back), adapters (hot-path latency per adapter, harness start),
// opensearch (k-NN on a real node at 100K x 64, against the embedded index), streaming (freshness of the
// stream path through the local event-source mapping; stream handler throughput and what bounds it), serving
// (in-process latency of the recommendation handler per cascade tier at 100K items x 64 factors), coldstart
// (each Lambda bundle's size and its init time in a fresh Node process; docs/lambda-packaging.md), startup
// (`npm start` to ready, and its memory), pipeline (one nightly cycle on the local cloud over 1M interactions,
// per step, embedded and Spark trainers side by side; docs/pipeline.md).
import { runAdaptersBench } from "./adapters-bench.ts";
import { runAlsBench } from "./als-bench.ts";
import { printFigure } from "./bench-figure.ts";
import { runColdstartBench } from "./coldstart-bench.ts";
import { runGeneratorBench } from "./generator-bench.ts";
import { runOpenSearchBench } from "./opensearch-bench.ts";
import { runPipelineBench } from "./pipeline-bench.ts";
import { runQualityBench } from "./quality-bench.ts";
import { runServingBench } from "./serving-bench.ts";
import { runStartupBench } from "./startup-bench.ts";
import { runStreamingBench } from "./streaming-bench.ts";

const SUITES: Record<string, () => Promise<void>> = {
  als: () => runAlsBench(printFigure),
  adapters: () => runAdaptersBench(printFigure),
  quality: () => runQualityBench(printFigure),
  opensearch: async () => {
    for (const figure of await runOpenSearchBench()) printFigure(figure);
  },
  streaming: () => runStreamingBench(printFigure),
  serving: () => runServingBench(printFigure),
  coldstart: () => runColdstartBench(printFigure),
  startup: () => runStartupBench(printFigure),
  pipeline: () => runPipelineBench(printFigure),
  generator: async () => {
    for (const figure of await runGeneratorBench()) printFigure(figure);
  },
};

const requested = process.argv.slice(2).filter((arg) => arg !== "--");
const unknown = requested.filter((name) => !(name in SUITES));
if (unknown.length > 0) {
  console.error(`unknown bench suite(s): ${unknown.join(", ")}; known: ${Object.keys(SUITES).join(", ")}`);
  process.exit(2);
}
for (const name of requested.length > 0 ? requested : Object.keys(SUITES)) {
  const suite = SUITES[name];
  if (suite !== undefined) await suite();
}
