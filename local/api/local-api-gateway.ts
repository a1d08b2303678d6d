import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { API_ROUTE_TABLE, type RouteDefinition, type RouteTable } from "../../functions/api/route-table.ts";
import { validateRouteTable } from "../../functions/api/route-table-validation.ts";
import {
  DEFAULT_USAGE_PLAN_THROTTLE,
  type UsagePlanThrottle,
} from "../../functions/api/usage-plan-throttle.ts";
import { functionEnvironmentVariables } from "../../functions/commons/function-environment.ts";
import { listenOnLoopback } from "../cloud/listen-on-loopback.ts";
import { LOCAL_CREDENTIALS } from "../cloud/local-cloud.ts";
import {
  accessDenied,
  endpointRequestTimedOut,
  forbidden,
  type GatewayReply,
  internalServerError,
  missingAuthenticationToken,
  requestTooLarge,
  tooManyRequests,
} from "./gateway-responses.ts";
import { type LambdaHandler, type LoadedHandler, loadHandlers } from "./handler-loader.ts";
import { createLambdaContext } from "./lambda-context.ts";
import { buildProxyEvent, type CallerIdentity, newExtendedRequestId } from "./proxy-event.ts";
import { convertProxyResult, type HttpReply } from "./proxy-result.ts";
import { RouteMatcher } from "./route-matcher.ts";
import {
  type LocalIamCredential,
  looksLikeSigV4,
  unparseableAuthorization,
  verifySigV4,
} from "./sigv4-verifier.ts";
import { TokenBucket } from "./token-bucket.ts";

/** An API key of the local usage plan. API Gateway requires at least 20 characters. */
export interface LocalApiKey {
  /** Reported as `requestContext.identity.apiKeyId` and in the request log (never the value). */
  readonly id: string;
  readonly value: string;
}

export interface LocalApiGatewayOptions {
  /** @default API_ROUTE_TABLE (functions/api/route-table.ts) */
  readonly routeTable?: RouteTable;
  /** Where handler entries are resolved. @default the repository's functions/ */
  readonly functionsDirectory?: string;
  /** @default 0, a free port */
  readonly port?: number;
  /** The first path segment, as in an execute-api URL, and `requestContext.stage`. @default "local" */
  readonly stageName?: string;
  /** The SigV4 scope admin requests are signed for, and the Lambda ARN region. @default "us-east-1" */
  readonly region?: string;
  /** Keys accepted on `api-key` routes. @default one random key (see `apiKeys` on the result) */
  readonly apiKeys?: readonly LocalApiKey[];
  /**
   * Identities accepted on `admin` routes (SigV4). @default the local cloud's dummy credentials
   * (`flywheellocal`), so a client with the local cloud's environment can sign as it would in AWS.
   */
  readonly iamCredentials?: readonly LocalIamCredential[];
  /** Per-key token buckets on `api-key` routes. @default DEFAULT_USAGE_PLAN_THROTTLE, as the CDK usage plan */
  readonly throttle?: UsagePlanThrottle | "off";
  /**
   * Variables set in this process before the handlers load, over the house ones (stage, version) and
   * AWS_REGION: the table names, endpoints and the like that the CDK stack would give the functions.
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Handlers composed by the caller, by handler id (the embedded runtime builds them over in-process
   * adapters with the same factories the entry modules use). Their modules are not loaded. @default none
   */
  readonly handlers?: Readonly<Record<string, LambdaHandler>>;
  /** API Gateway's integration timeout. @default 29,000 ms */
  readonly integrationTimeoutMs?: number;
  /** Epoch milliseconds for the token buckets and the SigV4 clock window. @default Date.now */
  readonly clock?: () => number;
  /** Receives one line per request. @default stderr */
  readonly log?: (line: string) => void;
}

export interface LocalApiGateway {
  /** The invoke URL, stage included, like a deployed stage's: `http://127.0.0.1:P/local`. */
  readonly url: string;
  readonly port: number;
  readonly stageName: string;
  readonly region: string;
  readonly apiKeys: readonly LocalApiKey[];
  readonly iamCredentials: readonly LocalIamCredential[];
  readonly routes: readonly RouteDefinition[];
  /** Closes the server and its connections. Idempotent. */
  stop(): Promise<void>;
}

