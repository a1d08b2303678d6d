import { createHash, randomBytes } from "node:crypto";
import type {
  APIGatewayEventIdentity,
  APIGatewayEventRequestContextWithAuthorizer,
  APIGatewayProxyEvent,
} from "aws-lambda";

/** What API Gateway knows about the caller once its auth check passed. */
export interface CallerIdentity {
  readonly apiKey: { readonly value: string; readonly id: string } | undefined;
  readonly iam:
    | {
        readonly accessKeyId: string;
        readonly accountId: string;
        readonly userArn: string;
        readonly userId: string;
      }
    | undefined;
}

export interface ProxyEventInput {
  readonly httpMethod: string;
  /** As sent, with the stage prefix, still percent-encoded: `/local/v1/items/a%20b`. */
  readonly rawPath: string;
  /** After the `?`, as sent; empty when there was none. */
  readonly rawQuery: string;
  /** Node's `rawHeaders`: names as the client spelled them, in order, duplicates kept. */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  readonly protocol: string;
  readonly sourceIp: string;
  readonly localPort: number;
  readonly stageName: string;
  readonly resourcePath: string;
  readonly pathParameters: Readonly<Record<string, string>>;
  readonly requestId: string;
  readonly extendedRequestId: string;
  readonly requestTimeEpochMs: number;
  readonly apiId: string;
  readonly accountId: string;
  readonly deploymentId: string;
  readonly identity: CallerIdentity;
}

/** Real REST proxy events carry the deployment's id beside the typed fields. */
interface RestRequestContext extends APIGatewayEventRequestContextWithAuthorizer<undefined> {
  readonly deploymentId: string;
}

/**
 * The Lambda proxy integration event (payload 1.0) a REST API builds for this request:
 * - `path` without the stage and still percent-encoded; `requestContext.path` with the stage;
 * - headers under the client's spelling, the last value in `headers` and all of them in
 *   `multiValueHeaders`; API Gateway's `X-Forwarded-*` and `X-Amzn-Trace-Id` added;
 * - query parameters decoded (`+` is a space), last value and all values; null when there are none;
 * - path parameters decoded; null when the resource has none; `stageVariables` null (none are set);
 * - the body as a UTF-8 string (no binary media types are configured), null when empty;
 * - no `requestContext.authorizer`: neither API keys nor IAM auth produce one.
 */
export function buildProxyEvent(input: ProxyEventInput): APIGatewayProxyEvent {
  const { headers, multiValueHeaders } = headersOf(input);
  const query = queryOf(input.rawQuery);
  const hasPathParameters = Object.keys(input.pathParameters).length > 0;
  const userAgent = lastCaseInsensitive(headers, "user-agent");
  const requestContext: RestRequestContext = {
    accountId: input.accountId,
    apiId: input.apiId,
    authorizer: undefined,
    deploymentId: input.deploymentId,
    domainName: hostOf(headers),
    domainPrefix: hostOf(headers).split(".")[0] ?? "",
    extendedRequestId: input.extendedRequestId,
    httpMethod: input.httpMethod,
    identity: identityOf(input, userAgent),
    path: input.rawPath,
    protocol: input.protocol,
    requestId: input.requestId,
    requestTime: formatRequestTime(input.requestTimeEpochMs),
    requestTimeEpoch: input.requestTimeEpochMs,
    resourceId: resourceIdOf(input.resourcePath),
    resourcePath: input.resourcePath,
    stage: input.stageName,
  };
  return {
    resource: input.resourcePath,
    path: input.rawPath.slice(input.stageName.length + 1) || "/",
    httpMethod: input.httpMethod,
    headers,
    multiValueHeaders,
    queryStringParameters: query?.single ?? null,
    multiValueQueryStringParameters: query?.multi ?? null,
    pathParameters: hasPathParameters ? { ...input.pathParameters } : null,
    stageVariables: null,
    requestContext,
    body: input.body.length === 0 ? null : input.body.toString("utf8"),
    isBase64Encoded: false,
  };
}

/** API Gateway's `extendedRequestId` / `x-amz-apigw-id`: 16 characters of base64. */
export function newExtendedRequestId(): string {
  return randomBytes(11).toString("base64");
}

