import { spawn } from "node:child_process";
import type { Dirent } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { GetObjectCommand, PutObjectCommand, paginateListObjectsV2, type S3Client } from "@aws-sdk/client-s3";
import { createS3Client } from "../../layers/adapters/aws/s3/s3-client.ts";
import type { SparkTrainer } from "./run-nightly.ts";

const SPARK_DIRECTORY = fileURLToPath(new URL("../../spark/", import.meta.url));
/** What EMR Serverless answers when a job run ends in FAILED: the state machine's Catch takes it. */
const JOB_RUN_FAILED = "EmrServerless.JobRunFailed";
/** The arguments that name inputs the job reads and outputs it writes (spark/README.md). */
const INPUT_FLAGS = new Set(["--archive", "--recent", "--exclude-events"]);
const OUTPUT_FLAGS = new Set(["--out", "--model-out"]);

export interface LocalSparkTrainerOptions {
  /** @default FLYWHEEL_PYTHON or python3 */
  readonly python?: string;
  /** @default local[2] */
  readonly master?: string;
  /** For `s3://` locations (the local cloud's S3). @default a client from the environment */
  readonly s3?: S3Client;
  /** Receives the job's output lines (Spark logs to stderr). @default dropped */
  readonly log?: (line: string) => void;
}

/**
 * TrainOnSpark on this machine: runs the Spark job (spark/) in local mode with the EntryPointArguments the
 * state machine would give EMR Serverless. EMR reads and writes `s3://` through EMRFS; a local Spark has no
 * S3 connector, so `s3://` inputs are copied to a temporary directory first and the outputs copied back
 * after a successful run (the model's manifest last, as the model store expects). File paths pass as they are.
 */
export function localSparkTrainer(options: LocalSparkTrainerOptions = {}): SparkTrainer {
  const python = options.python ?? process.env.FLYWHEEL_PYTHON ?? "python3";
  return async (startJobRun) => {
    const args = entryPointArguments(startJobRun);
    const s3 = options.s3 ?? createS3Client();
    const staging = await mkdtemp(join(tmpdir(), "flywheel-spark-run-"));
    try {
      const outputs: Array<{ readonly local: string; readonly remote: S3Location }> = [];
      const localArgs: string[] = [];
      for (let i = 0; i < args.length; i++) {
        const arg = args[i] as string;
        const flag = args[i - 1];
        const remote = flag === undefined ? undefined : parseS3Location(arg);
        if (remote === undefined || flag === undefined) {
          localArgs.push(arg);
        } else if (INPUT_FLAGS.has(flag)) {
          const local = join(staging, `input-${i}`);
          await (flag === "--archive"
            ? downloadPrefix(s3, { ...remote, key: `${remote.key}events/` }, join(local, "events"))
            : downloadObject(s3, remote, local));
          localArgs.push(local);
        } else if (OUTPUT_FLAGS.has(flag)) {
          const local = join(staging, `output-${i}`);
          outputs.push({ local, remote });
          localArgs.push(local);
        } else {
          localArgs.push(arg);
        }
      }
      await runJob(python, [...localArgs, "--master", options.master ?? "local[2]"], options.log);
      for (const { local, remote } of outputs) await uploadDirectory(s3, local, remote);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  };
}

interface S3Location {
  readonly bucket: string;
  /** No leading slash; a prefix ends with one. */
  readonly key: string;
}

function parseS3Location(value: string): S3Location | undefined {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(value);
  if (match === null) return undefined;
  return { bucket: match[1] as string, key: match[2] as string };
}

function entryPointArguments(startJobRun: unknown): string[] {
  const args = (startJobRun as { JobDriver?: { SparkSubmit?: { EntryPointArguments?: unknown } } })?.JobDriver
    ?.SparkSubmit?.EntryPointArguments;
  if (!Array.isArray(args) || !args.every((arg) => typeof arg === "string")) {
    throw namedError(JOB_RUN_FAILED, "StartJobRun without JobDriver.SparkSubmit.EntryPointArguments");
  }
  return args;
}

function runJob(python: string, args: readonly string[], log?: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, ["-m", "flywheel_spark.train_als", ...args], {
      cwd: SPARK_DIRECTORY,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const tail: string[] = [];
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (line.trim() === "") continue;
        log?.(line);
        tail.push(line);
        if (tail.length > 20) tail.shift();
      }
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.on("error", (error) =>
      reject(namedError(JOB_RUN_FAILED, `could not start ${python}: ${error.message}`)),
    );
    child.on("close", (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          namedError(JOB_RUN_FAILED, `Spark job exited with ${signal ?? `code ${code}`}: ${tail.join("\n")}`),
        );
    });
  });
}

async function downloadObject(s3: S3Client, from: S3Location, to: string): Promise<void> {
  const response = await s3.send(new GetObjectCommand({ Bucket: from.bucket, Key: from.key }));
  await mkdir(dirname(to), { recursive: true });
  await writeFile(to, (await response.Body?.transformToByteArray()) ?? new Uint8Array(0));
}

async function downloadPrefix(s3: S3Client, from: S3Location, to: string): Promise<void> {
  // An archive with no file yet is an empty directory, which Spark reads as no events.
  await mkdir(to, { recursive: true });
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: from.bucket, Prefix: from.key })) {
    for (const object of page.Contents ?? []) {
      if (object.Key === undefined || object.Key.endsWith("/")) continue;
      await downloadObject(
        s3,
        { bucket: from.bucket, key: object.Key },
        join(to, object.Key.slice(from.key.length)),
      );
    }
  }
}

async function uploadDirectory(s3: S3Client, from: string, to: S3Location): Promise<void> {
  const files = await filesUnder(from);
  const prefix = to.key === "" || to.key.endsWith("/") ? to.key : `${to.key}/`;
  // The manifest last: a reader that finds it finds every file it lists.
  const ordered = [
    ...files.filter((f) => f !== "manifest.json"),
    ...files.filter((f) => f === "manifest.json"),
  ];
  for (const file of ordered) {
    await s3.send(
      new PutObjectCommand({
        Bucket: to.bucket,
        Key: `${prefix}${file}`,
        Body: await readFile(join(from, file)),
      }),
    );
  }
}

async function filesUnder(root: string, relative = ""): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(join(root, relative), { withFileTypes: true });
  } catch {
    return [];
  }
  const files: string[] = [];
  for (const entry of entries) {
    const path = relative === "" ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) files.push(...(await filesUnder(root, path)));
    else if (entry.isFile() && !entry.name.startsWith(".")) files.push(path);
  }
  return files;
}

function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}
