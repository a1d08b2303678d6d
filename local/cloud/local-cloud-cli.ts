// `npm run local-cloud -- [--services dynamodb,kinesis,s3,redis,sagemakerRuntime] [--external]`
// Starts the local cloud, prints what runs where (stderr) and the environment as `export` lines (stdout),
// and keeps it running until Ctrl-C (or SIGTERM), which stops everything within 5 s.
import { parseArgs } from "node:util";
import { ALL_LOCAL_SERVICES, type LocalServiceName } from "./emulators/running-emulator.ts";
import { type LocalCloud, startLocalCloud } from "./local-cloud.ts";

/** After this, whatever has not stopped is killed: the CLI promises to be gone within 5 s of Ctrl-C. */
const STOP_DEADLINE_MS = 4_500;

const { values } = parseArgs({
  options: {
    services: { type: "string" },
    external: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
  strict: true,
});

if (values.help) {
  console.log(
    "usage: npm run local-cloud -- [--services a,b,…] [--external]\n" +
      `services: ${ALL_LOCAL_SERVICES.join(", ")} (default: all)\n` +
      "--external: start nothing, use the endpoints already in the environment (= FLYWHEEL_LOCAL_CLOUD=external)\n" +
      "FLYWHEEL_LOCALSTACK_ENDPOINT=http://127.0.0.1:4566: LocalStack serves DynamoDB, Kinesis and S3",
  );
  process.exit(0);
}

let cloud: LocalCloud;
try {
  cloud = await startLocalCloud({
    services: parseServices(values.services),
    ...(values.external ? { mode: "external" as const } : {}),
  });
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}

for (const [name, value] of Object.entries(cloud.env)) console.log(`export ${name}=${shellQuote(value)}`);
console.error("local cloud running; Ctrl-C stops it");

// Nothing else may hold the event loop open (in external mode nothing does), so this does until a signal.
const keepAlive = setInterval(() => {}, 1 << 30);

const shutDown = async (signal: NodeJS.Signals) => {
  console.error(`\n${signal}: stopping the local cloud`);
  // The registry's exit hook SIGKILLs whatever is still running when this fires.
  setTimeout(() => process.exit(1), STOP_DEADLINE_MS).unref();
  await cloud.stop();
  clearInterval(keepAlive);
  console.error("stopped");
  process.exit(0);
};
process.once("SIGINT", shutDown);
process.once("SIGTERM", shutDown);

function parseServices(list: string | undefined): LocalServiceName[] | undefined {
  if (list === undefined) return undefined;
  const names = list
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  const known = new Set<string>(ALL_LOCAL_SERVICES);
  const unknown = names.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    console.error(`unknown service(s): ${unknown.join(", ")}; known: ${ALL_LOCAL_SERVICES.join(", ")}`);
    process.exit(2);
  }
  return ALL_LOCAL_SERVICES.filter((service) => names.includes(service));
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