/** API Gateway's request payload limit (REST APIs). */
export const API_GATEWAY_MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
/** Lambda's synchronous invocation limit, for the event and for the result. */
export const LAMBDA_MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
export const DEFAULT_INTEGRATION_TIMEOUT_MS = 29_000;
export const DEFAULT_LOCAL_STAGE_NAME = "local";
const LOCAL_ACCOUNT_ID = "000000000000";
const LOCAL_API_ID = "flywheellocal";
const LOCAL_DEPLOYMENT_ID = "local01";

/** The local cloud's dummy credentials as an admin identity. */
export const LOCAL_ADMIN_CREDENTIAL: LocalIamCredential = {
  accessKeyId: LOCAL_CREDENTIALS.accessKeyId,
  secretAccessKey: LOCAL_CREDENTIALS.secretAccessKey,
  accountId: LOCAL_ACCOUNT_ID,
  userArn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:user/flywheel-local-admin`,
  userId: "AIDAFLYWHEELLOCALADMIN",
};

const DEFAULT_FUNCTIONS_DIRECTORY = fileURLToPath(new URL("../../functions/", import.meta.url));

/**
 * API Gateway (REST API, Lambda proxy integration) and Lambda, locally: a node:http server on 127.0.0.1
 * that routes by the route table the CDK stack declares, checks the same credentials (API key, SigV4 for
 * admin routes), throttles per key with the usage plan's numbers, and calls the handlers in-process with
 * the proxy event and context they get in AWS. What it does not emulate: docs/api-gateway.md.
 */
export async function startLocalApiGateway(options: LocalApiGatewayOptions = {}): Promise<LocalApiGateway> {
  const table = options.routeTable ?? API_ROUTE_TABLE;
  validateRouteTable(table);
  const stageName = options.stageName ?? DEFAULT_LOCAL_STAGE_NAME;
  const region = options.region ?? "us-east-1";
  const clock = options.clock ?? Date.now;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const integrationTimeoutMs = options.integrationTimeoutMs ?? DEFAULT_INTEGRATION_TIMEOUT_MS;
  const apiKeys = options.apiKeys ?? [{ id: "local-api-key", value: randomBytes(24).toString("base64url") }];
  for (const key of apiKeys)
    if (key.value.length < 20)
      throw new Error(`API key ${key.id}: API Gateway requires at least 20 characters`);
  const iamCredentials = options.iamCredentials ?? [LOCAL_ADMIN_CREDENTIAL];
  const throttle = options.throttle ?? DEFAULT_USAGE_PLAN_THROTTLE;

  // Lambda gives each function its environment before its module loads; in one process the handlers
  // share it, so it is set once, before any of them is imported.
  Object.assign(process.env, {
    ...functionEnvironmentVariables({ stageName, version: projectVersion() }),
    AWS_REGION: region,
    ...options.environment,
  });
  const handlers = await loadHandlers(
    table,
    options.functionsDirectory ?? DEFAULT_FUNCTIONS_DIRECTORY,
    options.handlers,
  );

  const matcher = new RouteMatcher(table.routes);
  const keysByValue = new Map(apiKeys.map((key) => [key.value, key]));
  const credentialsByAccessKey = new Map(
    iamCredentials.map((credential) => [credential.accessKeyId, credential]),
  );
  const buckets = new Map<string, TokenBucket>();
  let port = 0;

  const server = createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      // Only a bug in the front gets here.
      log(`local-api ${req.method} ${req.url} failed inside the front: ${String(error)}`);
      if (!res.headersSent) writeReply(res, toHttpReply(internalServerError("front failure"), randomUUID()));
      else res.destroy();
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = performance.now();
    const requestTimeEpochMs = Date.now();
    const requestId = randomUUID();
    const extendedRequestId = newExtendedRequestId();
    const method = req.method ?? "GET";
    const rawUrl = req.url ?? "/";
    const queryAt = rawUrl.indexOf("?");
    const rawPath = queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt);
    const rawQuery = queryAt < 0 ? "" : rawUrl.slice(queryAt + 1);
    const logged: { route?: string; keyId?: string; caller?: string } = {};

    const finish = (reply: HttpReply, reason?: string): void => {
      writeReply(res, reply);
      const parts = [
        "local-api",
        method,
        rawPath,
        String(reply.statusCode),
        `${Math.round(performance.now() - startedAt)}ms`,
        `requestId=${requestId}`,
        ...(logged.route === undefined ? [] : [`route="${logged.route}"`]),
        ...(logged.keyId === undefined ? [] : [`apiKeyId=${logged.keyId}`]),
        ...(logged.caller === undefined ? [] : [`caller=${logged.caller}`]),
        ...(reason === undefined ? [] : [`reason="${reason}"`]),
      ];
      log(parts.join(" "));
    };
    const finishGateway = (reply: GatewayReply): void =>
      finish(toHttpReply(reply, requestId, extendedRequestId), reply.reason);

    // The front door refuses an oversized body before anything else looks at the request.
    const body = await readBody(req, API_GATEWAY_MAX_PAYLOAD_BYTES);
    if (body === undefined) return finishGateway(requestTooLarge(API_GATEWAY_MAX_PAYLOAD_BYTES));

    const stagePrefix = `/${stageName}`;
    if (rawPath !== stagePrefix && !rawPath.startsWith(`${stagePrefix}/`))
      return finishGateway(forbidden(`no stage in ${rawPath}; this front serves ${stagePrefix}`));
    const resource = matcher.match(rawPath.slice(stagePrefix.length) || "/");
    const route = resource?.methods.get(method);
    const authorization = singleHeader(req.headers.authorization);
    if (resource === undefined || route === undefined) {
      if (authorization !== undefined && !looksLikeSigV4(authorization))
        return finishGateway(unparseableAuthorization(authorization));
      return finishGateway(missingAuthenticationToken("no resource or method for this request"));
    }
    logged.route = `${route.method} ${route.path}`;

    let identity: CallerIdentity = { apiKey: undefined, iam: undefined };
    if (route.auth === "api-key") {
      const key = keysByValue.get(singleHeader(req.headers["x-api-key"]) ?? "");
      if (key === undefined) return finishGateway(forbidden("missing or unknown x-api-key"));
      logged.keyId = key.id;
      identity = { apiKey: { value: key.value, id: key.id }, iam: undefined };
      if (throttle !== "off") {
        let bucket = buckets.get(key.id);
        if (bucket === undefined) {
          bucket = new TokenBucket(throttle, clock);
          buckets.set(key.id, bucket);
        }
        if (!bucket.tryTake()) return finishGateway(tooManyRequests());
      }
    } else if (route.auth === "admin") {
      if (authorization === undefined)
        return finishGateway(missingAuthenticationToken("admin route without a SigV4 signature"));
      const verification = verifySigV4(
        { method, rawPath, rawQuery, headers: req.headers, body },
        credentialsByAccessKey,
        { region, service: "execute-api", nowMs: clock() },
      );
      if (!verification.ok) return finishGateway(verification.reply);
      const { credential } = verification;
      logged.caller = credential.userArn;
      if (credential.denied === true)
        return finishGateway(
          accessDenied(
            credential.userArn,
            `arn:aws:execute-api:${region}:${LOCAL_ACCOUNT_ID}:${LOCAL_API_ID}/${stageName}/${method}${rawPath.slice(stagePrefix.length)}`,
          ),
        );
      identity = {
        apiKey: undefined,
        iam: {
          accessKeyId: credential.accessKeyId,
          accountId: credential.accountId,
          userArn: credential.userArn,
          userId: credential.userId,
        },
      };
    }

    const loaded = handlers.get(route.handler);
    if (loaded === undefined) throw new Error(`handler ${route.handler} was validated but not loaded`);
    const event = buildProxyEvent({
      httpMethod: method,
      rawPath,
      rawQuery,
      rawHeaders: req.rawHeaders,
      body,
      protocol: `HTTP/${req.httpVersion}`,
      sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
      localPort: port,
      stageName,
      resourcePath: resource.resourcePath,
      pathParameters: resource.pathParameters,
      requestId,
      extendedRequestId,
      requestTimeEpochMs,
      apiId: LOCAL_API_ID,
      accountId: LOCAL_ACCOUNT_ID,
      deploymentId: LOCAL_DEPLOYMENT_ID,
      identity,
    });
    const outcome = await invoke(loaded, event);
    if (outcome.kind === "gateway") return finishGateway(outcome.reply);
    finish(withGatewayHeaders(outcome.reply, requestId, extendedRequestId));
  }

  /**
   * One Lambda invocation: the event goes through JSON as it does on its way to Lambda (so the handler
   * gets plain data, and over 6 MB fails), the Lambda timeout and the integration timeout race the
   * handler, and whatever comes back is checked as a proxy result.
   */
  async function invoke(
    loaded: LoadedHandler,
    event: unknown,
  ): Promise<{ kind: "reply"; reply: HttpReply } | { kind: "gateway"; reply: GatewayReply }> {
    const serialized = JSON.stringify(event);
    if (Buffer.byteLength(serialized) > LAMBDA_MAX_PAYLOAD_BYTES)
      return gateway(internalServerError("event over Lambda's 6 MB invocation payload limit"));
    const lambdaTimeoutMs = loaded.definition.timeoutSeconds * 1000;
    const deadlineMs = Date.now() + lambdaTimeoutMs;
    const context = createLambdaContext({
      functionName: `flywheel-${stageName}-${loaded.id}`,
      memorySizeMb: loaded.definition.memorySizeMb,
      region,
      accountId: LOCAL_ACCOUNT_ID,
      deadlineMs,
      now: Date.now,
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"lambda-timeout" | "integration-timeout">((resolve) => {
      timer = setTimeout(
        () => resolve(lambdaTimeoutMs < integrationTimeoutMs ? "lambda-timeout" : "integration-timeout"),
        Math.min(lambdaTimeoutMs, integrationTimeoutMs),
      );
    });
    const invocation = (async () => loaded.handler(JSON.parse(serialized), context))().then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    const settled = await Promise.race([invocation, timedOut]);
    clearTimeout(timer);

    if (settled === "lambda-timeout") {
      // The handler keeps running here (Lambda would stop its sandbox); its late result is dropped.
      log(
        `local-api ${context.awsRequestId} Task timed out after ${loaded.definition.timeoutSeconds} seconds`,
      );
      return gateway(internalServerError(`Lambda timed out after ${loaded.definition.timeoutSeconds} s`));
    }
    if (settled === "integration-timeout") return gateway(endpointRequestTimedOut());
    if ("error" in settled) {
      log(`local-api ${context.awsRequestId} Invoke Error ${describe(settled.error)}`);
      return gateway(internalServerError("the handler threw (Lambda function error)"));
    }
    const resultSize = Buffer.byteLength(JSON.stringify(settled.value) ?? "");
    if (resultSize > LAMBDA_MAX_PAYLOAD_BYTES)
      return gateway(internalServerError("result over Lambda's 6 MB response payload limit"));
    const converted = convertProxyResult(settled.value);
    if (!converted.ok) return gateway(internalServerError(converted.problem));
    return { kind: "reply", reply: converted.reply };
  }

  port = await listenOnLoopback(server, options.port, "the local API");

  let stopped: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}/${stageName}`,
    port,
    stageName,
    region,
    apiKeys,
    iamCredentials,
    routes: table.routes,
    stop: () => {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}

function gateway(reply: GatewayReply): { kind: "gateway"; reply: GatewayReply } {
  return { kind: "gateway", reply };
}

/** The body, or undefined when it is over `limit` (the rest is read and dropped, so the reply arrives). */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of req) {
    if (!Buffer.isBuffer(chunk)) continue;
    bytes += chunk.length;
    if (bytes <= limit) chunks.push(chunk);
  }
  return bytes > limit ? undefined : Buffer.concat(chunks);
}

