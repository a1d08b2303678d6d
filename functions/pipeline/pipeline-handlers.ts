import { createPipelineHandlers } from "./create-pipeline-handlers.ts";
import { pipelineDependenciesFromEnvironment } from "./pipeline-dependencies-from-environment.ts";

// Built once per cold start; a missing variable fails here, not in the middle of a run. One module, one
// export per state (the CDK function's handler names the export, e.g. `pipeline-handlers.prepareData`).
const handlers = createPipelineHandlers(pipelineDependenciesFromEnvironment());

export const prepareData = handlers.prepareData;
export const train = handlers.train;
export const evaluate = handlers.evaluate;
export const reject = handlers.reject;
export const refreshVectors = handlers.refreshVectors;
export const planBatchRecs = handlers.planBatchRecs;
export const publishBatchFile = handlers.publishBatchFile;
export const registerModel = handlers.registerModel;
export const markFailed = handlers.markFailed;
