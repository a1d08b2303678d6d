import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type {
  APIGatewayEventIdentity,
  APIGatewayEventRequestContextWithAuthorizer,
  APIGatewayProxyEvent,
  Context,
} from "aws-lambda";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import {
  HANDLERS,
  type HandlerDefinition,
  ROUTES,
  type RouteTable,
} from "../../../functions/api/route-table.ts";
import { RouteTableError } from "../../../functions/api/route-table-validation.ts";
import { HandlerLoadError } from "../../../local/api/handler-loader.ts";
import {
  LOCAL_ADMIN_CREDENTIAL,
  type LocalApiGateway,
  startLocalApiGateway,
} from "../../../local/api/local-api-gateway.ts";
import { expectResponseMatchesDocument } from "../../support/openapi-check.ts";
import { httpRequest } from "./http-request.ts";
import { signRequest } from "./sign-request.ts";

// The local API Gateway front over real HTTP on a free loopback port: the real route table (health)
// plus test-only routes to the fixtures in ./fixtures, injected through the route table option.

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const testHandler = (entry: string, timeoutSeconds = 3): HandlerDefinition => ({
  entry: fixture(entry),
  description: "test fixture",
  timeoutSeconds,
  memorySizeMb: 256,
});

const TEST_TABLE: RouteTable = {
  routes: [
    ...ROUTES,
    { method: "GET", path: "/v1/test/errors/{kind}", handler: "throw-domain-error", auth: "api-key" },
    { method: "GET", path: "/v1/test/echo/{first}/items/{second}", handler: "echo", auth: "api-key" },
    { method: "POST", path: "/v1/test/echo", handler: "echo", auth: "api-key" },
    { method: "POST", path: "/v1/admin/test/echo", handler: "echo", auth: "admin" },
    { method: "GET", path: "/v1/test/results/{shape}", handler: "raw-result", auth: "api-key" },
    { method: "GET", path: "/v1/test/lambda-timeout", handler: "never-answers-short", auth: "api-key" },
    { method: "GET", path: "/v1/test/integration-timeout", handler: "never-answers-long", auth: "api-key" },
  ],
  handlers: {
    ...HANDLERS,
    "throw-domain-error": testHandler("throw-domain-error-handler.ts"),
    echo: testHandler("echo-event-handler.ts"),
    "raw-result": testHandler("raw-result-handler.ts"),
    // Lambda timeout (1 s) before the integration timeout (set to 1.5 s below): a Lambda error, 502.
    "never-answers-short": testHandler("never-answering-handler.ts", 1),
    // Integration timeout first: API Gateway gives up, 504.
    "never-answers-long": testHandler("never-answering-handler.ts", 5),
  },
};

