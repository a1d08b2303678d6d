import { parseArgs } from "node:util";
import { startLocalApiGateway } from "./local-api-gateway.ts";

/**
 * Serves the route table on 127.0.0.1 until Ctrl-C:
 *
 *   eval "$(npm run -s local-cloud)" &   # or any environment with the endpoints the handlers need
 *   node local/api/local-api-gateway-cli.ts --port 3000
 *
 * The handlers get this process's environment (the local cloud's endpoints, when exported). The API key
 * is FLYWHEEL_LOCAL_API_KEY when set (20 characters or more), else a random one, printed on stderr.
 */
const { values } = parseArgs({
  options: { port: { type: "string" }, stage: { type: "string" } },
});
const port = values.port === undefined ? 0 : Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535)
  throw new Error(`--port must be a port number, got ${values.port}`);
const fixedKey = process.env.FLYWHEEL_LOCAL_API_KEY;

const api = await startLocalApiGateway({
  port,
  ...(values.stage === undefined ? {} : { stageName: values.stage }),
  ...(fixedKey === undefined || fixedKey === ""
    ? {}
    : { apiKeys: [{ id: "local-api-key", value: fixedKey }] }),
});
const key = api.apiKeys[0];
process.stderr.write(
  [
    `local API Gateway on ${api.url}`,
    ...api.routes.map((route) => `  ${route.method.padEnd(6)} ${api.url}${route.path}  (${route.auth})`),
    `x-api-key: ${key?.value ?? "(none)"}`,
    `admin routes: SigV4 for execute-api in ${api.region} with access key ${api.iamCredentials[0]?.accessKeyId ?? "(none)"}`,
    "",
  ].join("\n"),
);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    api.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
