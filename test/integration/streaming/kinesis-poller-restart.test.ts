import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKinesisClient } from "../../../layers/adapters/aws/kinesis/kinesis-client.ts";
import { waitUntil } from "../local-cloud/wait-until.ts";
import {
  createTestStream,
  deleteTestStream,
  putRecords,
  type StoredRecord,
  type TestStream,
} from "./streaming-fixtures.ts";

// At least once across a crash: a poller in a child process is killed with SIGKILL in the middle of a slow
// batch, then a new process resumes from the file checkpoint store. Nothing is lost; only the unfinished
// batch is delivered twice.

const CHILD_SCRIPT = fileURLToPath(new URL("./poller-child-process.ts", import.meta.url));

let kinesis: KinesisClient;
let stream: TestStream | undefined;
let directory: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  kinesis = createKinesisClient();
  directory = await mkdtemp(join(tmpdir(), "flywheel-poller-restart-"));
});

afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await deleteTestStream(kinesis, stream);
  kinesis.destroy();
  await rm(directory, { recursive: true, force: true });
});

interface RunningChild {
  readonly process: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly stderr: () => string;
}

function startChild(env: Record<string, string>): RunningChild {
  const child = spawn(process.execPath, [CHILD_SCRIPT], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  children.push(child);
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  return { process: child, exited, stderr: () => stderr };
}

/** The delivery log's lines as [run, data]. */
function deliveries(path: string): Array<[string, string]> {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const [run = "", data = ""] = line.split(" ");
      return [run, data];
    });
}

describe("a poller killed mid-batch and restarted", () => {
  it("resumes after its last checkpoint, redelivering only the unfinished batch", async () => {
    stream = await createTestStream(kinesis, 1);
    const data = Array.from({ length: 30 }, (_, index) => `r${String(index).padStart(2, "0")}`);
    const put: StoredRecord[] = await putRecords(
      kinesis,
      stream.streamName,
      data.map((item) => ({ partitionKey: "k", data: item })),
    );
    const deliveryLog = join(directory, "deliveries.log");
    const checkpointFile = join(directory, "checkpoints.json");
    const shared = {
      POLLER_STREAM_NAME: stream.streamName,
      POLLER_DELIVERY_LOG: deliveryLog,
      POLLER_CHECKPOINT_FILE: checkpointFile,
    };

    // Run 1 handles batches r00–r04, r05–r09 and r10–r14, then hangs in r15–r19 and is killed.
    const first = startChild({ ...shared, POLLER_RUN: "first", POLLER_HANG_ON: "r17" });
    await waitUntil(
      "the first poller hangs in the batch holding r17",
      async () => {
        if (first.process.exitCode !== null)
          throw new Error(`the first poller exited early: ${first.stderr()}`);
        return deliveries(deliveryLog).some(([run, item]) => run === "first" && item === "hanging")
          ? true
          : undefined;
      },
      { timeoutMs: 20_000 },
    );
    first.process.kill("SIGKILL");
    expect(await first.exited).toEqual({ code: null, signal: "SIGKILL" });
    const checkpoints = JSON.parse(readFileSync(checkpointFile, "utf8")) as {
      streams: Record<string, Record<string, Record<string, { sequenceNumber?: string }>>>;
    };
    const saved = checkpoints.streams[stream.streamArn]?.["restart-test"]?.[put[0]?.shardId ?? ""];
    expect(saved?.sequenceNumber).toBe(put[14]?.sequenceNumber);

    // Run 2 starts after r14, redelivers the batch that was in flight, and reads to the end.
    const second = startChild({ ...shared, POLLER_RUN: "second" });
    const outcome = await waitUntil(
      "the second poller exits",
      async () => {
        const { exitCode: code, signalCode: signal } = second.process;
        return code === null && signal === null ? undefined : { code, signal };
      },
      { timeoutMs: 40_000 },
    );
    expect(outcome, second.stderr()).toEqual({ code: 0, signal: null });

    const log = deliveries(deliveryLog);
    const firstRun = log
      .filter(([run, item]) => run === "first" && item !== "hanging")
      .map(([, item]) => item);
    const secondRun = log.filter(([run]) => run === "second").map(([, item]) => item);
    expect(firstRun).toEqual(data.slice(0, 20));
    expect(secondRun).toEqual(data.slice(15));
    expect(new Set([...firstRun, ...secondRun])).toEqual(new Set(data));
  });
});