const API_KEY = { id: "test-key", value: "test-api-key-0123456789abcdef" };
/** An identity whose IAM policy would not allow execute-api:Invoke. */
const DENIED_CREDENTIAL = {
  accessKeyId: "AKIADENIEDLOCAL",
  secretAccessKey: "denied-secret",
  accountId: "000000000000",
  userArn: "arn:aws:iam::000000000000:user/no-admin",
  userId: "AIDANOADMIN",
  denied: true,
};
const PACKAGE_VERSION = z
  .object({ version: z.string() })
  .parse(JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8"))).version;

const EchoSchema = z.object({
  event: z.looseObject({
    requestContext: z.looseObject({ identity: z.looseObject({}) }),
  }),
  context: z.looseObject({}),
  environment: z.looseObject({}),
});

describe("local API Gateway front", () => {
  let api: LocalApiGateway;
  const logLines: string[] = [];
  const get = (path: string, headers: Record<string, string | string[]> = {}) =>
    httpRequest(api.port, `/local${path}`, { headers });
  const withKey = { "x-api-key": API_KEY.value };

  beforeAll(async () => {
    api = await startLocalApiGateway({
      routeTable: TEST_TABLE,
      apiKeys: [API_KEY],
      iamCredentials: [LOCAL_ADMIN_CREDENTIAL, DENIED_CREDENTIAL],
      // Every served handler reads its resource names and endpoints at start; none is called here (the
      // cache connects on first use, the other clients on their first request).
      environment: {
        FLYWHEEL_TEST_TABLE_NAME: "profiles-local",
        FLYWHEEL_EVENT_STREAM_NAME: "events-local",
        FLYWHEEL_CATALOG_TABLE: "catalog-local",
        FLYWHEEL_PROFILES_TABLE: "profiles-local",
        FLYWHEEL_INTERACTIONS_TABLE: "interactions-local",
        FLYWHEEL_BATCH_RECOMMENDATIONS_TABLE: "batch-recommendations-local",
        FLYWHEEL_OPENSEARCH_ENDPOINT: "http://127.0.0.1:9",
        FLYWHEEL_REDIS_URL: "redis://127.0.0.1:9",
        FLYWHEEL_MODEL_REGISTRY_TABLE: "model-registry-local",
        FLYWHEEL_ARTIFACT_BUCKET: "artifacts-local",
        FLYWHEEL_TRAINING_STATE_MACHINE_ARN:
          "arn:aws:states:us-east-1:000000000000:stateMachine:flywheel-local-nightly",
      },
      integrationTimeoutMs: 1500,
      log: (line) => logLines.push(line),
    });
  });
  afterAll(async () => {
    await api?.stop();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  describe("GET /v1/openapi.json", () => {
    it("serves the document over HTTP; the front's own answers for health, with and without a key, follow it", async () => {
      const response = await get("/v1/openapi.json", withKey);
      expect(response.status).toBe(200);
      const document: unknown = JSON.parse(response.text);
      expect(document).toMatchObject({ openapi: "3.1.0", info: { version: PACKAGE_VERSION } });
      expectResponseMatchesDocument(
        document,
        { method: "GET", path: "/v1/openapi.json" },
        {
          statusCode: response.status,
          headers: response.headers,
          body: response.text,
        },
      );
      for (const headers of [withKey, {}]) {
        const health = await get("/v1/health", headers);
        expectResponseMatchesDocument(
          document,
          { method: "GET", path: "/v1/health" },
          {
            statusCode: health.status,
            headers: health.headers,
            body: health.text,
          },
        );
      }
    });
  });

  describe("GET /v1/health", () => {
    it("answers 200 with status, version and time when the API key is sent", async () => {
      const response = await get("/v1/health", withKey);
      expect(response.status).toBe(200);
      expect(response.headers["content-type"]).toMatch(/^application\/json/);
      expect(response.headers["cache-control"]).toBe("no-store");
      expect(response.headers["x-amzn-requestid"]).toMatch(/^[0-9a-f-]{36}$/);
      expect(response.headers["x-amz-apigw-id"]).toMatch(/^[A-Za-z0-9+/]{15}=$/);
      const body = z
        .object({ status: z.literal("ok"), version: z.string(), time: z.iso.datetime() })
        .parse(JSON.parse(response.text));
      expect(body.version).toBe(PACKAGE_VERSION);
    });

    it("answers 403 Forbidden without an API key, as API Gateway does", async () => {
      const response = await get("/v1/health");
      expect(response.status).toBe(403);
      expect(JSON.parse(response.text)).toEqual({ message: "Forbidden" });
      expect(response.headers["x-amzn-errortype"]).toBe("ForbiddenException");
    });

    it("answers 403 Forbidden for a key the usage plan does not have", async () => {
      const response = await get("/v1/health", { "x-api-key": "not-a-key-of-this-usage-plan" });
      expect(response.status).toBe(403);
      expect(JSON.parse(response.text)).toEqual({ message: "Forbidden" });
    });

    it("serves the URL the front reports (the stage is the first segment)", async () => {
      expect(api.url).toBe(`http://127.0.0.1:${api.port}/local`);
      const response = await httpRequest(api.port, `${new URL(api.url).pathname}/v1/health`, {
        headers: withKey,
      });
      expect(response.status).toBe(200);
    });
  });

  describe("requests that match no route", () => {
    it.each([
      ["an unknown path", "GET", "/v1/nothing-here"],
      ["a method the resource does not have", "POST", "/v1/health"],
      ["a trailing slash", "GET", "/v1/health/"],
      ["an empty segment", "GET", "/v1//health"],
      ["a resource with no methods", "GET", "/v1"],
    ])("%s: 403 Missing Authentication Token, key or not", async (_, method, path) => {
      for (const headers of [{}, withKey]) {
        const response = await httpRequest(api.port, `/local${path}`, { method, headers });
        expect(response.status).toBe(403);
        expect(JSON.parse(response.text)).toEqual({ message: "Missing Authentication Token" });
        expect(response.headers["x-amzn-errortype"]).toBe("MissingAuthenticationTokenException");
      }
    });

    it("a path outside the stage: 403 Forbidden", async () => {
      const response = await httpRequest(api.port, "/v1/health", { headers: withKey });
      expect(response.status).toBe(403);
      expect(JSON.parse(response.text)).toEqual({ message: "Forbidden" });
    });

    it("a bearer token on an unknown path: the SigV4 parse error API Gateway gives", async () => {
      const response = await get("/v1/nothing-here", { authorization: "Bearer abc" });
      expect(response.status).toBe(403);
      expect(JSON.parse(response.text)).toEqual({
        message: expect.stringMatching(
          /^Invalid key=value pair \(missing equal-sign\) in Authorization header/,
        ),
      });
    });
  });

  describe("the proxy event", () => {
    it("has exactly the fields of a REST API proxy event (payload 1.0)", async () => {
      const response = await get("/v1/test/echo/a/items/b", withKey);
      expect(response.status).toBe(200);
      const { event } = EchoSchema.parse(JSON.parse(response.text));
      expect(Object.keys(event).sort()).toEqual(Object.keys(EVENT_KEYS).sort());
      expect(Object.keys(event.requestContext).sort()).toEqual(Object.keys(REST_REQUEST_CONTEXT_KEYS).sort());
      // Neither API keys nor IAM produce an authorizer context; a deployed REST API sends no such field.
      expect(event.requestContext).not.toHaveProperty("authorizer");
      expect(Object.keys(event.requestContext.identity).sort()).toEqual(Object.keys(IDENTITY_KEYS).sort());
    });

    it("carries path parameters (decoded), the resource template and the path as sent", async () => {
      const response = await get("/v1/test/echo/a%20b/items/42", withKey);
      const { event } = EchoSchema.parse(JSON.parse(response.text));
      expect(event).toMatchObject({
        resource: "/v1/test/echo/{first}/items/{second}",
        path: "/v1/test/echo/a%20b/items/42",
        httpMethod: "GET",
        pathParameters: { first: "a b", second: "42" },
        stageVariables: null,
        queryStringParameters: null,
        multiValueQueryStringParameters: null,
        body: null,
        isBase64Encoded: false,
        requestContext: {
          resourcePath: "/v1/test/echo/{first}/items/{second}",
          path: "/local/v1/test/echo/a%20b/items/42",
          httpMethod: "GET",
          stage: "local",
          protocol: "HTTP/1.1",
          requestId: response.headers["x-amzn-requestid"],
          extendedRequestId: response.headers["x-amz-apigw-id"],
          identity: { apiKey: API_KEY.value, apiKeyId: API_KEY.id, sourceIp: "127.0.0.1", userArn: null },
        },
      });
      expect(event.requestContext.requestTimeEpoch).toEqual(expect.any(Number));
      expect(event.requestContext.requestTime).toMatch(
        /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/,
      );
    });

    it("carries single and multi-value query parameters, decoded with + as a space", async () => {
      const response = await get(
        "/v1/test/echo/x/items/y?tag=a&tag=b&q=hello+world&enc=%2Bplus&flag",
        withKey,
      );
      const { event } = EchoSchema.parse(JSON.parse(response.text));
      expect(event.queryStringParameters).toEqual({ tag: "b", q: "hello world", enc: "+plus", flag: "" });
      expect(event.multiValueQueryStringParameters).toEqual({
        tag: ["a", "b"],
        q: ["hello world"],
        enc: ["+plus"],
        flag: [""],
      });
    });

    it("carries headers as sent (last value, and every value), with API Gateway's forwarding headers", async () => {
      const response = await get("/v1/test/echo/x/items/y", { ...withKey, "X-Custom": ["one", "two"] });
      const { event } = EchoSchema.parse(JSON.parse(response.text));
      expect(event.headers).toMatchObject({
        "X-Custom": "two",
        "X-Forwarded-For": "127.0.0.1",
        "X-Forwarded-Proto": "http",
        "X-Forwarded-Port": String(api.port),
        "X-Amzn-Trace-Id": expect.stringMatching(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/),
      });
      expect(event.multiValueHeaders).toMatchObject({ "X-Custom": ["one", "two"] });
    });

    it("carries the body as a string", async () => {
      const body = JSON.stringify({ hello: "wörld" });
      const response = await httpRequest(api.port, "/local/v1/test/echo", {
        method: "POST",
        headers: { ...withKey, "content-type": "application/json" },
        body,
      });
      const { event } = EchoSchema.parse(JSON.parse(response.text));
      expect(event).toMatchObject({ body, isBase64Encoded: false, httpMethod: "POST", pathParameters: null });
    });

    it("comes with a Lambda context and the environment the stack would set", async () => {
      const response = await get("/v1/test/echo/x/items/y", withKey);
      const { context, environment } = EchoSchema.parse(JSON.parse(response.text));
      expect(Object.keys(context).sort()).toEqual(
        [
          ...Object.keys(CONTEXT_KEYS).filter((key) => !DEPRECATED_CONTEXT_METHODS.has(key)),
          "remainingTimeInMillis",
        ].sort(),
      );
      expect(context).toMatchObject({
        functionName: "flywheel-local-echo",
        functionVersion: "$LATEST",
        memoryLimitInMB: "256",
        awsRequestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        invokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:flywheel-local-echo",
      });
      expect(context.remainingTimeInMillis).toBeGreaterThan(0);
      expect(context.remainingTimeInMillis).toBeLessThanOrEqual(3000);
      expect(environment).toEqual({ stage: "local", tableName: "profiles-local", region: "us-east-1" });
    });
  });

  describe("domain errors through the house error handler", () => {
    it.each([
      [
        "invalid-input",
        400,
        { error: "invalid_input", message: "limit must be at most 100", field: "limit" },
      ],
      ["malformed-row", 400, { error: "invalid_input", message: "line 3: value is not a number", line: 3 }],
      ["payload-too-large", 413, { error: "payload_too_large", message: "item is over the 400 KB limit" }],
      ["not-found", 404, { error: "not_found", message: "unknown user u-42" }],
      ["conflict", 409, { error: "conflict", message: "revision 7 was already written" }],
    ])("%s: %i naming what was wrong", async (kind, status, expected) => {
      vi.spyOn(console, "error").mockImplementation(() => {});
      const response = await get(`/v1/test/errors/${kind}`, withKey);
      expect(response.status).toBe(status);
      expect(JSON.parse(response.text)).toEqual({
        ...expected,
        requestId: response.headers["x-amzn-requestid"],
      });
    });

    it.each([
      ["throttled", 429, "throttled", "1"],
      ["dependency", 503, "dependency_unavailable", "1"],
      ["dependency-permanent", 503, "dependency_unavailable", undefined],
      ["corrupt-data", 500, "internal_error", undefined],
      ["bug", 500, "internal_error", undefined],
      ["non-error", 500, "internal_error", undefined],
    ])(
      "%s: %i with a generic body and the request id; the detail only in the log",
      async (kind, status, code, retryAfter) => {
        const logged: string[] = [];
        vi.spyOn(console, "error").mockImplementation((line: unknown) => logged.push(String(line)));
        const response = await get(`/v1/test/errors/${kind}`, withKey);
        expect(response.status).toBe(status);
        const requestId = response.headers["x-amzn-requestid"];
        expect(JSON.parse(response.text)).toEqual({ error: code, message: expect.any(String), requestId });
        expect(response.text).not.toMatch(/secret/);
        expect(response.headers["retry-after"]).toBe(retryAfter);
        expect(logged).toHaveLength(1);
        expect(logged[0]).toContain(String(requestId));
        expect(logged[0]).toMatch(/secret/);
      },
    );

    it("an unknown kind is refused by the handler's schema, naming the field", async () => {
      vi.spyOn(console, "error").mockImplementation(() => {});
      const response = await get("/v1/test/errors/no-such-kind", withKey);
      expect(response.status).toBe(400);
      expect(JSON.parse(response.text)).toMatchObject({
        error: "invalid_input",
        field: "pathParameters.kind",
      });
    });
  });

  describe("the handler's result", () => {
    it("is returned faithfully: status, headers and multi-value headers merged", async () => {
      const response = await get("/v1/test/results/multi-value-headers", withKey);
      expect(response.status).toBe(201);
      expect(response.text).toBe("created");
      expect(response.headers["content-type"]).toBe("text/plain");
      expect(response.headers["x-single"]).toBe("one");
      expect(response.headers["set-cookie"]).toEqual(["a=1", "b=2"]);
      // "b" is in both headers and multiValueHeaders: it appears once.
      expect(headerValues(response.rawHeaders, "x-both")).toEqual(["a", "b"]);
    });

    it("a base64 body is sent as bytes", async () => {
      const response = await get("/v1/test/results/base64", withKey);
      expect(response.status).toBe(200);
      expect([...response.body]).toEqual([0, 1, 2, 255]);
    });

    it("without a content type, API Gateway's default application/json", async () => {
      const response = await get("/v1/test/results/no-content-type", withKey);
      expect(response.headers["content-type"]).toBe("application/json");
    });

    it.each(["string-status", "extra-field", "object-body", "undefined", "throws", "too-large"])(
      "%s: 502 Internal server error, as for a malformed or failed Lambda response",
      async (shape) => {
        const response = await get(`/v1/test/results/${shape}`, withKey);
        expect(response.status).toBe(502);
        expect(JSON.parse(response.text)).toEqual({ message: "Internal server error" });
        expect(response.text).not.toMatch(/secret/);
      },
    );
  });

  describe("limits", () => {
    it("a body over 10 MB: 413 in plain text, before the handler runs", async () => {
      const response = await httpRequest(api.port, "/local/v1/test/echo", {
        method: "POST",
        headers: withKey,
        body: Buffer.alloc(10 * 1024 * 1024 + 1, 0x61),
      });
      expect(response.status).toBe(413);
      expect(response.text).toBe("HTTP content length exceeded 10485760 bytes.");
    });

    it("a body under 10 MB that makes the event over Lambda's 6 MB: 502", async () => {
      const response = await httpRequest(api.port, "/local/v1/test/echo", {
        method: "POST",
        headers: withKey,
        body: Buffer.alloc(7 * 1024 * 1024, 0x61),
      });
      expect(response.status).toBe(502);
      expect(JSON.parse(response.text)).toEqual({ message: "Internal server error" });
    });

    it("a body of 1 MB reaches the handler whole", async () => {
      const body = "b".repeat(1024 * 1024);
      const response = await httpRequest(api.port, "/local/v1/test/echo", {
        method: "POST",
        headers: withKey,
        body,
      });
      expect(response.status).toBe(200);
      expect(EchoSchema.parse(JSON.parse(response.text)).event.body).toBe(body);
    });

    it("a handler past its Lambda timeout (shorter than the integration's): 502", async () => {
      const response = await get("/v1/test/lambda-timeout", withKey);
      expect(response.status).toBe(502);
      expect(JSON.parse(response.text)).toEqual({ message: "Internal server error" });
      expect(logLines.some((line) => line.includes("Task timed out after 1 seconds"))).toBe(true);
    });

    it("a handler past the integration timeout (shorter than the Lambda's): 504", async () => {
      const response = await get("/v1/test/integration-timeout", withKey);
      expect(response.status).toBe(504);
      expect(JSON.parse(response.text)).toEqual({ message: "Endpoint request timed out" });
    });
  });

  describe("admin routes (AWS_IAM: SigV4)", () => {
    const adminPath = "/local/v1/admin/test/echo";
    const body = JSON.stringify({ run: "now" });
    const sign = (overrides: Partial<Parameters<typeof signRequest>[0]> = {}) =>
      signRequest({
        port: api.port,
        method: "POST",
        path: adminPath,
        headers: { "content-type": "application/json" },
        body,
        accessKeyId: LOCAL_ADMIN_CREDENTIAL.accessKeyId,
        secretAccessKey: LOCAL_ADMIN_CREDENTIAL.secretAccessKey,
        ...overrides,
      });
    const post = (headers: Record<string, string>, path = adminPath) =>
      httpRequest(api.port, path, { method: "POST", headers, body });

    it("a request signed by the SDK's signer reaches the handler with the caller's IAM identity", async () => {
      const response = await post(await sign());
      expect(response.status).toBe(200);
      const { event } = EchoSchema.parse(JSON.parse(response.text));
      expect(event.requestContext.identity).toMatchObject({
        accessKey: LOCAL_ADMIN_CREDENTIAL.accessKeyId,
        accountId: LOCAL_ADMIN_CREDENTIAL.accountId,
        userArn: LOCAL_ADMIN_CREDENTIAL.userArn,
        caller: LOCAL_ADMIN_CREDENTIAL.userId,
        user: LOCAL_ADMIN_CREDENTIAL.userId,
        apiKey: null,
        apiKeyId: null,
      });
      expect(event.body).toBe(body);
    });

    it("a signed request with a query string and an encoded path segment verifies too", async () => {
      const path = "/local/v1/admin/test/echo";
      const headers = await sign({ query: { limit: "5", tag: ["b", "a"], q: "x y" }, path });
      const response = await post(headers, `${path}?limit=5&tag=b&tag=a&q=x%20y`);
      expect(response.status).toBe(200);
    });

    it("no signature: 403 Missing Authentication Token", async () => {
      const response = await post({ "content-type": "application/json" });
      expect(response.status).toBe(403);
      expect(JSON.parse(response.text)).toEqual({ message: "Missing Authentication Token" });
    });

    it("an API key does not open an admin route", async () => {
      const response = await post(withKey);
      expect(response.status).toBe(403);
      expect(JSON.parse(response.text)).toEqual({ message: "Missing Authentication Token" });
    });

    it("a bearer token: 403 with the SigV4 parse error", async () => {
      const response = await post({ authorization: "Bearer eyJhbGciOi" });
      expect(response.status).toBe(403);
      expect(response.headers["x-amzn-errortype"]).toBe("IncompleteSignatureException");
    });

    it("a wrong secret: 403 signature mismatch", async () => {
      const response = await post(await sign({ secretAccessKey: "not-the-secret" }));
      expect(response.status).toBe(403);
      expect(JSON.parse(response.text)).toEqual({
        message: expect.stringMatching(/^The request signature we calculated does not match/),
      });
    });

    it("a tampered body: 403 signature mismatch", async () => {
      const headers = await sign();
      const response = await httpRequest(api.port, adminPath, {
        method: "POST",
        headers,
        body: '{"run":"later"}',
      });
      expect(response.status).toBe(403);
      expect(response.headers["x-amzn-errortype"]).toBe("InvalidSignatureException");
    });

    it("an unknown access key: 403 invalid security token", async () => {
      const response = await post(await sign({ accessKeyId: "AKIAUNKNOWN" }));
      expect(response.status).toBe(403);
      expect(JSON.parse(response.text)).toEqual({
        message: "The security token included in the request is invalid.",
      });
    });

    it("signed for another region or service: 403", async () => {
      for (const overrides of [{ region: "eu-west-1" }, { service: "lambda" }]) {
        const response = await post(await sign(overrides));
        expect(response.status).toBe(403);
        expect(JSON.parse(response.text)).toEqual({
          message: expect.stringMatching(/^Credential should be scoped/),
        });
      }
    });

    it("a valid signature by an identity IAM does not allow: 403 not authorized", async () => {
      const response = await post(
        await sign({
          accessKeyId: DENIED_CREDENTIAL.accessKeyId,
          secretAccessKey: DENIED_CREDENTIAL.secretAccessKey,
        }),
      );
      expect(response.status).toBe(403);
      expect(JSON.parse(response.text)).toEqual({
        message: `User: ${DENIED_CREDENTIAL.userArn} is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:000000000000:flywheellocal/local/POST/v1/admin/test/echo`,
      });
    });

    it("signed more than 5 minutes ago: 403 signature expired", async () => {
      const response = await post(await sign({ signingDate: new Date(Date.now() - 10 * 60 * 1000) }));
      expect(response.status).toBe(403);
      expect(JSON.parse(response.text)).toEqual({ message: expect.stringMatching(/^Signature expired: /) });
    });
  });

  describe("the request log", () => {
    it("writes one line per request with method, path, status and request id, never the key", async () => {
      const before = logLines.length;
      const response = await get("/v1/health", withKey);
      const lines = logLines.slice(before);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^local-api GET \/local\/v1\/health 200 \d+ms /);
      expect(lines[0]).toContain(`requestId=${response.headers["x-amzn-requestid"]}`);
      expect(lines[0]).toContain(`apiKeyId=${API_KEY.id}`);
      expect(lines.join("\n")).not.toContain(API_KEY.value);
    });
  });
});

describe("local API Gateway front: usage plan throttling", () => {
  it("throttles each key with a token bucket of the plan's rate and burst", async () => {
    let now = 1_000_000;
    const keys = [
      { id: "first", value: "first-key-0123456789abcdef" },
      { id: "second", value: "second-key-0123456789abcdef" },
    ];
    const api = await startLocalApiGateway({
      apiKeys: keys,
      throttle: { rateLimit: 1, burstLimit: 2 },
      clock: () => now,
      log: () => {},
    });
    try {
      const health = (key: string) =>
        httpRequest(api.port, "/local/v1/health", { headers: { "x-api-key": key } });
      const [first, second] = keys.map((key) => key.value);
      if (first === undefined || second === undefined) throw new Error("two keys expected");
      expect((await health(first)).status).toBe(200);
      expect((await health(first)).status).toBe(200);
      const throttled = await health(first);
      expect(throttled.status).toBe(429);
      expect(JSON.parse(throttled.text)).toEqual({ message: "Too Many Requests" });
      // Another key has its own bucket.
      expect((await health(second)).status).toBe(200);
      now += 1000;
      expect((await health(first)).status).toBe(200);
      expect((await health(first)).status).toBe(429);
    } finally {
      await api.stop();
    }
  });
});

describe("local API Gateway front: refuses to start on a bad route table", () => {
  it("a route whose handler module does not exist", async () => {
    const table: RouteTable = {
      routes: [{ method: "GET", path: "/v1/missing", handler: "missing", auth: "api-key" }],
      handlers: {
        missing: { entry: "api/no-such-handler.ts", description: "", timeoutSeconds: 3, memorySizeMb: 256 },
      },
    };
    await expect(startLocalApiGateway({ routeTable: table, log: () => {} })).rejects.toThrow(
      HandlerLoadError,
    );
    await expect(startLocalApiGateway({ routeTable: table, log: () => {} })).rejects.toThrow(
      /handler "missing": module .*functions\/api\/no-such-handler\.ts does not exist/,
    );
  });

  it("a module without a handler export", async () => {
    const table: RouteTable = {
      routes: [{ method: "GET", path: "/v1/odd", handler: "odd", auth: "api-key" }],
      handlers: { odd: testHandler("no-handler-export.ts") },
    };
    await expect(startLocalApiGateway({ routeTable: table, log: () => {} })).rejects.toThrow(
      /exports no function named "handler"/,
    );
  });

  it("an invalid table (a duplicate route)", async () => {
    const table: RouteTable = {
      routes: [...ROUTES, ...ROUTES],
      handlers: HANDLERS,
    };
    await expect(startLocalApiGateway({ routeTable: table, log: () => {} })).rejects.toThrow(RouteTableError);
  });
});

function headerValues(rawHeaders: readonly string[], lowerName: string): string[] {
  const values: string[] = [];
  for (let index = 0; index + 1 < rawHeaders.length; index += 2)
    if (rawHeaders[index]?.toLowerCase() === lowerName) values.push(rawHeaders[index + 1] ?? "");
  return values;
}

// The fields a deployed REST API's proxy event has, checked against the aws-lambda types: `satisfies`
// fails to compile if a field of the type is missing here or one here is not in the type.
type RequiredKeys<T> = { [K in keyof T]-?: Partial<Pick<T, K>> extends Pick<T, K> ? never : K }[keyof T];

const EVENT_KEYS = {
  body: true,
  headers: true,
  multiValueHeaders: true,
  httpMethod: true,
  isBase64Encoded: true,
  path: true,
  pathParameters: true,
  queryStringParameters: true,
  multiValueQueryStringParameters: true,
  stageVariables: true,
  requestContext: true,
  resource: true,
} satisfies Record<keyof APIGatewayProxyEvent, true>;

const REST_REQUEST_CONTEXT_KEYS = {
  ...({
    accountId: true,
    apiId: true,
    protocol: true,
    httpMethod: true,
    identity: true,
    path: true,
    stage: true,
    requestId: true,
    requestTimeEpoch: true,
    resourceId: true,
    resourcePath: true,
  } satisfies Record<
    Exclude<RequiredKeys<APIGatewayEventRequestContextWithAuthorizer<unknown>>, "authorizer">,
    true
  >),
  // Optional in the type (other API kinds lack them), always present in REST API events.
  domainName: true,
  domainPrefix: true,
  extendedRequestId: true,
  requestTime: true,
  // Not in the type at all, but in every REST API event.
  deploymentId: true,
};

const IDENTITY_KEYS = {
  accessKey: true,
  accountId: true,
  apiKey: true,
  apiKeyId: true,
  caller: true,
  clientCert: true,
  cognitoAuthenticationProvider: true,
  cognitoAuthenticationType: true,
  cognitoIdentityId: true,
  cognitoIdentityPoolId: true,
  principalOrgId: true,
  sourceIp: true,
  user: true,
  userAgent: true,
  userArn: true,
} satisfies Record<RequiredKeys<APIGatewayEventIdentity>, true>;

const CONTEXT_KEYS = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: true,
  functionVersion: true,
  invokedFunctionArn: true,
  memoryLimitInMB: true,
  awsRequestId: true,
  logGroupName: true,
  logStreamName: true,
  getRemainingTimeInMillis: true,
  done: true,
  fail: true,
  succeed: true,
} satisfies Record<RequiredKeys<Context>, true>;

/** Functions do not survive JSON; the echo handler reports the remaining time instead. */
const DEPRECATED_CONTEXT_METHODS: ReadonlySet<string> = new Set([
  "getRemainingTimeInMillis",
  "done",
  "fail",
  "succeed",
]);
