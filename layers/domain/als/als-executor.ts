import { Worker } from "node:worker_threads";
import { type AlsSharedState, type AlsTask, chunkCount, runAlsChunk, threadContext } from "./als-kernel.ts";
import { instantiateKernels } from "./wasm/wasm-kernels.ts";

/** Runs the chunks of an ALS task to completion, on this thread or across worker threads. */
export interface AlsExecutor {
  run(task: AlsTask): Promise<void>;
  close(): Promise<void>;
}

/** Single-threaded: chunks in order on the calling thread. */
export function inlineExecutor(state: AlsSharedState): AlsExecutor {
  const context = threadContext(state, instantiateKernels(state.kernelModule, state.memory), 0);
  return {
    async run(task) {
      const chunks = chunkCount(state, task);
      for (let c = 0; c < chunks; c++) runAlsChunk(state, task, c, context);
    },
    async close() {},
  };
}

export type WorkerRequest =
  | { readonly type: "init"; readonly state: AlsSharedState; readonly threadIndex: number }
  | { readonly type: "run"; readonly task: AlsTask };
export type WorkerReply = { readonly type: "done" } | { readonly type: "error"; readonly message: string };

/**
 * `threads` workers over the shared state; each claims chunks from a shared atomic counter until none
 * are left, so a slow chunk never idles the other workers.
 */
export async function workerExecutor(state: AlsSharedState, threads: number): Promise<AlsExecutor> {
  const workers = Array.from(
    { length: threads },
    () => new Worker(new URL("./als-worker.ts", import.meta.url)),
  );
  const send = (worker: Worker, request: WorkerRequest): Promise<void> =>
    new Promise((resolve, reject) => {
      const cleanup = (): void => {
        worker.off("message", onMessage);
        worker.off("error", onError);
        worker.off("exit", onExit);
      };
      const onMessage = (reply: WorkerReply): void => {
        cleanup();
        if (reply.type === "done") resolve();
        else reject(new Error(`ALS worker failed: ${reply.message}`));
      };
      const onError = (error: Error): void => {
        cleanup();
        reject(error);
      };
      const onExit = (code: number): void => {
        cleanup();
        reject(new Error(`ALS worker exited with code ${code}`));
      };
      worker.on("message", onMessage);
      worker.on("error", onError);
      worker.on("exit", onExit);
      worker.postMessage(request);
    });
  try {
    await Promise.all(
      workers.map((worker, threadIndex) => send(worker, { type: "init", state, threadIndex })),
    );
  } catch (error) {
    await Promise.all(workers.map((worker) => worker.terminate()));
    throw error;
  }
  return {
    async run(task) {
      Atomics.store(state.chunkCounter, 0, 0);
      await Promise.all(workers.map((worker) => send(worker, { type: "run", task })));
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}
