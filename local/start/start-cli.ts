// `npm start -- [--port 3000] [--web-port 3001] [--data PATH] [--users 2000 --items 1000 --interactions 100000
//               --seed 42] [--embedded] [--verbose] [--ready-json]`
// All of Flywheel on this machine (start-flywheel.ts), until Ctrl-C, which stops everything within 5 s.
import { createWriteStream, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { format, parseArgs } from "node:util";
import { TerminalProgress } from "../../cli/terminal-progress.ts";
import { LOCAL_CREDENTIALS } from "../cloud/local-cloud.ts";
import type { DataSource, RunningFlywheel } from "./start-flywheel.ts";

/** After this, whatever has not stopped is killed: the CLI promises to be gone within 5 s of Ctrl-C. */
const STOP_DEADLINE_MS = 4_500;

const USAGE = `usage: npm start -- [options]
  --port N            the API (API Gateway stand-in) on 127.0.0.1:N (default 3000; 0 = a free port)
  --web-port N        the web app (default: the API's port + 1)
  --data PATH         load a data set instead of generating one: MovieLens 100K (its folder or u.data;
                      titles and genres from u.item), MovieLens ratings.csv (titles from movies.csv),
                      or a CSV with header user_id,item_id,value,timestamp[,event_type]
  --users N --items N --interactions N --seed N
                      the generated demo data (default 2000 users, 1000 items, 100000 interactions, seed 42)
  --embedded          start no emulator: every port on its in-process adapter
  --verbose           request and stream logs on the terminal instead of the log file
  --ready-json        print one JSON line on stdout once ready (for scripts)
FLYWHEEL_LOCAL_API_KEY fixes the development API key (20+ characters); FLYWHEEL_OPENSEARCH=off skips OpenSearch.`;

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "3000" },
    "web-port": { type: "string" },
    data: { type: "string" },
    users: { type: "string", default: "2000" },
    items: { type: "string", default: "1000" },
    interactions: { type: "string", default: "100000" },
    seed: { type: "string", default: "42" },
    embedded: { type: "boolean", default: false },
    verbose: { type: "boolean", default: false },
    "ready-json": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
  strict: true,
});

if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const port = integerOption("port", values.port, 0, 65_535);
const webPort =
  values["web-port"] === undefined ? undefined : integerOption("web-port", values["web-port"], 0, 65_535);
if (values.data !== undefined && !existsSync(values.data)) fail(`--data: ${values.data} does not exist`);
const data: DataSource =
  values.data !== undefined
    ? { kind: "file", path: values.data }
    : {
        kind: "generated",
        users: integerOption("users", values.users, 1, 10_000_000),
        items: integerOption("items", values.items, 1, 1_000_000),
        interactions: integerOption("interactions", values.interactions, 1, 50_000_000),
        seed: integerOption("seed", values.seed, 0, 2 ** 32 - 1),
      };
const fixedKey = process.env.FLYWHEEL_LOCAL_API_KEY;
if (fixedKey !== undefined && fixedKey !== "" && fixedKey.length < 20)
  fail("FLYWHEEL_LOCAL_API_KEY must be at least 20 characters (API Gateway's minimum)");

// Request lines, stream batches and the handlers' own logs go to a file: the terminal keeps the banner.
const logFile = join(tmpdir(), `flywheel-start-${port}.log`);
const logStream = values.verbose ? undefined : createWriteStream(logFile, { flags: "w" });
const log = (line: string) => {
  if (logStream === undefined) process.stderr.write(`${line}\n`);
  else logStream.write(`${line}\n`);
};
if (logStream !== undefined) {
  for (const level of ["log", "info", "warn", "debug"] as const)
    console[level] = (...args: unknown[]) => log(format(...args));
}

// Powertools' logger and metrics write to the global console in dev mode (else to their own), so that the
// handlers' logs and EMF lines land in the log file too. Set before the handler modules load.
process.env.POWERTOOLS_DEV ??= "true";
const { startFlywheel } = await import("./start-flywheel.ts");

const startedAt = performance.now();
const progress = new TerminalProgress();
const aborted = new AbortController();
let flywheel: RunningFlywheel | undefined;
let stopping = false;
const stopped = (): never => {
  process.stderr.write("stopped\n");
  logStream?.end();
  process.exit(0);
};
const shutDown = (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  progress.done();
  process.stderr.write(`\n${signal}: stopping Flywheel\n`);
  // The process registry's exit hook SIGKILLs whatever emulator is still running when this fires.
  setTimeout(() => process.exit(1), STOP_DEADLINE_MS).unref();
  // While starting, the abort stops what has started, and the start fails once it has (handled below).
  if (flywheel === undefined) aborted.abort();
  else void flywheel.stop().finally(stopped);
};
// `on`, not `once`: the process registry re-raises a signal nobody else listens to once its emulators are
// down, and a `once` listener is gone by then (shutDown itself ignores repeats).
process.on("SIGINT", shutDown);
process.on("SIGTERM", shutDown);