function headersOf(input: ProxyEventInput): {
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
} {
  const multiValueHeaders: Record<string, string[]> = {};
  for (let index = 0; index + 1 < input.rawHeaders.length; index += 2) {
    const name = input.rawHeaders[index];
    const value = input.rawHeaders[index + 1];
    if (name === undefined || value === undefined) continue;
    appendValue(multiValueHeaders, name, value);
  }
  const forwardedFor = findCaseInsensitive(multiValueHeaders, "x-forwarded-for");
  setReplacing(
    multiValueHeaders,
    "X-Forwarded-For",
    forwardedFor === undefined ? input.sourceIp : `${forwardedFor.join(", ")}, ${input.sourceIp}`,
  );
  setReplacing(multiValueHeaders, "X-Forwarded-Port", String(input.localPort));
  setReplacing(multiValueHeaders, "X-Forwarded-Proto", "http");
  if (findCaseInsensitive(multiValueHeaders, "x-amzn-trace-id") === undefined)
    multiValueHeaders["X-Amzn-Trace-Id"] = [newTraceId(input.requestTimeEpochMs)];
  const headers: Record<string, string> = {};
  for (const [name, values] of Object.entries(multiValueHeaders)) {
    const last = values.at(-1);
    if (last !== undefined) headers[name] = last;
  }
  return { headers, multiValueHeaders };
}

function queryOf(
  rawQuery: string,
): { single: Record<string, string>; multi: Record<string, string[]> } | undefined {
  const multi: Record<string, string[]> = {};
  for (const part of rawQuery.split("&")) {
    if (part === "") continue;
    const equals = part.indexOf("=");
    const name = decodeQueryComponent(equals < 0 ? part : part.slice(0, equals));
    const value = equals < 0 ? "" : decodeQueryComponent(part.slice(equals + 1));
    appendValue(multi, name, value);
  }
  const names = Object.keys(multi);
  if (names.length === 0) return undefined;
  const single: Record<string, string> = {};
  for (const name of names) {
    const last = multi[name]?.at(-1);
    if (last !== undefined) single[name] = last;
  }
  return { single, multi };
}

function identityOf(input: ProxyEventInput, userAgent: string | undefined): APIGatewayEventIdentity {
  const { apiKey, iam } = input.identity;
  return {
    accessKey: iam?.accessKeyId ?? null,
    accountId: iam?.accountId ?? null,
    apiKey: apiKey?.value ?? null,
    apiKeyId: apiKey?.id ?? null,
    caller: iam?.userId ?? null,
    clientCert: null,
    cognitoAuthenticationProvider: null,
    cognitoAuthenticationType: null,
    cognitoIdentityId: null,
    cognitoIdentityPoolId: null,
    principalOrgId: null,
    sourceIp: input.sourceIp,
    user: iam?.userId ?? null,
    userAgent: userAgent ?? null,
    userArn: iam?.userArn ?? null,
  };
}

function appendValue(lists: Record<string, string[]>, name: string, value: string): void {
  const list = lists[name];
  if (list === undefined) lists[name] = [value];
  else list.push(value);
}

function decodeQueryComponent(value: string): string {
  const spaced = value.replaceAll("+", " ");
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

function findCaseInsensitive(headers: Record<string, string[]>, lowerName: string): string[] | undefined {
  for (const [name, values] of Object.entries(headers)) if (name.toLowerCase() === lowerName) return values;
  return undefined;
}

function lastCaseInsensitive(headers: Record<string, string>, lowerName: string): string | undefined {
  for (const [name, value] of Object.entries(headers)) if (name.toLowerCase() === lowerName) return value;
  return undefined;
}

/** Sets a header under API Gateway's spelling, dropping the client's copy under any other spelling. */
function setReplacing(headers: Record<string, string[]>, name: string, value: string): void {
  for (const existing of Object.keys(headers))
    if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
  headers[name] = [value];
}

function hostOf(headers: Record<string, string>): string {
  const host = lastCaseInsensitive(headers, "host") ?? "127.0.0.1";
  return host.replace(/:\d+$/, "");
}

/** API Gateway's resource ids are six lower-case characters, stable per resource. */
function resourceIdOf(resourcePath: string): string {
  return createHash("sha256").update(resourcePath).digest("hex").slice(0, 6);
}

/** X-Ray's trace id format: version, the epoch seconds in hex, 96 random bits. */
function newTraceId(epochMs: number): string {
  return `Root=1-${Math.floor(epochMs / 1000).toString(16)}-${randomBytes(12).toString("hex")}`;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `requestTime` as API Gateway writes it: `21/Nov/2025:16:31:07 +0000`. */
function formatRequestTime(epochMs: number): string {
  const date = new Date(epochMs);
  const pad = (value: number) => String(value).padStart(2, "0");
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}
