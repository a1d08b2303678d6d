import { parentPort } from "node:worker_threads";
import type { WorkerReply, WorkerRequest } from "./als-executor.ts";
import {
  type AlsSharedState,
  type AlsThreadContext,
  chunkCount,
  runAlsChunk,
  threadContext,
} from "./als-kernel.ts";
import { instantiateKernels } from "./wasm/wasm-kernels.ts";

// A worker thread of an ALS training run: receives the shared state once, then claims chunks of each task.
const port = parentPort;
if (port === null) throw new Error("als-worker.ts must run as a worker thread");

let state: AlsSharedState | undefined;
let context: AlsThreadContext | undefined;

port.on("message", (request: WorkerRequest) => {
  const reply = (message: WorkerReply): void => port.postMessage(message);
  try {
    if (request.type === "init") {
      state = request.state;
      context = threadContext(
        state,
        instantiateKernels(state.kernelModule, state.memory),
        request.threadIndex,
      );
      reply({ type: "done" });
      return;
    }
    if (state === undefined || context === undefined) throw new Error("run before init");
    const chunks = chunkCount(state, request.task);
    for (;;) {
      const chunk = Atomics.add(state.chunkCounter, 0, 1);
      if (chunk >= chunks) break;
      runAlsChunk(state, request.task, chunk, context);
    }
    reply({ type: "done" });
  } catch (error) {
    reply({ type: "error", message: error instanceof Error ? error.message : String(error) });
  }
});