try {
  flywheel = await startFlywheel({
    data,
    port,
    ...(webPort === undefined ? {} : { webPort }),
    embedded: values.embedded,
    ...(fixedKey === undefined || fixedKey === "" ? {} : { apiKey: fixedKey }),
    signal: aborted.signal,
    log,
    report: {
      phase: (name) => {
        progress.done();
        process.stderr.write(
          `• ${((performance.now() - startedAt) / 1000).toFixed(1).padStart(5)} s  ${name}\n`,
        );
      },
      progress: (label, done, total) => progress.bar(label, done, total),
    },
  });
} catch (error) {
  if (stopping) stopped();
  progress.done();
  console.error = (...args: unknown[]) => process.stderr.write(`${format(...args)}\n`);
  process.stderr.write(`npm start failed: ${error instanceof Error ? error.message : String(error)}\n`);
  if (process.env.FLYWHEEL_DEBUG === "1" && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  process.exit(1);
}
progress.done();
if (stopping) {
  // The signal came after the last step of the start: the running runtime is stopped as usual.
  await flywheel.stop();
  stopped();
}
process.stdout.write(banner(flywheel, logStream === undefined ? undefined : logFile));
if (values["ready-json"])
  process.stdout.write(
    `${JSON.stringify({
      ready: true,
      readyMs: flywheel.readyMs,
      apiUrl: flywheel.apiUrl,
      webUrl: flywheel.webUrl,
      apiKey: flywheel.apiKey,
      mode: flywheel.mode,
      nightly: flywheel.nightly.status,
      runId: flywheel.nightly.runId,
      phaseSeconds: flywheel.phaseSeconds,
      nightlySteps: flywheel.nightly.steps,
      vectorIndex: flywheel.vectorIndex,
      fallbacks: flywheel.fallbacks,
      pid: process.pid,
    })}\n`,
  );
// The servers hold the event loop open until a signal.

function banner(running: RunningFlywheel, logPath: string | undefined): string {
  const { apiUrl, apiKey } = running;
  const services = running.services.map((info) => `${info.service} ${info.endpoint} (${info.source})`);
  const nightly =
    running.nightly.status === "SUCCEEDED"
      ? `run ${running.nightly.runId} SUCCEEDED in ${running.nightly.seconds} s: model ${running.nightly.runId} is active`
      : `run ${running.nightly.runId} ${running.nightly.status}: ${running.nightly.error ?? ""} ${running.nightly.cause ?? ""} (recommendations come from the popular tier until a run succeeds)`;
  const lines = [
    "",
    `Flywheel is running (${running.mode === "emulators" ? "local cloud" : "embedded adapters"}), ready in ${(running.readyMs / 1000).toFixed(1)} s`,
    "",
    `  Web app        ${running.webUrl}${running.webApp === "missing" ? "  (the build failed: npm run build:web)" : ""}`,
    `  API            ${apiUrl}/v1/…  (the route table, API-key and IAM auth as in AWS)`,
    `  API key        ${apiKey}`,
    `                 curl -H 'x-api-key: ${apiKey}' ${apiUrl}/v1/users/u1/recommendations`,
    `  Admin API      ${apiUrl}/v1/admin/…  signed with SigV4 (service execute-api, region us-east-1),`,
    `                 access key ${LOCAL_CREDENTIALS.accessKeyId}, secret ${LOCAL_CREDENTIALS.secretAccessKey} (the local cloud's dummy credentials), e.g.`,
    `                 awscurl --service execute-api --region us-east-1 --access_key ${LOCAL_CREDENTIALS.accessKeyId} --secret_key ${LOCAL_CREDENTIALS.secretAccessKey} ${apiUrl}/v1/admin/models`,
    "                 The web app's admin dashboard reaches it through a signing proxy that exists only in",
    `                 the local runtime (${running.webUrl}/_local/admin/v1/admin/…).`,
    `  Step Functions ${running.stepFunctionsEndpoint}  (AWS_ENDPOINT_URL_SFN; the nightly state machine)`,
    "",
    `  Data           ${running.dataSet}`,
    `                 ${running.seeded.items} catalog items, ${running.seeded.archived} interactions archived, ${running.seeded.logged} in the interaction log, ${running.seeded.trended} counted as trending`,
    `  Nightly        ${nightly}`,
    `  Vector index   ${running.vectorIndex}`,
    `  Cache          ${running.cache}`,
    ...(services.length === 0 ? [] : [`  Emulators      ${services.join("\n                 ")}`]),
    ...(running.fallbacks.length === 0
      ? []
      : [`  Stand-ins      ${running.fallbacks.join("\n                 ")}`]),
    ...(logPath === undefined ? [] : [`  Logs           ${logPath}`]),
    "",
    "Ctrl-C stops everything.",
    "",
  ];
  return lines.join("\n");
}

function integerOption(name: string, text: string | undefined, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text ?? "") || !Number.isSafeInteger(value) || value < min || value > max)
    fail(`--${name} must be an integer from ${min} to ${max}, got ${text}`);
  return value;
}

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}