/** API Gateway's own headers on everything it returns. */
function withGatewayHeaders(reply: HttpReply, requestId: string, extendedRequestId: string): HttpReply {
  return {
    ...reply,
    headers: {
      ...reply.headers,
      "x-amzn-requestid": [requestId],
      "x-amz-apigw-id": [extendedRequestId],
    },
  };
}

function toHttpReply(reply: GatewayReply, requestId: string, extendedRequestId?: string): HttpReply {
  const headers: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(reply.headers)) headers[name] = [value];
  const base = { statusCode: reply.statusCode, headers, body: Buffer.from(reply.body, "utf8") };
  // The front door's 413 is not API Gateway's and carries no request id.
  if (reply.statusCode === 413) return base;
  return withGatewayHeaders(base, requestId, extendedRequestId ?? newExtendedRequestId());
}

function writeReply(res: ServerResponse, reply: HttpReply): void {
  const headers: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(reply.headers)) headers[name] = [...values];
  res.writeHead(reply.statusCode, { ...headers, "content-length": String(reply.body.length) });
  res.end(reply.body);
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}\n${error.stack ?? ""}`;
  return String(error);
}

const PackageJsonSchema = z.object({ version: z.string().min(1) });

/** The version reported by GET /v1/health: package.json's, as the CDK stack deploys it. */
function projectVersion(): string {
  const text = readFileSync(new URL("../../package.json", import.meta.url), "utf8");
  return PackageJsonSchema.parse(JSON.parse(text)).version;
}
