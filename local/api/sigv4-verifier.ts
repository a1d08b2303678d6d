import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import {
  type GatewayReply,
  incompleteSignature,
  invalidSignature,
  unrecognizedClient,
} from "./gateway-responses.ts";

/**
 * An IAM identity the local front accepts on admin (AWS_IAM) routes: the access key a client signs with,
 * and what API Gateway then reports about the caller in `requestContext.identity`.
 */
export interface LocalIamCredential {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly accountId: string;
  readonly userArn: string;
  /** The principal's unique id (`AIDA…` for a user, `AROA…:session` for a role), reported as `caller` and `user`. */
  readonly userId: string;
  /** Stands for an identity whose IAM policy does not allow execute-api:Invoke. @default false */
  readonly denied?: boolean;
}

/** A request as it arrived: the path and query exactly as sent (still percent-encoded). */
export interface ReceivedRequest {
  readonly method: string;
  readonly rawPath: string;
  readonly rawQuery: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface SigV4Scope {
  readonly region: string;
  readonly service: string;
  readonly nowMs: number;
}

export type SigV4Verification =
  | { readonly ok: true; readonly credential: LocalIamCredential }
  | { readonly ok: false; readonly reply: GatewayReply };

const ALGORITHM = "AWS4-HMAC-SHA256";
/** How far the request's X-Amz-Date may be from the server's clock. */
const ALLOWED_CLOCK_SKEW_MS = 5 * 60 * 1000;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/**
 * Checks a header-signed Signature Version 4 request the way API Gateway checks an AWS_IAM method: the
 * Authorization header's parts, the credential scope (date, region, `execute-api`), a known access key,
 * the clock window, and the signature itself, computed from the request as received. Query-string
 * (presigned) signatures and session tokens are not checked; IAM policies are reduced to `denied`.
 */
export function verifySigV4(
  request: ReceivedRequest,
  credentials: ReadonlyMap<string, LocalIamCredential>,
  scope: SigV4Scope,
): SigV4Verification {
  const authorization = singleHeader(request.headers.authorization) ?? "";
  const parts = parseAuthorization(authorization);
  if (parts === undefined) return fail(unparseableAuthorization(authorization));

  const missing = [
    ...(parts.credential === undefined ? ["Authorization header requires 'Credential' parameter."] : []),
    ...(parts.signature === undefined ? ["Authorization header requires 'Signature' parameter."] : []),
    ...(parts.signedHeaders === undefined
      ? ["Authorization header requires 'SignedHeaders' parameter."]
      : []),
  ];
  const amzDate = singleHeader(request.headers["x-amz-date"]);
  if (amzDate === undefined)
    missing.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  if (
    missing.length > 0 ||
    parts.credential === undefined ||
    parts.signature === undefined ||
    parts.signedHeaders === undefined ||
    amzDate === undefined
  )
    return fail(incompleteSignature(`${missing.join(" ")} Authorization=${authorization}`));

  const requestTimeMs = parseAmzDate(amzDate);
  if (requestTimeMs === undefined)
    return fail(incompleteSignature(`X-Amz-Date must be in the ISO-8601 basic format, not '${amzDate}'.`));

  const [accessKeyId, day, region, service, terminator, ...extra] = parts.credential.split("/");
  if (
    accessKeyId === undefined ||
    day === undefined ||
    region === undefined ||
    service === undefined ||
    terminator !== "aws4_request" ||
    extra.length > 0
  )
    return fail(
      incompleteSignature(
        `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${parts.credential}'`,
      ),
    );
  if (day !== amzDate.slice(0, 8))
    return fail(
      invalidSignature(
        `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${day}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
      ),
    );
  if (region !== scope.region)
    return fail(invalidSignature(`Credential should be scoped to a valid region, not '${region}'. `));
  if (service !== scope.service)
    return fail(invalidSignature(`Credential should be scoped to correct service: '${scope.service}'. `));

  const credential = credentials.get(accessKeyId);
  if (credential === undefined) return fail(unrecognizedClient());

  if (requestTimeMs < scope.nowMs - ALLOWED_CLOCK_SKEW_MS)
    return fail(
      invalidSignature(
        `Signature expired: ${amzDate} is now earlier than ${formatAmzDate(scope.nowMs - ALLOWED_CLOCK_SKEW_MS)} (${formatAmzDate(scope.nowMs)} - 5 min.)`,
      ),
    );
  if (requestTimeMs > scope.nowMs + ALLOWED_CLOCK_SKEW_MS)
    return fail(
      invalidSignature(
        `Signature not yet current: ${amzDate} is still later than ${formatAmzDate(scope.nowMs + ALLOWED_CLOCK_SKEW_MS)} (${formatAmzDate(scope.nowMs)} + 5 min.)`,
      ),
    );

  const signedHeaders = parts.signedHeaders.split(";");
  if (!signedHeaders.includes("host"))
    return fail(
      incompleteSignature("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."),
    );

  const canonicalRequest = [
    request.method,
    canonicalUri(request.rawPath),
    canonicalQuery(request.rawQuery),
    signedHeaders.map((name) => `${name}:${canonicalHeaderValue(request.headers[name])}\n`).join(""),
    parts.signedHeaders,
    sha256Hex(request.body),
  ].join("\n");
  const credentialScope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = [ALGORITHM, amzDate, credentialScope, sha256Hex(canonicalRequest)].join("\n");
  const signingKey = [day, region, service, "aws4_request"].reduce<Buffer>(
    (key, part) => hmac(key, part),
    Buffer.from(`AWS4${credential.secretAccessKey}`, "utf8"),
  );
  const expected = Buffer.from(hmac(signingKey, stringToSign).toString("hex"), "utf8");
  const provided = Buffer.from(parts.signature, "utf8");
  if (expected.length !== provided.length || !timingSafeEqual(expected, provided))
    return fail(
      invalidSignature(
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details." +
          `\n\nThe Canonical String for this request should have been\n'${canonicalRequest}'\n\nThe String-to-Sign should have been\n'${stringToSign}'\n`,
      ),
    );
  return { ok: true, credential };
}

/**
 * API Gateway's answer to an Authorization header that is not SigV4 at all (a bearer token, say), both on
 * AWS_IAM methods and on paths that match no resource.
 */
export function unparseableAuthorization(authorization: string): GatewayReply {
  const hashed = createHash("sha256").update(authorization, "utf8").digest("base64");
  return incompleteSignature(
    `Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '${hashed}'.`,
  );
}

/** Whether the header is in SigV4's form at all (algorithm first, then key=value pairs). */
export function looksLikeSigV4(authorization: string): boolean {
  return parseAuthorization(authorization) !== undefined;
}

interface AuthorizationParts {
  readonly credential: string | undefined;
  readonly signedHeaders: string | undefined;
  readonly signature: string | undefined;
}

function parseAuthorization(authorization: string): AuthorizationParts | undefined {
  if (!authorization.startsWith(`${ALGORITHM} `)) return undefined;
  const pairs = new Map<string, string>();
  for (const pair of authorization.slice(ALGORITHM.length + 1).split(",")) {
    const trimmed = pair.trim();
    const equals = trimmed.indexOf("=");
    if (equals <= 0) return undefined;
    pairs.set(trimmed.slice(0, equals), trimmed.slice(equals + 1));
  }
  return {
    credential: pairs.get("Credential"),
    signedHeaders: pairs.get("SignedHeaders"),
    signature: pairs.get("Signature"),
  };
}

/**
 * The path as SigV4 canonicalizes it for every service but S3: dot segments resolved, empty segments
 * dropped, then percent-encoded once more (so `%20` on the wire signs as `%2520`).
 */
function canonicalUri(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  const trailing = segments.length > 0 && rawPath.endsWith("/") ? "/" : "";
  return `/${segments.map(uriEscape).join("/")}${trailing}`;
}

function canonicalQuery(rawQuery: string): string {
  const pairs: [string, string][] = [];
  for (const part of rawQuery.split("&")) {
    if (part === "") continue;
    const equals = part.indexOf("=");
    const key = safeDecode(equals < 0 ? part : part.slice(0, equals));
    const value = equals < 0 ? "" : safeDecode(part.slice(equals + 1));
    if (key.toLowerCase() === "x-amz-signature") continue;
    pairs.push([uriEscape(key), uriEscape(value)]);
  }
  pairs.sort(([keyA, valueA], [keyB, valueB]) =>
    keyA === keyB ? compare(valueA, valueB) : compare(keyA, keyB),
  );
  return pairs.map(([key, value]) => `${key}=${value}`).join("&");
}

function canonicalHeaderValue(value: string | string[] | undefined): string {
  const joined = Array.isArray(value) ? value.join(",") : (value ?? "");
  return joined.trim().replace(/\s+/g, " ");
}

/** RFC 3986 encoding: everything but unreserved characters. */
function uriEscape(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

function hmac(key: Buffer, data: string): Buffer {
  return createHmac("sha256", key).update(data, "utf8").digest();
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function parseAmzDate(value: string): number | undefined {
  const match = AMZ_DATE.exec(value);
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number);
  if (
    year === undefined ||
    month === undefined ||
    day === undefined ||
    hour === undefined ||
    minute === undefined ||
    second === undefined
  )
    return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

function formatAmzDate(epochMs: number): string {
  return new Date(epochMs)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

function fail(reply: GatewayReply): SigV4Verification {
  return { ok: false, reply };
}
